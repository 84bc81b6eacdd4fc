"""The account store: mode 0600, atomic writes that survive a kill, corrupt files left alone."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from turnout_zen_console import storage
from turnout_zen_console.accounts import Account, AccountStore, Org
from turnout_zen_console.errors import AccountStoreError


def make_account(user: str = "usr_1", server: str = "https://console.example", token: str = "tok-AAA") -> Account:
    return Account(
        server=server,
        user_id=user,
        email=f"{user}@example.com",
        access_token=SecretStr(token),
        refresh_token=SecretStr(f"refresh-{token}"),
        expires_at=2_000_000_000.0,
        org_id="org_1",
        orgs=(Org(id="org_1", name="One"),),
    )


def test_account_file_is_private_and_round_trips(isolated: Path) -> None:
    store = AccountStore()
    store.add(make_account())
    path = isolated / "accounts.json"
    assert store.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = AccountStore().active()
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == "tok-AAA"
    assert loaded.orgs == (Org(id="org_1", name="One"),)


def test_tokens_never_show_in_repr_or_str(isolated: Path) -> None:
    account = make_account(token="tok-HIDDEN")
    assert "tok-HIDDEN" not in repr(account)
    assert "tok-HIDDEN" not in str(account)


def test_several_accounts_one_active(isolated: Path) -> None:
    store = AccountStore()
    first, second = make_account("usr_1"), make_account("usr_2", server="https://other.example")
    store.add(first)
    store.add(second)
    assert [a.key for a in store.accounts()] == [first.key, second.key]
    assert store.active() == second
    store.activate(first.key)
    assert store.active() == first
    assert store.remove(first.key) == first
    assert store.active() == second, "removing the active account activates a remaining one"
    store.remove(second.key)
    assert store.active() is None


def test_update_keeps_the_active_account(isolated: Path) -> None:
    store = AccountStore()
    first, second = make_account("usr_1"), make_account("usr_2")
    store.add(first)
    store.add(second)
    store.update(first.model_copy(update={"org_id": "org_2"}))
    assert store.active() == second
    assert store.get(first.key).org_id == "org_2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "content",
    [
        '{"version": 1, "accounts": {',
        "[]",
        '{"version": 9, "accounts": {}}',
        '{"version": 1, "accounts": {"k": {"server": "s", "access_token": "tok-LEAK"}}}',
    ],
    ids=["truncated", "not-an-object", "future-version", "missing-fields"],
)
def test_corrupt_file_raises_clearly_and_is_never_overwritten(isolated: Path, content: str) -> None:
    isolated.mkdir(parents=True)
    path = isolated / "accounts.json"
    path.write_text(content)
    store = AccountStore()
    with pytest.raises(AccountStoreError, match="is corrupt") as info:
        store.active()
    assert str(path) in str(info.value)
    assert "tok-LEAK" not in str(info.value)
    with pytest.raises(AccountStoreError):
        store.add(make_account())
    assert path.read_text() == content


def test_failed_replace_leaves_the_old_file_and_no_temp(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = AccountStore()
    store.add(make_account(token="tok-OLD"))
    before = store.path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(OSError, match="No space"):
        store.update(make_account(token="tok-NEW"))
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in isolated.iterdir()) == ["accounts.json"]


def test_write_interrupted_midway_leaves_the_old_file(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = AccountStore()
    store.add(make_account(token="tok-OLD"))
    before = store.path.read_bytes()

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(storage.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.update(make_account(token="tok-NEW"))
    assert store.path.read_bytes() == before
    assert AccountStore().active().access_token.get_secret_value() == "tok-OLD"  # type: ignore[union-attr]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_write_leaves_the_old_file_readable(isolated: Path) -> None:
    store = AccountStore()
    store.add(make_account(token="tok-OLD"))
    before = store.path.read_bytes()
    script = textwrap.dedent(
        """
        import os, sys, time
        from pydantic import SecretStr
        from turnout_zen_console import storage
        from turnout_zen_console.accounts import AccountStore
        store = AccountStore()
        account = store.active().model_copy(update={"access_token": SecretStr("tok-NEW")})
        def stall(fd):
            print("writing", flush=True)
            time.sleep(30)
        storage.os.fsync = stall
        store.update(account)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=os.environ.copy())
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"writing"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=10)
    assert store.path.read_bytes() == before
    assert AccountStore().active().access_token.get_secret_value() == "tok-OLD"  # type: ignore[union-attr]
    leftovers = [p.name for p in isolated.iterdir() if p.name != "accounts.json"]
    assert all(name.startswith(".accounts.json.") for name in leftovers)
    store.update(make_account(token="tok-AFTER"))  # stray temp files do not get in the way
    assert AccountStore().active().access_token.get_secret_value() == "tok-AFTER"  # type: ignore[union-attr]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.text(max_size=40),
        json_values.map(json.dumps),
        json_values.map(lambda v: json.dumps({"version": 1, "accounts": {"k": v}})),
    )
)
def test_any_account_file_content_loads_or_fails_cleanly(isolated: Path, content: str) -> None:
    isolated.mkdir(parents=True, exist_ok=True)
    path = isolated / "accounts.json"
    path.write_bytes(content.encode())
    try:
        AccountStore().accounts()
    except AccountStoreError as exc:
        assert str(path) in str(exc)
    assert path.read_bytes() == content.encode()
