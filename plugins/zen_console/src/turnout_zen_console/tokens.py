"""``TokenSource``: the access token of a stored account, refreshed before it expires.

The token is refreshed eagerly when it expires within ``REFRESH_MARGIN`` (5 minutes), and the
new pair is persisted atomically before it is used. Callers on several threads share one
refresh: the first takes the lock and refreshes, the others wait and then find the fresh token
(the account is re-read from the store under the lock, so a refresh done by another process is
picked up too). Within one event loop the hooks that call ``token()`` run one at a time, so a
refresh there is naturally single. A refresh the console refuses (400/401) raises
``LoginRequiredError`` telling the user to run ``turnout login`` again; a console that cannot
be reached is tolerated while the current token is still valid.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from turnout_zen_console.accounts import Account, AccountStore
from turnout_zen_console.client import ConsoleClient
from turnout_zen_console.errors import ConsoleHTTPError, ConsoleUnavailableError, LoginRequiredError

__all__ = ["REFRESH_MARGIN", "TokenSource"]

logger = logging.getLogger("turnout.zen_console")

REFRESH_MARGIN = 300.0
"""Refresh when the access token expires within this many seconds."""

_RELOGIN_STATUSES = frozenset({400, 401})


class TokenSource:
    """Hands out a valid access token for one stored account."""

    def __init__(self, store: AccountStore, key: str, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._key = key
        self._clock = clock
        self._lock = threading.Lock()
        self._account: Account | None = None

    @property
    def account(self) -> Account:
        """The account as last read or refreshed."""
        if self._account is None:
            self._account = self._load()
        return self._account

    def token(self) -> str:
        """A valid access token, refreshing (once, for every waiting caller) when due."""
        account = self.account
        if not self._due(account):
            return account.access_token.get_secret_value()
        with self._lock:
            account = self._account = self._load()
            if self._due(account):
                account = self._account = self._refresh(account)
            return account.access_token.get_secret_value()

    def _due(self, account: Account) -> bool:
        return account.expires_at - self._clock() <= REFRESH_MARGIN

    def _load(self) -> Account:
        account = self._store.get(self._key)
        if account is None:
            raise LoginRequiredError("the console account was logged out; run `turnout login`")
        return account

    def _refresh(self, account: Account) -> Account:
        try:
            with ConsoleClient(account.server) as client:
                grant = client.refresh(account.refresh_token.get_secret_value())
        except ConsoleHTTPError as exc:
            if exc.status in _RELOGIN_STATUSES:
                raise LoginRequiredError(
                    f"the console login for {account.label} has expired or was revoked; run `turnout login` again"
                ) from None
            raise
        except ConsoleUnavailableError as exc:
            if account.expires_at > self._clock():
                logger.warning(
                    "console token refresh failed, using the current token until it expires: %s",
                    exc,
                )
                return account
            raise
        refreshed = account.model_copy(
            update={
                "access_token": grant.access_token,
                "refresh_token": grant.refresh_token,
                "expires_at": self._clock() + grant.expires_in,
            }
        )
        self._store.update(refreshed)
        logger.info("console token refreshed (%s)", account.server)
        return refreshed
