"""Hook implementations of turnout-zen-console.

Kept light: this module is imported during plugin discovery, so everything heavier (HTTP
client, account store) is imported when a hook first runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

if TYPE_CHECKING:
    from turnout.plugin_api import CLI, Config, LLMRequest, ResolvedModel, WireRequest

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
def turnout_inject_headers(request: LLMRequest, model: ResolvedModel, wire: WireRequest) -> dict[str, str] | None:
    """``x-opencode-*`` session headers for Zen; bearer token and ``x-org-id`` for console-managed
    models sent to a console host."""
    from turnout_zen_console.headers import opencode_headers

    headers = opencode_headers(request, model)
    if _session is not None and model.console_managed:
        headers.update(_session.headers(model, wire.url) or {})
    return headers or None


@hookimpl
def turnout_register_commands(cli: CLI) -> None:
    """``turnout login``, ``logout``, ``whoami`` and ``orgs``."""
    from turnout_zen_console.commands import register_commands

    register_commands(cli)
