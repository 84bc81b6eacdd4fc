"""The native runtime through the testing kit: committed cassettes, JSONL event snapshots.

``turnout_runtime`` is a full ``turnout.Runtime`` (native on, this plugin only) whose network
transport is the test's cassette (``cassettes/<test name>.json``). Replay (the default, and CI)
starts no server and touches no network. To record again::

    pytest plugins/native_openai/tests/test_kit_recordings.py --turnout-record

which starts the hand-written fake Responses API in ``fake_openai.py`` on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import turnout
import turnout_native_openai.plugin as native_plugin
from turnout.events import ReasoningEnd, StepFinish, ToolCall, ToolResult
from turnout.guard import check_events
from turnout.testing import CassetteTransport, Redactor

from plugins.native_openai.tests import fake_openai

REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
"""The base URL while replaying: nothing listens there, and replay never touches the network."""

WEATHER = "18 °C and sunny"


@pytest.fixture
def openai_base_url(turnout_record_mode: str) -> Iterator[str]:
    """Replay: an address nobody listens on. Record (or auto): the fake Responses API."""
    if turnout_record_mode == "replay":
        yield REPLAY_BASE_URL
        return
    with fake_openai.fake_openai_server() as base_url:
        yield base_url


@pytest.fixture
def turnout_redactor() -> Redactor:
    """The defaults (no credentials kept), with the loopback port made stable."""
    return Redactor(url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://openai.test")])


@pytest.fixture
def turnout_runtime_options(openai_base_url: str) -> dict[str, Any]:
    """Native on, this plugin only, the ``openai`` provider pointed at the fake."""
    options = {"apiKey": fake_openai.API_KEY, "baseURL": openai_base_url}
    return {
        "native": True,
        "config": {"provider": {"openai": {"options": options}}},
        "plugins": [native_plugin],
        "load_entry_points": False,
    }


def stream(runtime: turnout.Runtime, request: turnout.LLMRequest, max_steps: int = 1) -> list[turnout.LLMEvent]:
    """Every event of ``runtime.stream(request)``."""

    async def run() -> list[turnout.LLMEvent]:
        return [event async for event in runtime.stream(request, max_steps=max_steps)]

    return asyncio.run(run())


def sent_body(cassette: CassetteTransport, index: int) -> dict[str, Any]:
    """The JSON body of recorded request ``index`` (replay matched the live one against it)."""
    return json.loads(cassette.cassette.interactions[index].request.body)  # type: ignore[no-any-return]


def test_text_stream(
    turnout_runtime: turnout.Runtime, turnout_cassette: CassetteTransport, event_snapshot: Any
) -> None:
    request = turnout.LLMRequest(model="openai/gpt-fake", messages=[turnout.user("Say hello.")])
    assert turnout_runtime.select(request).runtime == "native-openai"

    events = stream(turnout_runtime, request)

    check_events(events)
    response = turnout.Response.from_events(events)
    assert response.text == fake_openai.TEXT
    assert response.finish_reason == "stop"
    assert response.usage is not None and response.usage.total_tokens == 30
    (interaction,) = turnout_cassette.cassette.interactions
    assert interaction.request.url == "http://openai.test/v1/responses"
    assert "authorization" not in interaction.request.headers, "credentials never reach the cassette"
    assert sent_body(turnout_cassette, 0) == {
        "model": "gpt-fake",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Say hello."}]}],
        "store": False,  # the reference's default
        "stream": True,
    }
    assert events == event_snapshot


def test_tool_loop_sends_reasoning_call_and_output_back(
    turnout_runtime: turnout.Runtime, turnout_cassette: CassetteTransport, event_snapshot: Any
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def get_weather(arguments: dict[str, Any], ctx: turnout.ToolContext) -> str:
        calls.append((ctx.call_id, arguments))
        return WEATHER

    tool = turnout.Tool(
        name="get_weather",
        description="The current weather in a city.",
        input_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        execute=get_weather,
    )
    request = turnout.LLMRequest(
        model="openai/gpt-fake",
        messages=[turnout.user("What is the weather in Paris?")],
        tools=[tool],
        provider_options={"openai": {"store": False, "includeEncryptedReasoning": True}},
    )

    events = stream(turnout_runtime, request, max_steps=2)

    check_events(events)
    # turn 1: the host tool ran once, with the provider's call id
    assert calls == [(fake_openai.CALL_ID, {"city": "Paris"})]
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert call.id == result.id == fake_openai.CALL_ID and result.result.value == WEATHER
    (reasoning_end,) = [e for e in events if isinstance(e, ReasoningEnd)]
    assert reasoning_end.provider_metadata == {
        "openai": {"itemId": fake_openai.REASONING_ID, "reasoningEncryptedContent": fake_openai.ENCRYPTED}
    }
    # turn 2: reasoning (with its encrypted state), the call and its output went back
    assert len(turnout_cassette.cassette.interactions) == 2
    first, follow_up = sent_body(turnout_cassette, 0), sent_body(turnout_cassette, 1)
    assert first["include"] == follow_up["include"] == ["reasoning.encrypted_content"]
    assert [item.get("type", item.get("role")) for item in first["input"]] == ["user"]
    items = [
        {**item, "arguments": json.loads(item["arguments"])} if item["type"] == "function_call" else item
        for item in follow_up["input"][1:]
    ]
    assert items == [
        {
            "type": "reasoning",
            "id": fake_openai.REASONING_ID,
            "summary": [{"type": "summary_text", "text": fake_openai.SUMMARY}],
            "encrypted_content": fake_openai.ENCRYPTED,
        },
        {
            "type": "function_call",
            "call_id": fake_openai.CALL_ID,
            "name": "get_weather",
            "arguments": {"city": "Paris"},
        },
        {"type": "function_call_output", "call_id": fake_openai.CALL_ID, "output": WEATHER},
    ]
    response = turnout.Response.from_events(events)
    assert response.text == f"In Paris it is {WEATHER}."
    assert [e.reason for e in events if isinstance(e, StepFinish)] == ["tool-calls", "stop"]
    assert response.usage is not None and response.usage.total_tokens == 61 + 89
    assert events == event_snapshot
