"""``Manifest``: what a plugin declares about itself — its contract version and its runtimes.

Every plugin module (or object) carries one as ``turnout_manifest``::

    turnout_manifest = Manifest(hooks_version=2, runtimes=("echo",))

The core refuses, at load, a plugin without one or built for another contract version, and
calls the runtime hooks (``turnout_lower_request``, ``turnout_open_stream``) only on the plugin
that owns the chosen runtime.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MANIFEST_ATTRIBUTE", "Manifest"]

MANIFEST_ATTRIBUTE = "turnout_manifest"
"""The attribute of a plugin that holds its ``Manifest``."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """A plugin's declaration: the hook contract it was built for and the runtimes it owns."""

    hooks_version: int
    """The contract version the plugin implements (``turnout.HOOKS_VERSION`` when it was built)."""
    runtimes: tuple[str, ...] = ()
    """Runtime ids this plugin owns: it lowers and streams requests for them, and only for them."""

    def __post_init__(self) -> None:
        if isinstance(self.runtimes, str):  # a lone string is an easy mistake: ("x") is "x"
            raise TypeError(f"Manifest.runtimes must be a tuple of runtime ids, got the string {self.runtimes!r}")
        object.__setattr__(self, "runtimes", tuple(self.runtimes))
        for runtime in self.runtimes:
            if not isinstance(runtime, str) or not runtime:
                raise TypeError(f"Manifest.runtimes: each runtime id is a non-empty string, got {runtime!r}")
