"""The device login against the loopback console: pending, slow_down, denied, expired."""

from __future__ import annotations

import pytest
from turnout_zen_console.client import ConsoleClient, TokenGrant
from turnout_zen_console.device import request_device_code, wait_for_approval
from turnout_zen_console.errors import ConsoleUnavailableError, DeviceLoginError

from plugins.zen_console.tests.console_server import ConsoleServer


class FakeTime:
    """A clock that only moves when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def test_pending_then_slow_down_then_approved(console: ConsoleServer) -> None:
    console.state.interval = 2
    clock = FakeTime()
    with ConsoleClient(console.url) as client:
        code = request_device_code(client)
        grant = wait_for_approval(client, code, sleep=clock.sleep, clock=clock.clock)
    assert code.verification_url == f"{console.url}/auth/device?user_code=WXYZ-1234"
    assert code.user_code == "WXYZ-1234"
    assert isinstance(grant, TokenGrant)
    assert grant.access_token.get_secret_value() == console.state.access_token
    # three pending polls at the console's interval, one slow_down, then 5 s more per RFC 8628
    assert clock.sleeps == [2, 2, 2, 2, 7]
    polls = console.state.paths("/auth/device/token")
    assert len(polls) == 5
    assert polls[0].body == {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": "dev-SECRET-code",
        "client_id": "opencode-cli",
    }


def test_access_denied_stops_with_a_clear_error(console: ConsoleServer) -> None:
    console.state.deny = True
    clock = FakeTime()
    with ConsoleClient(console.url) as client, pytest.raises(DeviceLoginError, match="denied"):
        wait_for_approval(client, request_device_code(client), sleep=clock.sleep, clock=clock.clock)
    assert console.state.polls == 1


def test_code_that_is_never_approved_expires_by_itself(console: ConsoleServer) -> None:
    console.state.pending_polls = 10**6
    console.state.interval = 60
    clock = FakeTime()
    with ConsoleClient(console.url) as client, pytest.raises(DeviceLoginError, match="expired"):
        wait_for_approval(client, request_device_code(client), sleep=clock.sleep, clock=clock.clock)
    assert console.state.polls < 600 / 60, "polling stops once the code's lifetime has passed"


def test_unreachable_console_is_a_clear_error() -> None:
    with (
        ConsoleClient("http://127.0.0.1:9", timeout=2) as client,
        pytest.raises(ConsoleUnavailableError, match=r"cannot reach the console at http://127\.0\.0\.1:9"),
    ):
        request_device_code(client)
