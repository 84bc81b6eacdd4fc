"""Must-show 3: syrupy JSONL snapshots (one event per line) of representative fallback streams.

The streams are small hand-written provider bodies (no recorded data is copied into the repo),
replayed by the testing kit's ``CassetteTransport`` through ``turnout.Runtime``.
"""

from __future__ import annotations

from typing import Any

import pytest
import turnout
from fallback_support import (
    RECORDED_BASE_URL,
    anthropic_message_start,
    anthropic_stream,
    anthropic_text,
    anthropic_thinking,
    anthropic_tool_use,
    provider_config,
    recording,
    replay_recorded,
    sse,
)


def _chat_chunk(
    delta: dict[str, Any], finish: str | None = None, usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if delta or finish else [],
    }
    if usage:
        chunk["usage"] = usage
    return chunk


def _call(index: int, args: str, call_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": args}}
    if call_id:
        call.update(id=call_id, type="function")
        call["function"]["name"] = name
    return {"tool_calls": [call]}


CHAT_TOOLS = sse(
    _chat_chunk({"role": "assistant", "content": "Checking"}),
    _chat_chunk({"content": " both."}),
    _chat_chunk(_call(0, "", "call_a", "weather")),
    _chat_chunk(_call(0, '{"city": ')),
    _chat_chunk(_call(0, '"Paris"}')),
    _chat_chunk(_call(1, "", "call_b", "weather")),
    _chat_chunk(_call(1, '{"city": "Ber')),  # malformed: never completed
    _chat_chunk({}, finish="tool_calls"),
    _chat_chunk(
        {},
        usage={
            "prompt_tokens": 40,
            "completion_tokens": 12,
            "total_tokens": 52,
            "prompt_tokens_details": {"cached_tokens": 32},
        },
    ),
    named=False,
    done=True,
)

_ANTHROPIC_USAGE = {
    "input_tokens": 10,
    "cache_read_input_tokens": 100,
    "cache_creation_input_tokens": 5,
    "output_tokens": 1,
}
ANTHROPIC_THINKING_TOOL = anthropic_stream(
    anthropic_thinking("Need weather.", signature="sig-123"),
    anthropic_text("Let me look."),
    anthropic_tool_use("toolu_1", "weather", '{"city"', ': "Oslo"}'),
    usage=_ANTHROPIC_USAGE,
    stop_reason="tool_use",
    output_tokens=30,
)

_RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1,
    "status": "in_progress",
    "model": "gpt-x",
    "output": [],
    "tools": [],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
}
_REASONING = {"id": "rs_1", "type": "reasoning", "summary": []}
RESPONSES_REASONING_TOOL = sse(
    {"type": "response.created", "sequence_number": 0, "response": _RESPONSE},
    {
        "type": "response.output_item.added",
        "sequence_number": 1,
        "output_index": 0,
        "item": _REASONING,
    },
    {
        "type": "response.reasoning_summary_part.added",
        "sequence_number": 2,
        "item_id": "rs_1",
        "output_index": 0,
        "summary_index": 0,
        "part": {"type": "summary_text", "text": ""},
    },
    {
        "type": "response.reasoning_summary_text.delta",
        "sequence_number": 3,
        "item_id": "rs_1",
        "output_index": 0,
        "summary_index": 0,
        "delta": "Plan.",
    },
    {
        "type": "response.reasoning_summary_part.added",
        "sequence_number": 4,
        "item_id": "rs_1",
        "output_index": 0,
        "summary_index": 1,
        "part": {"type": "summary_text", "text": ""},
    },
    {
        "type": "response.reasoning_summary_text.delta",
        "sequence_number": 5,
        "item_id": "rs_1",
        "output_index": 0,
        "summary_index": 1,
        "delta": "Call tool.",
    },
    {
        "type": "response.output_item.done",
        "sequence_number": 6,
        "output_index": 0,
        "item": {
            **_REASONING,
            "encrypted_content": "enc-abc",
            "summary": [
                {"type": "summary_text", "text": "Plan."},
                {"type": "summary_text", "text": "Call tool."},
            ],
        },
    },
    {
        "type": "response.output_item.added",
        "sequence_number": 7,
        "output_index": 1,
        "item": {
            "id": "fc_1",
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": "",
            "status": "in_progress",
        },
    },
    {
        "type": "response.function_call_arguments.delta",
        "sequence_number": 8,
        "item_id": "fc_1",
        "output_index": 1,
        "delta": '{"city":"Rome"}',
    },
    {
        "type": "response.output_item.done",
        "sequence_number": 9,
        "output_index": 1,
        "item": {
            "id": "fc_1",
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": '{"city":"Rome"}',
            "status": "completed",
        },
    },
    {
        "type": "response.completed",
        "sequence_number": 10,
        "response": {
            **_RESPONSE,
            "status": "completed",
            "usage": {
                "input_tokens": 20,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 50,
                "output_tokens_details": {"reasoning_tokens": 40},
                "total_tokens": 70,
            },
        },
    },
)

ANTHROPIC_OVERLOADED = sse(
    anthropic_message_start(_ANTHROPIC_USAGE),
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Partial"}},
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
)

CASES = {
    "chat-text-parallel-tools-malformed-args": (CHAT_TOOLS, "@ai-sdk/openai-compatible", "chat/completions"),
    "anthropic-thinking-signature-tool-use": (ANTHROPIC_THINKING_TOOL, "@ai-sdk/anthropic", "messages"),
    "responses-encrypted-reasoning-tool-call": (RESPONSES_REASONING_TOOL, "@ai-sdk/openai", "responses"),
    "anthropic-in-stream-error": (ANTHROPIC_OVERLOADED, "@ai-sdk/anthropic", "messages"),
}
"""Case → (the provider's stream, the package, the endpoint it is sent to)."""


@pytest.mark.parametrize("case", sorted(CASES))
def test_event_stream_snapshot(case: str, event_snapshot: Any) -> None:
    body, package, endpoint = CASES[case]
    config = provider_config(RECORDED_BASE_URL, package)
    request = turnout.LLMRequest(model="p/m", messages=[turnout.user("hi")])
    replayed = replay_recorded(config, request, f"{RECORDED_BASE_URL}/{endpoint}", recording(body))
    assert replayed.runtime == "aisdk-fallback"
    assert len(replayed.sent) == 1
    assert replayed.events == event_snapshot
