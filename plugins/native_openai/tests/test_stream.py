"""The Responses stream parser on hand-made frames: edge cases the recordings do not cover."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from turnout.errors import StreamDecodeError
from turnout.events import LLMEvent, ProviderError, StepFinish, TextDelta, ToolCall, ToolError
from turnout_native_openai.stream import finish_reason, parse_responses_stream, usage_from_response


@dataclass
class Frame:
    data: str


async def _frames(payloads: Iterable[Any]) -> AsyncIterator[Frame]:
    for payload in payloads:
        yield Frame(payload if isinstance(payload, str) else json.dumps(payload))


def parse(payloads: Iterable[Any]) -> list[LLMEvent]:
    async def run() -> list[LLMEvent]:
        return [event async for event in parse_responses_stream(_frames(payloads))]

    return asyncio.run(run())


def completed(**response: Any) -> dict[str, Any]:
    return {"type": "response.completed", "response": {"id": "resp_1", **response}}


def fc_added(
    item_id: str = "fc_1", call_id: str = "call_1", name: str = "lookup"
) -> dict[str, Any]:
    item = {
        "type": "function_call",
        "id": item_id,
        "call_id": call_id,
        "name": name,
        "arguments": "",
    }
    return {"type": "response.output_item.added", "item": item}


def fc_delta(delta: str, item_id: str = "fc_1") -> dict[str, Any]:
    return {"type": "response.function_call_arguments.delta", "item_id": item_id, "delta": delta}


def fc_done(
    arguments: str | None, item_id: str = "fc_1", call_id: str = "call_1"
) -> dict[str, Any]:
    item = {"type": "function_call", "id": item_id, "call_id": call_id, "name": "lookup"}
    if arguments is not None:
        item["arguments"] = arguments
    return {"type": "response.output_item.done", "item": item}


def text(delta: str, item_id: str = "msg_1") -> dict[str, Any]:
    return {"type": "response.output_text.delta", "item_id": item_id, "delta": delta}


def test_tool_call_arguments_come_from_output_item_done() -> None:
    events = parse(
        [fc_added(), fc_delta('{"q": "stale"'), fc_done('{"q": "weather"}'), completed()]
    )
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.input == {"q": "weather"}
    assert events[-1] == StepFinish(
        reason="tool-calls", provider_metadata={"openai": {"responseId": "resp_1"}}
    )


def test_streamed_arguments_are_used_when_done_has_none() -> None:
    events = parse([fc_added(), fc_delta('{"q": '), fc_delta('"x"}'), fc_done(None), completed()])
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.input == {"q": "x"}


def test_empty_arguments_parse_as_an_empty_object() -> None:
    events = parse([fc_added(), fc_done(""), completed()])
    assert [e.input for e in events if isinstance(e, ToolCall)] == [{}]


def test_arguments_cut_off_by_max_output_tokens_are_a_tool_error_not_a_call() -> None:
    incomplete = {
        "type": "response.incomplete",
        "response": {"id": "resp_1", "incomplete_details": {"reason": "max_output_tokens"}},
    }
    events = parse([fc_added(), fc_delta('{"q": "wea'), incomplete])
    assert not [e for e in events if isinstance(e, ToolCall | ProviderError)]
    types = [e.type for e in events]
    assert types[-3:] == ["tool-input-end", "tool-error", "step-finish"]
    (error,) = [e for e in events if isinstance(e, ToolError)]
    assert error.id == "call_1" and error.name == "lookup"
    assert "wea" not in error.message  # never the argument text
    assert error.provider_metadata == {
        "openai": {
            "toolArgumentFailure": "provider-truncated",
            "argumentBytes": 10,
            "terminalEvent": "response.incomplete",
            "itemFinalized": False,
            "itemId": "fc_1",
            "incompleteReason": "max_output_tokens",
        }
    }
    assert isinstance(events[-1], StepFinish) and events[-1].reason == "length"


def test_invalid_final_arguments_are_a_tool_error_on_a_clean_completion() -> None:
    events = parse([fc_added(), fc_done('{"q": '), completed()])
    assert not [e for e in events if isinstance(e, ToolCall | ProviderError)]
    (error,) = [e for e in events if isinstance(e, ToolError)]
    assert error.provider_metadata["openai"]["toolArgumentFailure"] == "incomplete-buffer"  # type: ignore[index]
    assert events[-1].reason == "tool-calls"  # type: ignore[union-attr]  # the model reads the error next


def test_nothing_after_the_first_terminal_event_is_read() -> None:
    read: list[str] = []

    async def frames() -> AsyncIterator[Frame]:
        for payload in [text("hi"), completed(), {"type": "ping", "cost": "0"}]:
            read.append(payload["type"])
            yield Frame(json.dumps(payload))
        raise AssertionError("the stream was read past its end")

    async def run() -> list[LLMEvent]:
        return [event async for event in parse_responses_stream(frames())]

    events = asyncio.run(run())
    assert read == ["response.output_text.delta", "response.completed"]
    assert [e.type for e in events] == ["text-start", "text-delta", "text-end", "step-finish"]


def test_unknown_event_types_and_empty_or_done_frames_are_ignored() -> None:
    events = parse(
        ["", "[DONE]", {"type": "response.brand_new_thing", "x": 1}, text("a"), completed()]
    )
    assert [e.type for e in events] == ["text-start", "text-delta", "text-end", "step-finish"]


@pytest.mark.parametrize(
    "frame",
    [
        '{"type": "response.output_text.delta", "delta": ',
        "[1, 2]",
        '{"no_type": 1}',
        '{"type": "response.output_text.delta", "delta": 5}',
    ],
)
def test_a_malformed_frame_raises_stream_decode_error(frame: str) -> None:
    with pytest.raises(StreamDecodeError, match="Invalid OpenAI Responses stream event"):
        parse([text("a"), frame, completed()])


def test_a_stream_without_terminal_event_is_an_error_not_a_success() -> None:
    with pytest.raises(StreamDecodeError, match=r"ended before response\.completed"):
        parse([text("a")])


def test_argument_delta_for_an_unknown_call_is_a_decode_error() -> None:
    with pytest.raises(StreamDecodeError, match="missing its tool call"):
        parse([fc_delta("{}", item_id="fc_unknown"), completed()])


def test_error_then_failed_reports_one_provider_error() -> None:
    error = {"type": "error", "code": "server_error", "message": "boom"}
    failed = {
        "type": "response.failed",
        "response": {"id": "resp_1", "error": {"code": "server_error", "message": "boom"}},
    }
    events = parse([text("partial"), error, failed])
    (provider_error,) = [e for e in events if isinstance(e, ProviderError)]
    assert provider_error.message == "server_error: boom"
    assert provider_error.retryable is True
    assert [e.type for e in events] == [
        "text-start",
        "text-delta",
        "provider-error",
        "text-end",
        "step-finish",
    ]
    assert events[-1].reason == "error"  # type: ignore[union-attr]


def test_failed_with_context_overflow_is_classified() -> None:
    failed = {
        "type": "response.failed",
        "response": {
            "id": "resp_1",
            "error": {"code": "context_length_exceeded", "message": "too long"},
        },
    }
    (error,) = [e for e in parse([failed]) if isinstance(e, ProviderError)]
    assert error.code == "context-overflow"
    assert error.message == "context_length_exceeded: too long"


def test_error_event_then_end_of_stream_still_finishes_the_step() -> None:
    events = parse([{"type": "error", "message": "quota"}])
    assert [e.type for e in events] == ["provider-error", "step-finish"]
    assert events[0].message == "quota"  # type: ignore[union-attr]


def test_refusal_is_text_marked_as_refusal() -> None:
    refusal = {"type": "response.refusal.delta", "item_id": "msg_1", "delta": "No."}
    events = parse([refusal, completed()])
    assert events[0].type == "text-start"
    assert events[0].provider_metadata == {"openai": {"itemId": "msg_1", "refusal": True}}
    assert events[1] == TextDelta(
        id="msg_1", text="No.", provider_metadata={"openai": {"refusal": True}}
    )


def test_each_summary_part_is_its_own_reasoning_block_closed_with_the_encrypted_state() -> None:
    reasoning_item = {"type": "reasoning", "id": "rs_1", "summary": []}
    events = parse(
        [
            {"type": "response.output_item.added", "item": reasoning_item},
            {
                "type": "response.reasoning_summary_part.added",
                "item_id": "rs_1",
                "summary_index": 0,
            },
            {
                "type": "response.reasoning_summary_text.delta",
                "item_id": "rs_1",
                "summary_index": 0,
                "delta": "a",
            },
            {
                "type": "response.reasoning_summary_part.added",
                "item_id": "rs_1",
                "summary_index": 1,
            },
            {
                "type": "response.reasoning_summary_text.delta",
                "item_id": "rs_1",
                "summary_index": 1,
                "delta": "b",
            },
            {
                "type": "response.output_item.done",
                "item": {**reasoning_item, "encrypted_content": "gAAA"},
            },
            completed(),
        ]
    )
    assert [(e.type, getattr(e, "id", None)) for e in events[:-1]] == [
        ("reasoning-start", "rs_1:0"),
        ("reasoning-delta", "rs_1:0"),
        ("reasoning-start", "rs_1:1"),
        ("reasoning-delta", "rs_1:1"),
        ("reasoning-end", "rs_1:0"),
        ("reasoning-end", "rs_1:1"),
    ]
    assert events[-2].provider_metadata == {
        "openai": {"itemId": "rs_1", "reasoningEncryptedContent": "gAAA"}
    }


def test_usage_mapping_keeps_unknowns_unknown() -> None:
    usage = usage_from_response(
        {
            "usage": {
                "input_tokens": 10,
                "output_tokens": 5,
                "input_tokens_details": None,
                "output_tokens_details": None,
            }
        }
    )
    assert usage is not None
    assert (usage.input_tokens, usage.non_cached_input_tokens, usage.cache_read_input_tokens) == (
        10,
        10,
        None,
    )
    assert (usage.reasoning_tokens, usage.total_tokens, usage.cost) == (None, 15, None)
    assert usage_from_response({"usage": None}) is None


@pytest.mark.parametrize(
    ("details", "called", "expected"),
    [
        (None, False, "stop"),
        (None, True, "tool-calls"),
        ({"reason": "max_output_tokens"}, True, "length"),
        ({"reason": "content_filter"}, False, "content-filter"),
        ({"reason": "something_new"}, False, "unknown"),
        ({"reason": "something_new"}, True, "tool-calls"),
    ],
)
def test_finish_reason_mapping(details: Any, called: bool, expected: str) -> None:
    assert finish_reason({"incomplete_details": details}, called_function=called) == expected
