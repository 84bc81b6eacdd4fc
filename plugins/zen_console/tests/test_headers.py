"""Credential injection: console-managed models only, console and proxy hosts only."""

from __future__ import annotations

import subprocess
import sys

import pytest
from turnout.config import ResolvedModel
from turnout_zen_console.headers import console_headers
from turnout_zen_console.server import console_server, normalize_server, origin

PROXY = "https://console.example/proxy/connections/c1/v1"
TRUSTED = {origin("https://console.example")}


def zen_model(*, managed: bool = True, headers: dict[str, str] | None = None) -> ResolvedModel:
    return ResolvedModel(
        provider="opencode",
        model="gpt-5.2-codex",
        api_id="gpt-5.2-codex",
        package="@ai-sdk/openai",
        base_url=PROXY,
        console_managed=managed,
        headers=headers if headers is not None else {"x-org-id": "org_provider"},
    )


def test_console_managed_model_toward_the_proxy_gets_bearer_and_org() -> None:
    headers = console_headers(zen_model(), f"{PROXY}/responses", token="tok", org_id="org_account", trusted=TRUSTED)
    assert headers == {"authorization": "Bearer tok", "x-org-id": "org_provider"}


def test_account_org_is_used_when_the_provider_names_none() -> None:
    headers = console_headers(
        zen_model(headers={}),
        f"{PROXY}/responses",
        token="tok",
        org_id="org_account",
        trusted=TRUSTED,
    )
    assert headers == {"authorization": "Bearer tok", "x-org-id": "org_account"}


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/v1/responses",
        "http://console.example/proxy/connections/c1/v1/responses",  # scheme differs
        "https://console.example:8443/v1/responses",  # port differs
        "https://console.example.evil.example/v1/responses",
        "not a url",
    ],
)
def test_no_credentials_toward_other_hosts(url: str) -> None:
    assert console_headers(zen_model(), url, token="tok", org_id="o", trusted=TRUSTED) is None


def test_no_credentials_for_models_the_console_does_not_manage() -> None:
    assert (
        console_headers(zen_model(managed=False), f"{PROXY}/responses", token="tok", org_id="o", trusted=TRUSTED)
        is None
    )


def test_console_url_comes_from_the_flag_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TURNOUT_CONSOLE_URL", raising=False)
    assert console_server() == "https://console.opencode.ai"
    monkeypatch.setenv("TURNOUT_CONSOLE_URL", "http://127.0.0.1:8080/")
    assert console_server() == "http://127.0.0.1:8080"
    assert console_server("https://self.hosted.example//") == "https://self.hosted.example"
    with pytest.raises(ValueError, match="http:// or https://"):
        normalize_server("console.example")


def test_plugin_module_imports_light() -> None:
    code = (
        "import sys, turnout_zen_console.plugin\n"
        "lazy = ('turnout_zen_console.client', 'turnout_zen_console.accounts',"
        " 'turnout_zen_console.session', 'openai', 'anthropic', 'pydantic_ai')\n"
        "print([name for name in lazy if name in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
