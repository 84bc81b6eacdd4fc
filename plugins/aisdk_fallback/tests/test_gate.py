"""The support gate: lowest priority for served packages; clear reasons (with the pip command)."""

from __future__ import annotations

import importlib.util

import pytest
import turnout
from turnout.config import Config
from turnout.selection import Priority
from turnout_aisdk_fallback import gate, plugin

REQUEST = turnout.LLMRequest(model="p/m", messages=[turnout.user("hi")])


def resolve(
    package: str | None,
    *,
    key: str | None = "k",
    base_url: str | None = "http://127.0.0.1:1/v1",
    provider: str = "p",
) -> turnout.ResolvedModel:
    options = {k: v for k, v in {"apiKey": key, "baseURL": base_url}.items() if v}
    block = {"options": options} | ({"npm": package} if package else {})
    return Config.from_data({"provider": {provider: block}}, builtins=False).resolve(f"{provider}/m")


@pytest.mark.parametrize("package", sorted(gate.ROUTES))
def test_every_served_package_is_supported_at_fallback_priority(package: str) -> None:
    route = gate.ROUTES[package]
    verdict = plugin.turnout_check_support(resolve(package), REQUEST)
    if gate.sdk_installed(route):
        assert (verdict.runtime, verdict.supported, verdict.priority) == (
            "aisdk-fallback",
            True,
            Priority.FALLBACK,
        )
    else:
        assert not verdict.supported and f"turnout-aisdk-fallback[{route.extra}]" in (verdict.reason or "")


def test_unknown_package_declines_naming_what_is_served() -> None:
    verdict = plugin.turnout_check_support(resolve("@ai-sdk/amazon-bedrock"), REQUEST)
    assert not verdict.supported
    assert "'@ai-sdk/amazon-bedrock' is not served" in (verdict.reason or "")
    assert "@ai-sdk/anthropic" in (verdict.reason or "")


def test_missing_sdk_extra_declines_with_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "anthropic" else real(name, *a),
    )
    verdict = plugin.turnout_check_support(resolve("@ai-sdk/anthropic"), REQUEST)
    assert not verdict.supported
    assert "pip install 'turnout-aisdk-fallback[anthropic]'" in (verdict.reason or "")


def test_a_provider_without_package_is_openai_compatible_and_needs_no_key() -> None:
    verdict = plugin.turnout_check_support(resolve(None, key=None), REQUEST)
    assert verdict.supported


def test_hosted_api_without_key_declines() -> None:
    verdict = plugin.turnout_check_support(resolve("@ai-sdk/anthropic", key=None, provider="claude"), REQUEST)
    assert not verdict.supported and "provider.claude.options.apiKey" in (verdict.reason or "")


def test_no_base_url_declines() -> None:
    verdict = plugin.turnout_check_support(resolve("@ai-sdk/openai-compatible", base_url=None, provider="gw"), REQUEST)
    assert not verdict.supported and "provider.gw.options.baseURL" in (verdict.reason or "")


def test_the_plugin_owns_the_fallback_runtime_and_only_it() -> None:
    expected = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION, runtimes=("aisdk-fallback",))
    assert plugin.turnout_manifest == expected
