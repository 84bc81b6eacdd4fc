"""The support gate: the reference reasons, in the reference order."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from turnout.config import Config, ResolvedModel, RuntimeFlags
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime
from turnout.selection import Priority
from turnout_native_openai import plugin
from turnout_native_openai.gate import check_support

from plugins.native_openai.tests.responses_support import CONFIG

ON = RuntimeFlags(native=True)


def model(**changes: Any) -> ResolvedModel:
    values: dict[str, Any] = {
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "api_id": "gpt-4.1-mini",
        "package": "@ai-sdk/openai",
        "base_url": "https://api.openai.com/v1",
        "api_key": SecretStr("sk-test"),
    }
    return ResolvedModel(**{**values, **changes})


@pytest.mark.parametrize("provider", ["openai", "opencode", "opencode-zen"])
def test_supported_at_native_priority(provider: str) -> None:
    verdict = check_support(model(provider=provider), ON)
    assert (verdict.runtime, verdict.supported, verdict.reason) == ("native-openai", True, None)
    assert verdict.priority == Priority.NATIVE > Priority.FALLBACK


# Each case breaks one more condition than the next, so the first reason in order must win.
@pytest.mark.parametrize(
    ("flags", "changes", "reason"),
    [
        (
            RuntimeFlags(native=False),
            {
                "provider": "anthropic",
                "package": "@ai-sdk/anthropic",
                "auth": "oauth",
                "api_key": None,
            },
            "native runtime is disabled (set TURNOUT_EXPERIMENTAL_NATIVE_LLM=1)",
        ),
        (
            ON,
            {
                "provider": "anthropic",
                "package": "@ai-sdk/anthropic",
                "auth": "oauth",
                "api_key": None,
            },
            "provider is not openai or opencode",
        ),
        (
            ON,
            {"package": "@ai-sdk/openai-compatible", "auth": "oauth", "api_key": None},
            "provider package is not OpenAI",
        ),
        (ON, {"auth": "oauth", "api_key": None}, "OAuth auth is not supported"),
        (ON, {"api_key": None}, "no API key configured for provider 'openai': set provider.openai.options.apiKey"),
    ],
)
def test_declines_with_the_first_failing_reason(
    flags: RuntimeFlags, changes: dict[str, Any], reason: str
) -> None:
    verdict = check_support(model(**changes), flags)
    assert (verdict.runtime, verdict.supported, verdict.reason) == ("native-openai", False, reason)


def test_oauth_declines_even_with_a_key() -> None:
    verdict = check_support(model(auth="oauth"), ON)
    assert not verdict.supported and verdict.reason == "OAuth auth is not supported"


def test_flag_off_declines_through_the_runtime() -> None:
    runtime = Runtime(native=False, config=CONFIG, plugins=[plugin], load_entry_points=False)
    selection = runtime.select(LLMRequest(model="openai/gpt-4.1-mini", messages=[user("hi")]))
    assert selection.runtime is None
    assert selection.reasons("native-openai") == [
        "native runtime is disabled (set TURNOUT_EXPERIMENTAL_NATIVE_LLM=1)"
    ]


def test_flag_on_selects_native_for_configured_openai_and_declines_oauth() -> None:
    runtime = Runtime(native=True, config=CONFIG, plugins=[plugin], load_entry_points=False)
    assert runtime.select(LLMRequest(model="openai/gpt-4.1-mini")).runtime == "native-openai"
    oauth = Config.from_data(
        {"provider": {"openai": {"auth": "oauth", "options": {"apiKey": "sk-test"}}}}
    )
    runtime = Runtime(native=True, config=oauth, plugins=[plugin], load_entry_points=False)
    selection = runtime.select(LLMRequest(model="openai/gpt-4.1-mini"))
    assert selection.runtime is None
    assert selection.reasons("native-openai") == ["OAuth auth is not supported"]
