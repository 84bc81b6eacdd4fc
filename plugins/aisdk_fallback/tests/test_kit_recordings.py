"""The fallback's SDK clients through the testing kit: committed cassettes, JSONL event snapshots.

The same two-turn weather tool loop over ``@ai-sdk/openai-compatible`` (the openai SDK, Chat
Completions) and ``@ai-sdk/anthropic`` (the anthropic SDK, Messages). ``turnout_runtime`` is a
full ``turnout.Runtime`` whose network transport is the test's cassette, so the SDK clients the
fallback builds over ``http.client`` go through the same ``CassetteTransport`` as the native
path. Replay (the default, and CI) starts no server and touches no network. To record again::

    pytest plugins/aisdk_fallback/tests/test_kit_recordings.py --turnout-record

which starts the hand-written fakes in ``fake_providers.py`` on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import fake_providers
import pytest
import turnout
from fallback_support import provider_config
from turnout.events import ReasoningEnd, StepFinish, ToolCall, ToolResult
from turnout.guard import check_events
from turnout.testing import CassetteTransport, Redactor
from turnout_aisdk_fallback import plugin as fallback_plugin

REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
"""The base URL while replaying: nothing listens there, and replay never touches the network."""

WEATHER = fake_providers.WEATHER

WIRES = {
    "openai-compatible": ("@ai-sdk/openai-compatible", "local", "local/fake-chat", fake_providers.CHAT_CALL_ID),
    "anthropic": ("@ai-sdk/anthropic", "anthropic", "anthropic/claude-fake", fake_providers.ANTHROPIC_CALL_ID),
}
"""Wire → (package, provider id, model, the call id the fake gives)."""


@pytest.fixture(params=sorted(WIRES))
def wire(request: pytest.FixtureRequest) -> str:
    """Which provider API the fallback talks to."""
    return str(request.param)


@pytest.fixture
def provider_base_url(turnout_record_mode: str) -> Iterator[str]:
    """Replay: an address nobody listens on. Record (or auto): the fake providers."""
    if turnout_record_mode == "replay":
        yield REPLAY_BASE_URL
        return
    with fake_providers.fake_provider_server() as base_url:
        yield base_url


@pytest.fixture
def turnout_redactor() -> Redactor:
    """The defaults (no credentials kept), with the loopback port made stable."""
    return Redactor(url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://provider.test")])


@pytest.fixture
def turnout_runtime_options(wire: str, provider_base_url: str) -> dict[str, Any]:
    """The fallback only, with one provider served by the wire's package at the fake."""
    package, provider, _, _ = WIRES[wire]
    return {
        "config": provider_config(provider_base_url, package, provider=provider),
        "plugins": [fallback_plugin],
        "load_entry_points": False,
    }


def _chat_loop(body: dict[str, Any]) -> dict[str, Any]:
    """The tool call and result a Chat Completions follow-up carries, and the messages' roles."""
    messages = body["messages"]
    (call,) = [call for m in messages if m["role"] == "assistant" for call in m["tool_calls"]]
    (result,) = [m for m in messages if m["role"] == "tool"]
    return {
        "roles": [m["role"] for m in messages],
        "call": (call["id"], call["function"]["name"], json.loads(call["function"]["arguments"])),
        "result": (result["tool_call_id"], fake_providers._text_of(result["content"])),
    }


def _anthropic_loop(body: dict[str, Any]) -> dict[str, Any]:
    """The same for an Anthropic Messages follow-up; the thinking block must come back signed."""
    messages = body["messages"]
    assistant = [block for m in messages if m["role"] == "assistant" for block in m["content"]]
    user_blocks = [
        block for m in messages if m["role"] == "user" and isinstance(m["content"], list) for block in m["content"]
    ]
    (thinking,) = [b for b in assistant if b["type"] == "thinking"]
    assert thinking == {"type": "thinking", "thinking": fake_providers.THINKING, "signature": fake_providers.SIGNATURE}
    (call,) = [b for b in assistant if b["type"] == "tool_use"]
    (result,) = [b for b in user_blocks if b["type"] == "tool_result"]
    return {
        "roles": [m["role"] for m in messages],
        "call": (call["id"], call["name"], call["input"]),
        "result": (result["tool_use_id"], fake_providers._text_of(result["content"])),
    }


def test_tool_loop(
    wire: str, turnout_runtime: turnout.Runtime, turnout_cassette: CassetteTransport, event_snapshot: Any
) -> None:
    _, _, model, call_id = WIRES[wire]
    calls: list[tuple[str, dict[str, Any]]] = []
    request = fake_providers.weather_request(model, calls)
    assert turnout_runtime.select(request).runtime == "aisdk-fallback"

    async def run() -> list[turnout.LLMEvent]:
        return [event async for event in turnout_runtime.stream(request, max_steps=2)]

    events = asyncio.run(run())

    check_events(events)
    # turn 1: the host tool ran once, with the provider's call id
    assert calls == [(call_id, fake_providers.ARGUMENTS)]
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert call.id == result.id == call_id and result.result.value == WEATHER
    # turn 2: the call and its output went back (Anthropic: with the signed thinking block)
    interactions = turnout_cassette.cassette.interactions
    assert len(interactions) == 2
    assert [json.loads(i.request.body)["stream"] for i in interactions] == [True, True]
    follow_up = json.loads(interactions[1].request.body)
    loop = (_anthropic_loop if wire == "anthropic" else _chat_loop)(follow_up)
    assert loop["roles"][-3:-1] == ["user", "assistant"]
    assert loop["call"] == (call_id, "get_weather", fake_providers.ARGUMENTS)
    assert loop["result"] == (call_id, WEATHER)
    if wire == "anthropic":
        (reasoning_end,) = [e for e in events if isinstance(e, ReasoningEnd)]
        assert reasoning_end.provider_metadata == {"anthropic": {"signature": fake_providers.SIGNATURE}}
    response = turnout.Response.from_events(events)
    assert response.text == f"In Paris it is {WEATHER}."
    assert [e.reason for e in events if isinstance(e, StepFinish)] == ["tool-calls", "stop"]
    assert events == event_snapshot
