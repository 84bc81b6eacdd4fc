"""Hook implementations of turnout-serve: the ``turnout serve`` command (no runtime of its own).

Kept light: discovery imports only this module; Starlette and uvicorn load when the command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

if TYPE_CHECKING:
    from turnout.plugin_api import CLI

turnout_manifest = Manifest(hooks_version=HOOKS_VERSION, runtimes=())


@hookimpl
def turnout_register_commands(cli: CLI) -> None:
    """``turnout serve``."""
    from turnout_serve.commands import register_commands

    register_commands(cli)
