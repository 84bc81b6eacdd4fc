"""The Messages stream parser on hand-made frames: edge cases the recordings do not cover, and
errors through the whole runtime (in-stream errors, HTTP 429 with Anthropic's rate-limit headers)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from turnout.errors import RateLimitError, StreamDecodeError
from turnout.events import Finish, LLMEvent, ProviderError, StepFinish, TextDelta, ToolCall, ToolError, ToolResult
from turnout.guard import check_events
from turnout_native_anthropic.stream import parse_messages_stream

from plugins.native_anthropic.tests.messages_support import (
    foreign_cassette,
    message_stream,
    replay,
    sse,
    sse_recording,
)


@dataclass
class Frame:
    data: str


async def _frames(payloads: Iterable[Any]) -> AsyncIterator[Frame]:
    for payload in payloads:
        yield Frame(payload if isinstance(payload, str) else json.dumps(payload))


def parse(payloads: Iterable[Any]) -> list[LLMEvent]:
    async def run() -> list[LLMEvent]:
        return [event async for event in parse_messages_stream(_frames(payloads))]

    return asyncio.run(run())


TEXT = ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "Hi"}])


@pytest.mark.parametrize(
    ("stop_reason", "reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("refusal", "content-filter"),
        ("tool_use", "tool-calls"),
        ("something_new", "unknown"),
    ],
)
def test_stop_reasons(stop_reason: str, reason: str) -> None:
    (finish,) = [e for e in parse(message_stream(TEXT, stop_reason=stop_reason)) if isinstance(e, StepFinish)]
    assert finish.reason == reason


def test_malformed_tool_arguments_are_a_tool_error_never_a_guessed_call() -> None:
    block = (
        {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}},
        [
            {"type": "input_json_delta", "partial_json": '{"q": "cut'},
        ],
    )
    events = parse(message_stream(block, stop_reason="max_tokens"))
    assert not [e for e in events if isinstance(e, ToolCall)]
    (error,) = [e for e in events if isinstance(e, ToolError)]
    assert (error.id, error.name) == ("toolu_1", "lookup") and "not valid JSON" in error.message


def test_frames_after_message_stop_are_not_read_and_unknown_events_are_ignored() -> None:
    payloads = message_stream(TEXT)
    payloads.insert(1, {"type": "some_future_event", "data": 1})
    payloads.insert(2, {"type": "content_block_start", "index": 9, "content_block": {"type": "future_block"}})
    payloads.insert(3, {"type": "content_block_delta", "index": 9, "delta": {"type": "future_delta"}})
    events = parse([*payloads, "not json at all"])
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi"]
    assert isinstance(events[-1], StepFinish)


def test_invalid_frames_and_early_ends_raise() -> None:
    with pytest.raises(StreamDecodeError, match="Invalid Anthropic Messages stream event"):
        parse(["{oops"])
    with pytest.raises(StreamDecodeError, match="Invalid Anthropic Messages stream event"):
        parse([{"type": "content_block_start", "index": 0}])
    with pytest.raises(StreamDecodeError, match="ended before message_stop"):
        parse(message_stream(TEXT)[:-1])


def test_in_stream_error_becomes_provider_error_and_the_stream_finishes_with_error() -> None:
    payloads = message_stream(TEXT)[:3]  # started, one text block open
    payloads.append({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    events, _ = replay(foreign_cassette(sse_recording(sse(*payloads))))
    check_events(events)
    (error,) = [e for e in events if isinstance(e, ProviderError)]
    assert (error.message, error.code, error.retryable) == ("overloaded_error: Overloaded", "overloaded_error", True)
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "error"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hi"


def test_context_overflow_error_is_classified() -> None:
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens"},
    }
    (produced, _) = parse([error])
    assert isinstance(produced, ProviderError) and produced.code == "context-overflow"


def test_server_tool_result_error_and_mcp_error_are_error_results() -> None:
    events = parse(
        message_stream(
            ({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}}, []),
            (
                {
                    "type": "web_search_tool_result",
                    "tool_use_id": "srvtoolu_1",
                    "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
                },
                [],
            ),
            ({"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "ask", "input": {}, "server_name": "wiki"}, []),
            ({"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": True, "content": []}, []),
        )
    )
    calls = [(e.id, e.name, e.input) for e in events if isinstance(e, ToolCall)]
    assert calls == [("srvtoolu_1", "web_search", {"query": "x"}), ("mcptoolu_1", "ask", {})]
    results = [(e.id, e.name, e.result.type, e.provider_executed) for e in events if isinstance(e, ToolResult)]
    assert results == [("srvtoolu_1", "web_search", "error", True), ("mcptoolu_1", "ask", "error", True)]


def test_rate_limit_headers_give_retry_after() -> None:
    reset = datetime.fromtimestamp(time.time() + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "content-type": "application/json",
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": reset,
    }
    body = json.dumps({"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}})
    with pytest.raises(RateLimitError) as raised:
        replay(foreign_cassette(sse_recording(body, headers=headers, status=429)))
    # beyond the retry cap (60 s): raised at once, with the wait on the error
    assert raised.value.retry_after is not None and 3500 < raised.value.retry_after <= 3600
    assert "Slow down" in str(raised.value)
