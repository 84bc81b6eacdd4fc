"""The account store: console logins kept in the user data directory.

One JSON file, ``accounts.json`` under ``turnout.paths.user_data_dir()`` (``$TURNOUT_DATA_DIR``
when set), mode 0600, rewritten atomically on every change. It holds several accounts, keyed
``<user id>@<server>``, and which one is active::

    {"version": 1, "active": "usr_1@https://console.opencode.ai",
     "accounts": {"usr_1@https://console.opencode.ai": {"server": ..., "user_id": ...,
                  "email": ..., "access_token": ..., "refresh_token": ..., "expires_at": ...,
                  "org_id": ..., "orgs": [{"id": ..., "name": ...}]}}}

A file that cannot be parsed raises ``AccountStoreError`` naming the file; it is never
overwritten silently (the user decides whether to repair or delete it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from turnout.plugin_api import user_data_dir

from turnout_zen_console.errors import AccountStoreError
from turnout_zen_console.storage import read_json, write_private_json

__all__ = ["ACCOUNTS_FILE", "Account", "AccountStore", "Org"]

ACCOUNTS_FILE = "accounts.json"
"""The file name inside the data directory."""

_FORMAT_VERSION = 1
_WRITE_LOCK = threading.Lock()


class Org(BaseModel):
    """An organisation the user belongs to."""

    model_config = ConfigDict(frozen=True)

    id: str
    """The console's org id (sent as ``x-org-id``)."""
    name: str = ""
    """Its display name."""


class Account(BaseModel):
    """One console login. Tokens are ``SecretStr``: they never show in ``repr`` or logs."""

    model_config = ConfigDict(frozen=True)

    server: str
    """The console base URL, normalised (no trailing slash)."""
    user_id: str
    """The console's user id."""
    email: str | None = None
    """The user's e-mail address, for display."""
    access_token: SecretStr
    """The short-lived bearer token."""
    refresh_token: SecretStr
    """The token that obtains the next access token."""
    expires_at: float
    """When the access token expires (seconds since the epoch)."""
    org_id: str | None = None
    """The active organisation."""
    orgs: tuple[Org, ...] = Field(default_factory=tuple)
    """The organisations known at login (or at the last ``turnout orgs``)."""

    @property
    def key(self) -> str:
        """The store key: ``<user id>@<server>``."""
        return f"{self.user_id}@{self.server}"

    @property
    def label(self) -> str:
        """How to name the account to the user: e-mail (or user id) and server."""
        return f"{self.email or self.user_id} ({self.server})"

    def to_record(self) -> dict[str, Any]:
        """Plain data for the account file, secrets included (only ever written to it)."""
        record = self.model_dump(mode="json")
        record["access_token"] = self.access_token.get_secret_value()
        record["refresh_token"] = self.refresh_token.get_secret_value()
        return record


class AccountStore:
    """The accounts file; every change is a read-modify-atomic-write under a process lock."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else user_data_dir() / ACCOUNTS_FILE
        """The accounts file."""

    def accounts(self) -> list[Account]:
        """Every stored account, in the order they were added."""
        return list(self._load()[1].values())

    def active(self) -> Account | None:
        """The active account, or ``None`` when nobody is logged in."""
        active, accounts = self._load()
        return accounts.get(active) if active else None

    def get(self, key: str) -> Account | None:
        """The account stored under ``key``."""
        return self._load()[1].get(key)

    def add(self, account: Account) -> None:
        """Store ``account`` (replacing one with the same key) and make it the active one."""

        def change(accounts: dict[str, Account]) -> str | None:
            accounts[account.key] = account
            return account.key

        self._modify(change)

    def update(self, account: Account) -> None:
        """Replace the stored account with the same key, keeping which one is active."""

        def change(accounts: dict[str, Account]) -> None:
            if account.key not in accounts:
                raise AccountStoreError(f"no account {account.label} in {self.path}; run `turnout login`")
            accounts[account.key] = account

        self._modify(change)

    def activate(self, key: str) -> None:
        """Make the account stored under ``key`` the active one."""

        def change(accounts: dict[str, Account]) -> str:
            if key not in accounts:
                raise AccountStoreError(f"no account {key!r} in {self.path}")
            return key

        self._modify(change)

    def remove(self, key: str) -> Account | None:
        """Forget an account; if it was active, the first remaining one becomes active."""
        removed: list[Account] = []

        def change(accounts: dict[str, Account]) -> None:
            if key in accounts:
                removed.append(accounts.pop(key))

        self._modify(change)
        return removed[0] if removed else None

    def _modify(self, change: Callable[[dict[str, Account]], str | None]) -> None:
        """Apply ``change`` (which may return a key to activate) and write the file atomically."""
        with _WRITE_LOCK:
            active, accounts = self._load()
            chosen = change(accounts)
            if chosen is not None:
                active = chosen
            if active not in accounts:
                active = next(iter(accounts), None)
            write_private_json(
                self.path,
                {
                    "version": _FORMAT_VERSION,
                    "active": active,
                    "accounts": {key: account.to_record() for key, account in accounts.items()},
                },
            )

    def _load(self) -> tuple[str | None, dict[str, Account]]:
        try:
            data = read_json(self.path)
        except OSError as exc:
            raise AccountStoreError(f"cannot read the account file {self.path}: {exc.strerror}") from None
        except ValueError as exc:
            raise self._corrupt(f"not valid JSON: {exc}") from None
        if data is None:
            return None, {}
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            raise self._corrupt("expected an object with an 'accounts' table")
        if data.get("version") != _FORMAT_VERSION:
            raise self._corrupt(f"unknown format version {data.get('version')!r} (expected {_FORMAT_VERSION})")
        accounts: dict[str, Account] = {}
        for key, record in data["accounts"].items():
            try:
                account = Account.model_validate(record)
            except ValidationError as exc:
                error = exc.errors()[0]  # the location and message only: never the (secret) input
                where = ".".join(str(part) for part in error["loc"])
                raise self._corrupt(f"account {key!r}, field {where!r}: {error['msg']}") from None
            accounts[account.key] = account
        active = data.get("active")
        return (active if isinstance(active, str) else None), accounts

    def _corrupt(self, detail: str) -> AccountStoreError:
        return AccountStoreError(
            f"the account file {self.path} is corrupt ({detail}); it was left as is: "
            "repair it, or delete it and run `turnout login`"
        )
