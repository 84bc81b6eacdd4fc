"""Hook implementations of turnout-zen-console.

Kept light: this module is imported during plugin discovery, so everything heavier (HTTP
client, account store) is imported when a hook first runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

if TYPE_CHECKING:
    from turnout.plugin_api import CLI, Config, ResolvedModel, WireRequest

    from turnout_zen_console.session import ConsoleSession

turnout_manifest = Manifest(hooks_version=HOOKS_VERSION)
"""Console auth owns no runtime: it configures providers and adds headers."""

_session: ConsoleSession | None = None
"""The login set up by the last ``turnout_configure`` (the active account is process-wide)."""


@hookimpl
def turnout_configure(config: Config) -> None:
    """Export the console token, merge the org's remote config under ``config``, or go anonymous."""
    global _session
    from turnout_zen_console.session import open_session

    _session = open_session(config)


@hookimpl
def turnout_inject_headers(model: ResolvedModel, wire: WireRequest) -> dict[str, str] | None:
    """Bearer token and ``x-org-id`` for console-managed models sent to a console host."""
    if _session is None or not model.console_managed:
        return None
    return _session.headers(model, wire.url)


@hookimpl
def turnout_register_commands(cli: CLI) -> None:
    """``turnout login``, ``logout``, ``whoami`` and ``orgs``."""
    from turnout_zen_console.commands import register_commands

    register_commands(cli)
