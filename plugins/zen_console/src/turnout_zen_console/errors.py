"""The exceptions this plugin raises; none of them ever carries a token or an org id.

The tree::

    turnout.errors.TurnoutError
    └── ConsoleError                 anything that went wrong talking to the console or its files
        ├── AccountStoreError        the account file is unreadable or corrupt (left untouched)
        ├── ConsoleUnavailableError  the console could not be reached (network, timeout)
        ├── ConsoleHTTPError         the console answered with an unexpected status or body
        ├── DeviceLoginError         the device login ended without a token (denied, expired)
        └── LoginRequiredError       no usable login: run ``turnout login`` (again)
"""

from __future__ import annotations

from turnout.errors import TurnoutError

__all__ = [
    "AccountStoreError",
    "ConsoleError",
    "ConsoleHTTPError",
    "ConsoleUnavailableError",
    "DeviceLoginError",
    "LoginRequiredError",
]


class ConsoleError(TurnoutError):
    """Base class of the console plugin's errors."""


class AccountStoreError(ConsoleError):
    """The account file cannot be read or is corrupt; it is never overwritten silently."""


class ConsoleUnavailableError(ConsoleError):
    """The console could not be reached (connection refused, DNS, timeout)."""


class ConsoleHTTPError(ConsoleError):
    """The console answered with an unexpected status or an unreadable body."""

    def __init__(self, message: str, *, status: int | None = None, error: str | None = None) -> None:
        self.status = status
        """The HTTP status, when there was a response."""
        self.error = error
        """The console's machine-readable ``error`` code, when it sent one."""
        super().__init__(message)


class DeviceLoginError(ConsoleError):
    """The device login ended without a token: denied, expired, or refused by the console."""


class LoginRequiredError(ConsoleError):
    """There is no usable console login; the message tells the user to run ``turnout login``."""
