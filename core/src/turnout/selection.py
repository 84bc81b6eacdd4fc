"""Selection: every plugin's verdicts in, the chosen runtime and the reasons out.

Rules (also in ``docs/plugins.md``):

- every plugin is asked; a plugin that raises counts as declining with ``plugin error: …``;
- a ``supported=False`` verdict from any plugin vetoes that runtime;
- among runtimes with at least one supported verdict and no veto, the highest priority wins
  (``Priority.NATIVE`` > ``Priority.DEFAULT`` > ``Priority.FALLBACK``), ties by plugin order;
- a runtime no installed plugin owns is never chosen;
- the others stay, in order, as candidates to fall back to if the chosen one fails before its
  first event.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import IntEnum

__all__ = ["Priority", "Selection", "Verdict", "choose"]

logger = logging.getLogger("turnout.selection")


class Priority(IntEnum):
    """Verdict priorities; any integer works, these are the landmarks."""

    FALLBACK = 0
    """The broad fallback runtime."""
    DEFAULT = 50
    """Third-party runtimes, unless they say otherwise."""
    NATIVE = 100
    """Native fast paths."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One plugin's answer to "can runtime X handle this request?".

    ``plugin`` is filled in by the core with the name of the plugin that answered.
    """

    runtime: str
    """The runtime id the verdict is about, e.g. ``"native-openai"``."""
    supported: bool
    """True to offer the runtime, False to veto it."""
    reason: str | None = None
    """Why (required in practice when declining; shown by ``turnout explain``)."""
    priority: int = Priority.DEFAULT
    """Higher wins among supported runtimes."""
    plugin: str | None = None
    """The plugin that gave the verdict (set by the core)."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The outcome of selection: the chosen runtime, the fallbacks, and every verdict."""

    runtime: str | None
    """The chosen runtime id, or ``None`` when no runtime supports the request."""
    candidates: tuple[str, ...]
    """Every eligible runtime, best first (``candidates[0] == runtime``)."""
    verdicts: tuple[Verdict, ...]
    """Every verdict collected, in plugin order."""
    provider: str = ""
    """The request's provider id."""
    model: str = ""
    """The request's model id."""
    declined: dict[str, str] = field(default_factory=dict)
    """Runtime id → why it was not chosen (vetoes and lower-priority candidates)."""

    def reasons(self, runtime: str) -> list[str]:
        """Every reason given about ``runtime``."""
        return [v.reason for v in self.verdicts if v.runtime == runtime and v.reason]


def choose(
    verdicts: Iterable[Verdict], *, provider: str = "", model: str = "", owned: Collection[str] | None = None
) -> Selection:
    """Apply the selection rules to ``verdicts`` (see the module docstring) and log the choice.

    ``owned``, when given, is the set of runtimes some installed plugin owns: a runtime outside
    it cannot be chosen, whatever its verdicts say.
    """
    verdicts = tuple(verdicts)
    vetoed: dict[str, str] = {}
    if owned is not None:
        for verdict in verdicts:
            if verdict.supported and verdict.runtime not in owned:
                vetoed.setdefault(verdict.runtime, "no installed plugin owns this runtime")
    best: dict[str, int] = {}
    order: dict[str, int] = {}
    for position, verdict in enumerate(verdicts):
        order.setdefault(verdict.runtime, position)
        if not verdict.supported:
            vetoed.setdefault(verdict.runtime, f"{verdict.reason or 'declined'} ({verdict.plugin or '?'})")
        else:
            best[verdict.runtime] = max(best.get(verdict.runtime, verdict.priority), verdict.priority)
    candidates = tuple(sorted((r for r in best if r not in vetoed), key=lambda r: (-best[r], order[r])))
    declined = dict(vetoed)
    for runtime in candidates[1:]:
        declined[runtime] = f"lower priority than {candidates[0]}"
    selection = Selection(
        runtime=candidates[0] if candidates else None,
        candidates=candidates,
        verdicts=verdicts,
        provider=provider,
        model=model,
        declined=declined,
    )
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "llm runtime selected",
            extra={"runtime": selection.runtime, "provider": provider, "model": model, "declined": declined},
        )
    return selection
