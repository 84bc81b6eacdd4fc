"""Token refresh against the loopback console: eager, shared, persisted, and clear on refusal."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from turnout_zen_console.accounts import Account, AccountStore
from turnout_zen_console.errors import LoginRequiredError
from turnout_zen_console.tokens import REFRESH_MARGIN, TokenSource

from plugins.zen_console.tests.console_server import ConsoleServer


def logged_in(console: ConsoleServer, *, expires_in: float) -> Account:
    """Store an account holding a pair the console issued, expiring in ``expires_in`` seconds."""
    issued = console.state.issue()
    account = Account(
        server=console.url,
        user_id="usr_test",
        email="dev@example.com",
        access_token=SecretStr(issued["access_token"]),
        refresh_token=SecretStr(issued["refresh_token"]),
        expires_at=time.time() + expires_in,
        org_id="org_alpha",
    )
    AccountStore().add(account)
    return account


def test_token_far_from_expiry_is_used_as_is(console: ConsoleServer) -> None:
    account = logged_in(console, expires_in=REFRESH_MARGIN + 600)
    assert TokenSource(AccountStore(), account.key).token() == account.access_token.get_secret_value()
    assert console.state.refreshes == 0


def test_token_within_five_minutes_of_expiry_is_refreshed_and_persisted(
    console: ConsoleServer,
) -> None:
    account = logged_in(console, expires_in=REFRESH_MARGIN - 10)
    before = time.time()
    token = TokenSource(AccountStore(), account.key).token()
    assert console.state.refreshes == 1
    assert token == console.state.access_token != account.access_token.get_secret_value()
    stored = AccountStore().get(account.key)
    assert stored is not None
    assert stored.access_token.get_secret_value() == token
    assert stored.refresh_token.get_secret_value() == console.state.refresh_tokens[-1]
    assert stored.expires_at >= before + console.state.expires_in
    refresh = console.state.paths("/auth/device/token")[-1].body
    assert refresh == {
        "grant_type": "refresh_token",
        "client_id": "opencode-cli",
        "refresh_token": account.refresh_token.get_secret_value(),
    }


def test_concurrent_callers_share_one_refresh(console: ConsoleServer) -> None:
    account = logged_in(console, expires_in=30)
    source = TokenSource(AccountStore(), account.key)
    barrier = threading.Barrier(8)
    results: list[str] = []
    errors: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            results.append(source.token())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert console.state.refreshes == 1
    assert set(results) == {console.state.access_token}


def test_refresh_done_by_another_process_is_picked_up(console: ConsoleServer) -> None:
    account = logged_in(console, expires_in=30)
    stale = TokenSource(AccountStore(), account.key)
    fresh = TokenSource(AccountStore(), account.key).token()  # "another process" refreshes first
    assert stale.token() == fresh
    assert console.state.refreshes == 1


@pytest.mark.parametrize("status", [400, 401])
def test_refused_refresh_tells_the_user_to_log_in_again(console: ConsoleServer, status: int) -> None:
    account = logged_in(console, expires_in=30)
    console.state.refusal_status = status
    with pytest.raises(LoginRequiredError, match="run `turnout login` again") as info:
        TokenSource(AccountStore(), account.key).token()
    assert "SECRET" not in str(info.value)
    assert AccountStore().get(account.key) == account, "a refused refresh changes nothing on disk"


def test_unreachable_console_keeps_a_still_valid_token(isolated: Path, caplog: pytest.LogCaptureFixture) -> None:
    account = Account(
        server="http://127.0.0.1:9",
        user_id="u",
        access_token=SecretStr("tok-STILL-VALID"),
        refresh_token=SecretStr("ref-x"),
        expires_at=time.time() + 60,
    )
    AccountStore().add(account)
    assert TokenSource(AccountStore(), account.key).token() == "tok-STILL-VALID"
    assert "refresh failed" in caplog.text
    assert "tok-STILL-VALID" not in caplog.text
