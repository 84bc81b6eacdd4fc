"""The device login (RFC 8628): ask for a code, show it, poll until the user approves.

Polling follows the console's answers: ``authorization_pending`` keeps polling,
``slow_down`` adds 5 seconds to the interval, ``expired_token`` and ``access_denied`` stop with
a ``DeviceLoginError`` that says what to do, anything else stops with the console's message.
The loop ends by itself when the code's lifetime has passed. ``sleep`` and ``clock`` are
parameters so that tests (and embedders) control time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from turnout_zen_console.client import ConsoleClient, TokenGrant, TokenRefusal
from turnout_zen_console.errors import ConsoleHTTPError, ConsoleUnavailableError, DeviceLoginError

__all__ = ["SLOW_DOWN_STEP", "DeviceCode", "request_device_code", "wait_for_approval"]

logger = logging.getLogger("turnout.zen_console")

SLOW_DOWN_STEP = 5.0
"""Seconds added to the polling interval on each ``slow_down`` (RFC 8628 §3.5)."""

_DEFAULT_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the console hands out to start a device login."""

    device_code: str
    """The code this client polls with (never shown)."""
    user_code: str
    """The code the user confirms in the browser."""
    verification_url: str
    """The full URL to open: the server plus ``verification_uri_complete``."""
    expires_in: float
    """Seconds the code stays valid."""
    interval: float
    """Seconds between polls, as the console asked."""


def request_device_code(client: ConsoleClient) -> DeviceCode:
    """Ask the console for a device code (``POST /auth/device/code``)."""
    data = client.request_device_code()
    device_code, user_code = data.get("device_code"), data.get("user_code")
    path = data.get("verification_uri_complete")
    expires_in, interval = data.get("expires_in"), data.get("interval", _DEFAULT_INTERVAL)
    if not (isinstance(device_code, str) and isinstance(user_code, str) and isinstance(path, str)):
        raise ConsoleHTTPError(f"the console at {client.server} sent an incomplete device code answer")
    if not isinstance(expires_in, int | float) or not isinstance(interval, int | float):
        raise ConsoleHTTPError(f"the console at {client.server} sent a device code answer without timing")
    url = path if path.startswith(("http://", "https://")) else f"{client.server}/{path.lstrip('/')}"
    return DeviceCode(device_code, user_code, url, float(expires_in), max(float(interval), 0.0))


def wait_for_approval(
    client: ConsoleClient,
    code: DeviceCode,
    *,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> TokenGrant:
    """Poll ``POST /auth/device/token`` until the user approves; the token pair on success.

    Raises ``DeviceLoginError`` when the login is denied, expires, or is refused. A console that
    cannot be reached for one poll is tried again at the next one, until the code expires.
    ``sleep`` and ``clock`` default to ``time.sleep`` and ``time.monotonic``.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + code.expires_in
    interval = code.interval
    while True:
        if clock() + interval >= deadline:
            raise DeviceLoginError("the login code expired before it was approved; run `turnout login` again")
        sleep(interval)
        try:
            answer = client.poll_device_token(code.device_code)
        except ConsoleUnavailableError as exc:
            logger.debug("console login poll failed, retrying: %s", exc)
            continue
        if isinstance(answer, TokenGrant):
            return answer
        interval = _next_interval(answer, interval)


def _next_interval(refusal: TokenRefusal, interval: float) -> float:
    """The interval for the next poll, or raise when the refusal ends the login."""
    if refusal.error == "authorization_pending":
        return interval
    if refusal.error == "slow_down":
        return interval + SLOW_DOWN_STEP
    if refusal.error == "expired_token":
        raise DeviceLoginError("the login code expired before it was approved; run `turnout login` again")
    if refusal.error == "access_denied":
        raise DeviceLoginError("the login was denied in the browser; run `turnout login` to try again")
    raise DeviceLoginError(f"the console refused the login ({refusal.describe()})")
