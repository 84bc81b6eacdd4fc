"""End to end through the ``turnout`` CLI against the loopback console and its Zen proxy."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from turnout import LLMRequest, Runtime, user
from turnout.cli import main
from turnout_zen_console import tokens

from plugins.zen_console.tests.console_server import CONNECTION, ConsoleServer, ConsoleState

TURNOUT = Path(sys.executable).with_name("turnout")
TESTS_DIR = Path(__file__).parent


def recorded_text(path: Path, delta_type: str) -> str:
    """The text a recorded stream spells out, read from the fixture itself."""
    text = []
    for line in path.read_text().splitlines():
        if line.startswith("data: {"):
            data = json.loads(line.removeprefix("data: "))
            if data.get("type") == delta_type:
                text.append(data["delta"])
            for choice in data.get("choices") or []:
                text.append((choice.get("delta") or {}).get("content") or "")
    return "".join(text)


def secrets_of(state: ConsoleState) -> list[str]:
    """Every token the console issued (random, so they cannot appear anywhere by accident)."""
    return [*state.access_tokens, *state.refresh_tokens]


def assert_no_secret(state: ConsoleState, texts: Iterable[str]) -> None:
    secrets = secrets_of(state)
    assert secrets, "the console issued no token: nothing was checked"
    for text in texts:
        for secret in secrets:
            assert secret not in text


@pytest.fixture
def logged_in(
    console: ConsoleServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> str:
    """``turnout login --no-browser`` run in-process (sleeps recorded, not slept); its output."""
    caplog.set_level(logging.DEBUG)
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    assert main(["login", "--no-browser"]) == 0
    assert sleeps == [0, 0, 0, 0, 5], "three pending polls, one slow_down (+5 s), then approval"
    return capsys.readouterr().out


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_login_prints_url_and_code_and_stores_a_private_account(
    logged_in: str,
    console: ConsoleServer,
    isolated: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert f"{console.url}/auth/device?user_code=WXYZ-1234" in logged_in
    assert "WXYZ-1234" in logged_in
    assert "Logged in as dev@example.com" in logged_in
    assert "Active org: Alpha (org_alpha)" in logged_in
    accounts = isolated / "accounts.json"
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert console.state.access_token in accounts.read_text()  # type: ignore[operator]

    assert main(["whoami"]) == 0
    whoami = capsys.readouterr().out
    assert "dev@example.com" in whoami and "Alpha (org_alpha)" in whoami and "valid for" in whoami
    code, accounts_json = run_json(["whoami", "--json"], capsys)
    assert code == 0
    assert [(a["email"], a["active"], a["org_id"]) for a in accounts_json] == [("dev@example.com", True, "org_alpha")]
    assert accounts_json[0]["token_expires_in_s"] > 0
    code, orgs_json = run_json(["orgs", "--json"], capsys)
    assert code == 0 and {"id": "org_alpha", "name": "Alpha", "active": True} in orgs_json
    assert_no_secret(console.state, [logged_in, whoami, json.dumps(accounts_json), caplog.text])


def test_explain_chooses_native_openai_for_an_openai_package_zen_model(
    logged_in: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, explained = run_json(["explain", "-m", "opencode/gpt-5.2-codex", "--native", "--json"], capsys)
    assert code == 0
    assert explained["runtime"] == "native-openai"
    assert explained["declined"] == {
        "aisdk-fallback": "lower priority than native-openai",
        "native-anthropic": "provider package is not Anthropic (native_anthropic)",
    }


def test_explain_chooses_native_anthropic_for_an_anthropic_package_zen_model(
    logged_in: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, explained = run_json(["explain", "-m", "opencode/claude-sonnet-4-5", "--native", "--json"], capsys)
    assert code == 0
    assert explained["runtime"] == "native-anthropic"
    native = [v for v in explained["verdicts"] if v["runtime"] == "native-openai"]
    assert native == [
        {
            "plugin": "native_openai",
            "runtime": "native-openai",
            "supported": False,
            "reason": "provider package is not OpenAI",
            "priority": native[0]["priority"],
        }
    ]


def test_anthropic_zen_model_streams_messages_through_the_proxy_with_console_headers(
    logged_in: str,
    console: ConsoleServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["run", "-m", "opencode/claude-sonnet-4-5", "--native", "--json", "hi"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert events[-1]["type"] == "finish" and events[-1]["reason"] == "stop"
    stream = console.state.messages_stream
    assert stream is not None
    recorded = [json.loads(line[6:]) for line in stream.read_text().splitlines() if line.startswith("data: ")]
    expected = "".join(p["delta"].get("text", "") for p in recorded if p["type"] == "content_block_delta")
    assert "".join(e["text"] for e in events if e["type"] == "text-delta") == expected
    (sent,) = console.state.paths(f"/proxy/connections/{CONNECTION}/v1/messages")
    assert sent.headers["authorization"] == f"Bearer {console.state.access_token}"
    assert sent.headers["x-org-id"] == "org_alpha"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body["model"] == "claude-sonnet-4-5" and sent.body["stream"] is True
    assert_no_secret(console.state, [captured.out, captured.err, caplog.text])


def test_run_streams_through_the_proxy_with_console_headers_and_ignores_the_trailing_ping(
    logged_in: str,
    console: ConsoleServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["run", "-m", "opencode/gpt-5.2-codex", "--native", "--json", "What is 4200 + 42?"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert [e["type"] for e in events].count("finish") == 1
    assert events[-1]["type"] == "finish" and events[-1]["reason"] == "stop"
    assert not [e for e in events if e["type"] == "provider-error"]
    text = "".join(e["text"] for e in events if e["type"] == "text-delta")
    assert text == recorded_text(console.state.responses_stream, "response.output_text.delta")  # type: ignore[arg-type]
    (sent,) = console.state.paths(f"/proxy/connections/{CONNECTION}/v1/responses")
    assert sent.headers["authorization"] == f"Bearer {console.state.access_token}"
    assert sent.headers["x-org-id"] == "org_alpha"
    assert sent.body["model"] == "gpt-5.2-codex" and sent.body["stream"] is True
    assert_no_secret(console.state, [captured.out, captured.err, caplog.text])


def test_openai_compatible_zen_model_streams_chat_through_the_fallback(
    logged_in: str,
    console: ConsoleServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["run", "-m", "opencode/qwen3-coder", "--native", "--json", "What is 4200 + 42?"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert events[-1]["type"] == "finish"
    assert "".join(e["text"] for e in events if e["type"] == "text-delta") == recorded_text(
        console.state.chat_stream, ""
    )  # type: ignore[arg-type]
    (sent,) = console.state.paths(f"/proxy/connections/{CONNECTION}/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {console.state.access_token}"
    assert sent.headers["x-org-id"] == "org_alpha"
    assert_no_secret(console.state, [captured.out, captured.err, caplog.text])


def test_proxy_refuses_requests_without_console_credentials(console: ConsoleServer) -> None:
    url = f"{console.url}/proxy/connections/{CONNECTION}/v1/responses"
    assert httpx2.post(url, json={}).status_code == 401
    console.state.issue()
    wrong_org = {"authorization": f"Bearer {console.state.access_token}", "x-org-id": "org_beta"}
    assert httpx2.post(url, json={}, headers=wrong_org).status_code == 401


def test_expired_token_is_refreshed_before_the_request(
    logged_in: str, console: ConsoleServer, isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = isolated / "accounts.json"
    data = json.loads(accounts.read_text())
    for record in data["accounts"].values():
        record["expires_at"] = time.time() + 60
    accounts.write_text(json.dumps(data))
    old = console.state.access_token
    assert main(["run", "-m", "opencode/gpt-5.2-codex", "--native", "--json", "hi"]) == 0
    capsys.readouterr()
    assert console.state.refreshes == 1
    (sent,) = console.state.paths(f"/proxy/connections/{CONNECTION}/v1/responses")
    assert sent.headers["authorization"] == f"Bearer {console.state.access_token}" != f"Bearer {old}"


def test_orgs_lists_and_switches_and_logout_forgets(
    logged_in: str,
    console: ConsoleServer,
    isolated: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["orgs"]) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines() == ["* Alpha  org_alpha", "  Beta  org_beta"]
    assert main(["orgs", "--use", "Beta"]) == 0
    assert "Active org: Beta (org_beta)" in capsys.readouterr().out
    assert main(["orgs", "--use", "Gamma"]) == 1
    assert "no org 'Gamma'" in capsys.readouterr().err
    assert main(["logout"]) == 0
    assert "Logged out of dev@example.com" in capsys.readouterr().out
    assert main(["whoami"]) == 1
    assert "Not logged in" in capsys.readouterr().out
    assert not list(isolated.glob("console-config-*.json")), "logout drops the cached remote configs"
    assert_no_secret(console.state, [listing, caplog.text])


def test_login_against_an_unreachable_console_is_a_clear_error(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["login", "--no-browser", "--server", "http://127.0.0.1:9"]) == 1
    assert "error: cannot reach the console at http://127.0.0.1:9" in capsys.readouterr().err


@pytest.mark.skipif(not TURNOUT.exists(), reason="the turnout script is not installed in this environment")
def test_login_whoami_explain_and_run_as_real_subprocesses(
    console: ConsoleServer, isolated: Path, tmp_path: Path
) -> None:
    console.state.slow_down = False  # real sleeps here: keep the polls at the console's interval (0 s)
    marker = tmp_path / "browser-opened"
    env = {**os.environ, "BROWSER": f"{sys.executable} -c \"open(r'{marker}', 'w')\" %s"}
    login = subprocess.run(
        [str(TURNOUT), "login"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert login.returncode == 0, login.stderr
    assert "WXYZ-1234" in login.stdout and "Logged in as dev@example.com" in login.stdout
    assert not marker.exists(), "no browser without a terminal"
    assert console.state.polls == 4
    whoami = subprocess.run([str(TURNOUT), "whoami"], env=env, capture_output=True, text=True, timeout=60)
    assert whoami.returncode == 0 and "dev@example.com" in whoami.stdout
    explain = subprocess.run(
        [str(TURNOUT), "explain", "-m", "opencode/gpt-5.2-codex", "--native", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(explain.stdout)["runtime"] == "native-openai", explain.stderr
    run = subprocess.run(
        [str(TURNOUT), "run", "-m", "opencode/gpt-5.2-codex", "--native", "--json", "4200 + 42?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1])["type"] == "finish"
    (sent,) = console.state.paths(f"/proxy/connections/{CONNECTION}/v1/responses")
    assert sent.headers["authorization"] == f"Bearer {console.state.access_token}"
    assert sent.headers["x-org-id"] == "org_alpha"
    outputs = [login, whoami, explain, run]
    assert_no_secret(console.state, [text for out in outputs for text in (out.stdout, out.stderr)])


def test_no_token_in_any_file_except_the_account_file(
    logged_in: str, console: ConsoleServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["explain", "-m", "opencode/gpt-5.2-codex", "--native", "--json"])
    capsys.readouterr()
    files = [p for p in [*tmp_path.rglob("*"), *TESTS_DIR.rglob("*")] if p.is_file() and p.name != "accounts.json"]
    assert any(p.name.startswith("console-config-") for p in files)
    assert_no_secret(console.state, [p.read_text(errors="replace") for p in files])


def test_ctrl_c_while_waiting_cancels_cleanly(
    console: ConsoleServer,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupt)
    assert main(["login", "--no-browser"]) == 130
    assert "Login cancelled; nothing was stored." in capsys.readouterr().err
    assert not (isolated / "accounts.json").exists()
    assert console.state.polls == 0


def test_long_lived_runtime_refreshes_the_token_in_header_injection(
    logged_in: str, console: ConsoleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = Runtime(native=True, config={})
    assert console.state.refreshes == 0
    monkeypatch.setattr(tokens, "REFRESH_MARGIN", 2 * 3600)  # as if two hours passed: the token is due
    request = LLMRequest(model="opencode/gpt-5.2-codex", messages=[user("4200 + 42?")])
    response = rt.generate_sync(request)  # the still-valid token goes out; a background thread refreshes
    assert response.runtime == "native-openai"
    assert response.text == recorded_text(console.state.responses_stream, "response.output_text.delta")  # type: ignore[arg-type]
    from turnout_zen_console import plugin

    assert plugin._session is not None
    plugin._session.tokens.wait_for_refresh(10)
    assert console.state.refreshes == 1
    first, second = console.state.access_tokens[-2:]
    rt.generate_sync(request)
    sent = [r.headers["authorization"] for r in console.state.paths(f"/proxy/connections/{CONNECTION}/v1/responses")]
    assert sent == [f"Bearer {first}", f"Bearer {second}"]
    assert os.environ["OPENCODE_CONSOLE_TOKEN"] == second


def test_models_after_login_shows_the_remote_config_in_force(
    logged_in: str, console: ConsoleServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "--provider", "opencode", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["console_managed"] is True
    assert row["base_url"] == f"{console.url}/proxy/connections/{CONNECTION}/v1"
    assert f"{console.url}/api/config" in row["source"]
    assert row["models"]["gpt-5.2-codex"]["package"] == "@ai-sdk/openai"
    assert row["api_key"]["configured"] is True
    assert_no_secret(console.state, [json.dumps(row)])


def test_whoami_json_when_logged_out_is_still_json(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["whoami", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == []
    assert "Not logged in" in err
