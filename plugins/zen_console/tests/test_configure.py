"""``turnout_configure`` against the loopback console: remote config, token, cache, anonymous."""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from turnout import Runtime
from turnout.config import Config
from turnout.request import LLMRequest
from turnout.wire import WireRequest
from turnout_zen_console import plugin
from turnout_zen_console.accounts import Account, AccountStore

from plugins.zen_console.tests.console_server import CONNECTION, ConsoleServer, ConsoleState


def log_in(console: ConsoleServer, *, org_id: str | None = "org_alpha") -> str:
    issued = console.state.issue()
    AccountStore().add(
        Account(
            server=console.url,
            user_id="usr_test",
            email="dev@example.com",
            access_token=SecretStr(issued["access_token"]),
            refresh_token=SecretStr(issued["refresh_token"]),
            expires_at=time.time() + 3600,
            org_id=org_id,
        )
    )
    return str(issued["access_token"])


def runtime(config: dict[str, Any] | None = None) -> Runtime:
    return Runtime(config=config or {}, plugins=[plugin], load_entry_points=False)


def test_remote_config_defines_console_managed_zen(console: ConsoleServer) -> None:
    token = log_in(console)
    rt = runtime()
    assert os.environ["OPENCODE_CONSOLE_TOKEN"] == token
    model = rt.config.resolve("opencode/gpt-5.2-codex")
    assert model.console_managed
    assert model.base_url == f"{console.url}/proxy/connections/{CONNECTION}/v1"
    assert model.package == "@ai-sdk/openai"
    assert model.api_key is not None and model.api_key.get_secret_value() == token
    assert model.headers == {"x-org-id": "org_alpha"}
    assert rt.config.resolve("opencode/claude-sonnet-4-5").package == "@ai-sdk/anthropic"
    assert rt.config.resolve("opencode/qwen3-coder").package == "@ai-sdk/openai-compatible"
    assert not rt.config.resolve("openai/gpt-4.1-mini").console_managed
    (request,) = console.state.paths("/api/config")
    assert request.headers["authorization"] == f"Bearer {token}"
    assert request.headers["x-org-id"] == "org_alpha"
    assert f"{console.url}/api/config" in rt.config.source


def test_local_config_wins_over_remote(console: ConsoleServer) -> None:
    log_in(console)
    rt = runtime(
        {
            "provider": {
                "opencode": {
                    "models": {"qwen3-coder": {"name": "My Qwen"}},
                    "options": {"headers": {"x-team": "search"}},
                }
            }
        }
    )
    model = rt.config.resolve("opencode/qwen3-coder")
    assert model.name == "My Qwen"
    assert model.headers == {"x-org-id": "org_alpha", "x-team": "search"}
    assert model.console_managed


def test_org_without_remote_config_keeps_builtin_zen(console: ConsoleServer) -> None:
    console.state.has_config = False
    log_in(console)
    rt = runtime()
    model = rt.config.resolve("opencode/big-pickle")
    assert not model.console_managed
    assert model.base_url == "https://opencode.ai/zen/v1"
    assert len(console.state.paths("/api/config")) == 1


def test_last_good_config_is_used_offline_with_its_age_logged(
    console_state: ConsoleState, isolated: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with ConsoleServer(console_state) as server:
        token = log_in(server)
        runtime()
        proxy = f"{server.url}/proxy/connections/{CONNECTION}/v1"
    (cache,) = isolated.glob("console-config-*.json")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert token not in cache.read_text()
    caplog.set_level(logging.DEBUG)
    rt = runtime()  # the console is gone now
    assert rt.config.resolve("opencode/gpt-5.2-codex").base_url == proxy
    assert rt.config.resolve("opencode/gpt-5.2-codex").console_managed
    assert "using the copy cached 0 s ago" in caplog.text
    assert token not in caplog.text and "org_alpha" not in caplog.text


def test_unreachable_console_without_cache_is_logged_not_fatal(
    console_state: ConsoleState, isolated: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with ConsoleServer(console_state) as server:
        token = log_in(server)
    caplog.set_level(logging.DEBUG)
    rt = runtime()
    assert "console config unavailable, continuing without it: cannot reach the console" in caplog.text
    assert token not in caplog.text and "org_alpha" not in caplog.text
    assert not rt.config.resolve("opencode/gpt-5.2-codex").console_managed


def test_corrupt_account_file_does_not_stop_the_runtime(isolated: Path, caplog: pytest.LogCaptureFixture) -> None:
    isolated.mkdir(parents=True)
    (isolated / "accounts.json").write_text("{not json")
    rt = runtime()
    assert "is corrupt" in caplog.text
    assert rt.config.resolve("openai/gpt-4.1-mini").provider == "openai"
    assert (isolated / "accounts.json").read_text() == "{not json"


def test_anonymous_zen_serves_free_models_with_the_public_key(isolated: Path) -> None:
    rt = runtime()
    zen = rt.config.provider["opencode"]
    assert sorted(zen.models) == ["big-pickle"]
    model = rt.config.resolve("opencode/big-pickle")
    assert model.api_key is not None and model.api_key.get_secret_value() == "public"
    assert not model.console_managed
    assert rt.config.resolve("opencode/claude-sonnet-4-5").api_key is None


def test_a_zen_key_turns_anonymous_mode_off(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCODE_API_KEY", "zen-key")
    rt = runtime()
    assert "claude-sonnet-4-5" in rt.config.provider["opencode"].models
    assert rt.config.resolve("opencode/big-pickle").api_key.get_secret_value() == "zen-key"  # type: ignore[union-attr]


def test_merge_under_lets_remote_replace_builtins_but_not_local_values() -> None:
    config = Config.from_data({"provider": {"opencode": {"npm": "@local/pkg"}}})
    config.merge_under(
        {"provider": {"opencode": {"api": "https://proxy.example/v1", "npm": "@remote/pkg"}}},
        source="remote",
        owned=("opencode",),
    )
    assert config.provider["opencode"].api == "https://proxy.example/v1"
    assert config.provider["opencode"].npm == "@local/pkg"
    assert json.dumps(config.model_dump()).count("opencode.ai/zen") == 0


def test_configured_plugin_injects_credentials_only_toward_the_proxy(
    console: ConsoleServer,
) -> None:
    token = log_in(console)
    rt = runtime(
        {"provider": {"opencode": {"models": {"elsewhere": {"options": {"baseURL": "https://other.example/v1"}}}}}}
    )
    codex = rt.config.resolve("opencode/gpt-5.2-codex")
    proxy_url = f"{codex.base_url}/responses"
    request = LLMRequest(model="opencode/gpt-5.2-codex")
    assert plugin.turnout_inject_headers(request, codex, WireRequest(url=proxy_url)) == {
        "x-opencode-client": "cli",  # the reference's Zen session header (default client)
        "authorization": f"Bearer {token}",
        "x-org-id": "org_alpha",
    }
    elsewhere = rt.config.resolve("opencode/elsewhere")
    assert elsewhere.console_managed
    injected = plugin.turnout_inject_headers(request, elsewhere, WireRequest(url=f"{elsewhere.base_url}/responses"))
    assert injected == {"x-opencode-client": "cli"}  # no credentials toward another host
    openai = rt.config.resolve("openai/gpt-4.1-mini")
    assert plugin.turnout_inject_headers(request, openai, WireRequest(url=proxy_url)) is None
