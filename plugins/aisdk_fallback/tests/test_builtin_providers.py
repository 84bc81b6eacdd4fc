"""Must-show: selection and ``turnout explain`` for each built-in provider the fallback serves,
with and without the SDK its package needs, and without its credentials.

"Not installed" is simulated honestly: the gate's ``importlib.util.find_spec`` lookup answers
``None`` for the route's SDK module, exactly what it answers when the extra is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest
from turnout.cli import main
from turnout.config import BUILTIN_PROVIDERS
from turnout_aisdk_fallback.packages import ROUTES, UNSERVED

BUILTIN = {
    # provider id: (model, credentials in the environment, the SDK module, the install hint)
    "google": ("gemini-2.5-flash", {"GOOGLE_API_KEY": "k"}, "google.genai", "[google]"),
    "google-vertex": ("gemini-2.5-pro", {"GOOGLE_VERTEX_API_KEY": "k"}, "google.genai", "[google]"),
    "mistral": ("mistral-small-latest", {"MISTRAL_API_KEY": "k"}, "mistralai", "[mistral]"),
    "groq": ("llama-3.3-70b-versatile", {"GROQ_API_KEY": "k"}, "openai", "turnout-aisdk-fallback"),
    "openrouter": ("openai/gpt-4o", {"OPENROUTER_API_KEY": "k"}, "openai", "turnout-aisdk-fallback"),
    "deepseek": ("deepseek-chat", {"DEEPSEEK_API_KEY": "k"}, "openai", "turnout-aisdk-fallback"),
    "xai": ("grok-3-mini", {"XAI_API_KEY": "k"}, "openai", "turnout-aisdk-fallback"),
    "perplexity": ("sonar", {"PERPLEXITY_API_KEY": "k"}, "openai", "turnout-aisdk-fallback"),
    "cerebras": ("gpt-oss-120b", {"CEREBRAS_API_KEY": "k"}, "openai", "turnout-aisdk-fallback"),
    "azure": (
        "gpt-4.1-mini",
        {"AZURE_API_KEY": "k", "AZURE_RESOURCE_NAME": "my-resource"},
        "openai",
        "turnout-aisdk-fallback",
    ),
}

_ENV_PREFIXES = ("TURNOUT_", "GOOGLE_", "MISTRAL_", "GROQ_", "OPENROUTER_", "DEEPSEEK_", "XAI_", "PERPLEXITY_")
_ENV_PREFIXES += ("CEREBRAS_", "AZURE_", "AWS_", "OPENAI_", "ANTHROPIC_", "GEMINI_")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No credentials or turnout settings from the outer environment; an empty config file."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(name)
    config = tmp_path / "turnout.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("TURNOUT_CONFIG", str(config))
    monkeypatch.setenv("TURNOUT_PLUGINS", "aisdk_fallback")
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _explain(ref: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["explain", "-m", ref, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _fallback_verdict(data: dict[str, Any]) -> dict[str, Any]:
    (verdict,) = [v for v in data["verdicts"] if v["runtime"] == "aisdk-fallback"]
    return verdict


def _without(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == module or name.startswith(f"{module}.") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_every_builtin_the_fallback_serves_is_covered() -> None:
    served = {r.provider for r in ROUTES.values() if r.provider and r.provider not in ("openai", "anthropic")}
    assert served == set(BUILTIN)


@pytest.mark.parametrize("package", sorted(p for p in ROUTES if ROUTES[p].provider))
def test_builtin_table_matches_the_route(package: str) -> None:
    route = ROUTES[package]
    assert route.provider is not None
    block = BUILTIN_PROVIDERS[route.provider]
    assert block["npm"] == package
    assert block["options"]["apiKey"] == f"{{env:{route.env}}}"


@pytest.mark.parametrize("provider", sorted(BUILTIN))
def test_builtin_provider_is_served_with_its_sdk(
    provider: str, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model, env, _, _ = BUILTIN[provider]
    for name, value in env.items():
        clean_env.setenv(name, value)
    code, data = _explain(f"{provider}/{model}", capsys)
    assert (code, data["runtime"]) == (0, "aisdk-fallback")
    assert _fallback_verdict(data)["supported"] is True


@pytest.mark.parametrize("provider", sorted(BUILTIN))
def test_builtin_provider_without_its_sdk_declines_with_the_pip_command(
    provider: str, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model, env, module, hint = BUILTIN[provider]
    for name, value in env.items():
        clean_env.setenv(name, value)
    _without(clean_env, module)
    code, data = _explain(f"{provider}/{model}", capsys)
    assert (code, data["runtime"]) == (1, None)
    reason = _fallback_verdict(data)["reason"]
    assert f"needs the {module!r} SDK, which is not installed: pip install" in reason
    assert hint in reason


@pytest.mark.parametrize("provider", sorted(BUILTIN))
def test_builtin_provider_without_credentials_names_the_variable(
    provider: str, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model, env, _, _ = BUILTIN[provider]
    key_variable = BUILTIN_PROVIDERS[provider]["options"]["apiKey"][len("{env:") : -1]
    for name, value in env.items():
        if name != key_variable:
            clean_env.setenv(name, value)
    code, data = _explain(f"{provider}/{model}", capsys)
    assert code == 1
    reason = _fallback_verdict(data)["reason"]
    assert key_variable in reason and f"provider.{provider}.options.apiKey" in reason


def test_vertex_with_a_project_uses_application_default_credentials(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("GOOGLE_VERTEX_PROJECT", "my-project")
    code, data = _explain("google-vertex/gemini-2.5-pro", capsys)
    assert (code, data["runtime"]) == (0, "aisdk-fallback")


def test_vertex_without_key_or_project_says_both_ways(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, data = _explain("google-vertex/gemini-2.5-pro", capsys)
    reason = _fallback_verdict(data)["reason"]
    assert "GOOGLE_VERTEX_API_KEY" in reason and "GOOGLE_VERTEX_PROJECT" in reason


def test_azure_without_its_resource_name_says_the_endpoint_is_incomplete(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("AZURE_API_KEY", "k")
    code, data = _explain("azure/gpt-4.1-mini", capsys)
    assert code == 1
    reason = _fallback_verdict(data)["reason"]
    assert "empty host part (https://.openai.azure.com/openai/v1)" in reason
    assert "provider.azure.options.baseURL" in reason


def test_amazon_bedrock_is_declined_with_the_reason(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("AWS_BEARER_TOKEN_BEDROCK", "k")
    clean_env.setenv("AWS_REGION", "us-east-1")
    code, data = _explain("amazon-bedrock/anthropic.claude-sonnet-4", capsys)
    assert (code, data["runtime"]) == (1, None)
    assert UNSERVED["@ai-sdk/amazon-bedrock"] in _fallback_verdict(data)["reason"]
