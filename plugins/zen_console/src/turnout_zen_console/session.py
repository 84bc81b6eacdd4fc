"""``ConsoleSession``: the console login a runtime uses, set up in ``turnout_configure``.

Setting up reads the active account, gets a valid token (refreshing it if due), exports it as
``$OPENCODE_CONSOLE_TOKEN`` (before any ``{env:…}`` template is resolved, which the core does
per request), then fetches the active org's remote config and merges it under the local
config. Nothing here is fatal: a missing login, a corrupt account file or an unreachable
console are logged and the runtime starts without console-managed providers (anonymous Zen
still works).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from turnout.errors import ConfigError
from turnout.plugin_api import Config, ResolvedModel

from turnout_zen_console.accounts import AccountStore
from turnout_zen_console.anonymous import apply_anonymous_zen
from turnout_zen_console.errors import ConsoleError
from turnout_zen_console.headers import console_headers
from turnout_zen_console.server import TOKEN_ENV, origin

if TYPE_CHECKING:
    from turnout_zen_console.tokens import TokenSource

__all__ = ["TOKEN_ENV", "ConsoleSession", "open_session"]

logger = logging.getLogger("turnout.zen_console")


@dataclass
class ConsoleSession:
    """The active login: its tokens, its org, and the hosts its credentials may go to."""

    tokens: TokenSource
    """The account's access token, refreshed when due."""
    org_id: str | None
    """The active org."""
    trusted: set[tuple[str, str, int]] = field(default_factory=set)
    """Origins of the console and of the proxies its remote config names."""

    def headers(self, model: ResolvedModel, url: str) -> dict[str, str] | None:
        """Credentials for a request to ``url`` for ``model`` (see ``console_headers``)."""
        if not model.console_managed:
            return None
        token = self.tokens.token_nowait()
        if os.environ.get(TOKEN_ENV) != token:
            os.environ[TOKEN_ENV] = token
        return console_headers(model, url, token=token, org_id=self.org_id, trusted=self.trusted)


def open_session(config: Config, store: AccountStore | None = None) -> ConsoleSession | None:
    """Set up the active login for ``config`` (see the module docstring); ``None`` if none."""
    session = _login_session(config, store or AccountStore())
    apply_anonymous_zen(config)
    return session


def _login_session(config: Config, store: AccountStore) -> ConsoleSession | None:
    try:
        account = store.active()
        if account is None:
            return None
        # The console client (httpx2) loads only when someone is logged in.
        from turnout_zen_console.remote_config import apply_remote_config, load_remote_config
        from turnout_zen_console.tokens import TokenSource

        tokens = TokenSource(store, account.key)
        token = tokens.token()
    except ConsoleError as exc:
        logger.warning("console login unavailable, continuing without it: %s", exc)
        return None
    os.environ[TOKEN_ENV] = token
    session = ConsoleSession(tokens=tokens, org_id=account.org_id)
    if (server := origin(account.server)) is not None:
        session.trusted.add(server)
    if account.org_id is None:
        return session
    remote = load_remote_config(account, token, account.org_id, cache_dir=store.path.parent)
    if remote is None:
        return session
    source = f"{account.server}/api/config"
    try:
        session.trusted |= apply_remote_config(config, remote, source=source)
    except ConfigError as exc:
        logger.warning("ignoring the console config from %s: invalid at %s", source, exc.key or "the top level")
    return session
