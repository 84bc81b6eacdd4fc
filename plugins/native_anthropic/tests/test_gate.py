"""The support gate: the reasons, in order; Anthropic-package models of any provider (Zen too)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from turnout.config import ResolvedModel, RuntimeFlags
from turnout.request import LLMRequest
from turnout.runtime import Runtime
from turnout.selection import Priority
from turnout_native_anthropic import plugin
from turnout_native_anthropic.gate import check_support

from plugins.native_anthropic.tests.messages_support import CONFIG

ON = RuntimeFlags(native=True)
REQUEST = LLMRequest(model="anthropic/claude-sonnet-4-5")


def model(**changes: Any) -> ResolvedModel:
    values: dict[str, Any] = {
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "api_id": "claude-sonnet-4-5",
        "package": "@ai-sdk/anthropic",
        "base_url": "https://api.anthropic.com/v1",
        "api_key": SecretStr("sk-ant-test"),
    }
    return ResolvedModel(**{**values, **changes})


@pytest.mark.parametrize("provider", ["anthropic", "opencode", "my-proxy"])
def test_supported_at_native_priority(provider: str) -> None:
    verdict = check_support(REQUEST, model(provider=provider), ON)
    assert (verdict.runtime, verdict.supported, verdict.reason) == ("native-anthropic", True, None)
    assert verdict.priority == Priority.NATIVE > Priority.FALLBACK


# Each case breaks one more condition than the next, so the first reason in order must win.
@pytest.mark.parametrize(
    ("flags", "changes", "reason"),
    [
        (
            RuntimeFlags(native=False),
            {"package": "@ai-sdk/openai", "auth": "oauth", "api_key": None},
            "native runtime is disabled (set TURNOUT_EXPERIMENTAL_NATIVE_LLM=1)",
        ),
        (ON, {"package": "@ai-sdk/openai", "auth": "oauth", "api_key": None}, "provider package is not Anthropic"),
        (ON, {"auth": "oauth", "api_key": None}, "OAuth auth is not supported"),
        (ON, {"api_key": None}, "Anthropic API key is not configured"),
        (ON, {"api_key": SecretStr("")}, "Anthropic API key is not configured"),
    ],
)
def test_declines_with_the_first_failing_reason(flags: RuntimeFlags, changes: dict[str, Any], reason: str) -> None:
    verdict = check_support(REQUEST, model(**changes), flags)
    assert (verdict.runtime, verdict.supported, verdict.reason) == ("native-anthropic", False, reason)


def test_selection_through_the_runtime() -> None:
    runtime = Runtime(native=True, config=CONFIG, plugins=[plugin], load_entry_points=False)
    assert runtime.select(LLMRequest(model="anthropic/claude-sonnet-4-5")).runtime == "native-anthropic"
    zen = {"provider": {"opencode": {"options": {"apiKey": "zen-key"}}}}
    runtime = Runtime(native=True, config=zen, plugins=[plugin], load_entry_points=False)
    assert runtime.select(LLMRequest(model="opencode/claude-sonnet-4-5")).runtime == "native-anthropic"
    selection = runtime.select(LLMRequest(model="opencode/gpt-5.2-codex"))
    assert selection.runtime is None
    assert selection.reasons("native-anthropic") == ["provider package is not Anthropic"]


def test_structured_output_is_declined_so_it_is_never_dropped() -> None:
    request = REQUEST.model_copy(update={"response_format": "json"})
    verdict = check_support(request, model(), ON)
    assert not verdict.supported
    assert verdict.reason == "structured output (response_format) is not supported by native-anthropic yet"
