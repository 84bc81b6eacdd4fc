"""``TokenSource``: the access token of a stored account, refreshed before it expires.

The token is refreshed eagerly when it expires within ``REFRESH_MARGIN`` (5 minutes), and the
new pair is persisted atomically before it is used. Refreshes are single across threads *and
processes*: a refresh holds a thread lock and a file lock (``accounts.json.lock``), and whoever
gets the locks first re-reads the store; a caller that finds a fresh token there (another
thread or process refreshed it meanwhile) uses it instead of spending the refresh token again.
Should the console still answer ``invalid_grant`` (a process that took no lock rotated the
pair), the store is re-read once more and a newer pair found there is used.

``token()`` may block (it is used while a runtime is built). ``token_nowait()`` is for the
request path on the event loop: a due but still valid token is returned at once while a
background thread refreshes it; it blocks only when the token has actually expired.

A refresh the console refuses (400/401) raises ``LoginRequiredError`` telling the user to run
``turnout login`` again; a console that cannot be reached is tolerated while the current token
is still valid.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from turnout_zen_console.accounts import Account, AccountStore
from turnout_zen_console.client import ConsoleClient
from turnout_zen_console.errors import ConsoleError, ConsoleHTTPError, ConsoleUnavailableError, LoginRequiredError
from turnout_zen_console.storage import file_lock

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
        self._background: threading.Thread | None = None
        self._start_lock = threading.Lock()  # never held while talking to the console

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
        with self._lock, file_lock(self._store.path.with_name(self._store.path.name + ".lock")):
            account = self._account = self._load()
            if self._due(account):
                account = self._account = self._refresh(account)
            return account.access_token.get_secret_value()

    def token_nowait(self) -> str:
        """The access token without waiting on the console while it is still valid.

        A due token that has not expired yet is returned as is, and a background thread
        refreshes it (one at a time); only an expired token waits for ``token()``.
        """
        account = self.account
        if not self._due(account):
            return account.access_token.get_secret_value()
        if account.expires_at <= self._clock():
            return self.token()
        with self._start_lock:
            if self._background is None or not self._background.is_alive():
                self._background = threading.Thread(target=self._refresh_quietly, name="console-token", daemon=True)
                self._background.start()
        return account.access_token.get_secret_value()

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Wait for a background refresh started by ``token_nowait`` (if any) to end."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def _refresh_quietly(self) -> None:
        try:
            self.token()
        except ConsoleError as exc:  # the next request sees it again, while the token still works
            logger.warning("background console token refresh failed: %s", exc)

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
            stored = self._store.get(self._key) if exc.status in _RELOGIN_STATUSES else None
            if stored is not None and stored.refresh_token != account.refresh_token:
                logger.info("console token was refreshed by another process; using its token")
                return stored
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
