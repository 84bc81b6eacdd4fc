"""A fake Chat Completions + Anthropic Messages API on 127.0.0.1, to record the kit cassettes.

Only started by ``test_kit_recordings.py`` in record mode (``pytest --turnout-record``); replay
starts nothing. The streams are hand-written in each API's wire format, with fixed ids, so
recording twice gives the same cassettes (only ``recordedAt`` changes). Both APIs play the same
weather tool loop:

- first turn (tools, no tool result yet): a ``get_weather`` call for Paris (Anthropic: after a
  signed thinking block);
- follow-up: only when the conversation carries the call and its result with the call id of
  the first turn (Anthropic: and the thinking block with its signature); the text then quotes
  the tool result. Anything else gets a 400 naming what is missing.

Requests need the placeholder key ``test-key`` (bearer token, or ``x-api-key`` for Anthropic).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import turnout

from testsupport.loopback import serve

API_KEY = "test-key"
"""The only key the fake accepts (a placeholder, never a real credential)."""

CHAT_CALL_ID = "call_weather_1"
ANTHROPIC_CALL_ID = "toolu_weather_1"
THINKING = "The user wants the weather in Paris; use the tool."
SIGNATURE = "sig-fake-thinking-1"
ARGUMENTS = {"city": "Paris"}
WEATHER = "18 °C and sunny"
"""What the client's ``get_weather`` tool answers."""


def weather_request(model: str, calls: list[tuple[str, dict[str, Any]]] | None = None) -> turnout.LLMRequest:
    """The request the recordings were made with: the question and a ``get_weather`` tool that
    answers ``WEATHER`` (appending ``(call id, arguments)`` to ``calls`` when given)."""

    def get_weather(arguments: dict[str, Any], ctx: turnout.ToolContext) -> str:
        if calls is not None:
            calls.append((ctx.call_id, arguments))
        return WEATHER

    tool = turnout.Tool(
        name="get_weather",
        description="The current weather in a city.",
        input_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        execute=get_weather,
    )
    return turnout.LLMRequest(model=model, messages=[turnout.user("What is the weather in Paris?")], tools=[tool])


def _sse(events: list[dict[str, Any]], *, named: bool) -> bytes:
    frames = [(f"event: {event['type']}\n" if named else "") + f"data: {json.dumps(event)}\n\n" for event in events]
    return "".join(frames).encode()


def _answer(tool_output: str) -> str:
    return f"In Paris it is {tool_output}."


# -- Chat Completions ---------------------------------------------------------------------------


def _chunk(
    delta: dict[str, Any] | None, finish: str | None = None, usage: dict[str, int] | None = None
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-fake-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "fake-chat",
        "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def chat_tool_call() -> bytes:
    """Turn one: a streamed ``get_weather`` call, then a usage chunk and ``[DONE]``."""
    arguments = json.dumps(ARGUMENTS)
    call = {"index": 0, "id": CHAT_CALL_ID, "type": "function", "function": {"name": "get_weather", "arguments": ""}}
    chunks = [
        _chunk({"role": "assistant", "content": None, "tool_calls": [call]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[:9]}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[9:]}}]}),
        _chunk({}, finish="tool_calls"),
        _chunk(None, usage={"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42}),
    ]
    return _sse(chunks, named=False) + b"data: [DONE]\n\n"


def chat_text(text: str) -> bytes:
    """Turn two: the text in word-sized deltas, then a usage chunk and ``[DONE]``."""
    words = text.split(" ")
    chunks = [
        _chunk({"role": "assistant", "content": ""}),
        *(_chunk({"content": word if i == 0 else f" {word}"}) for i, word in enumerate(words)),
        _chunk({}, finish="stop"),
        _chunk(None, usage={"prompt_tokens": 60, "completion_tokens": 9, "total_tokens": 69}),
    ]
    return _sse(chunks, named=False) + b"data: [DONE]\n\n"


def chat_follow_up_problem(messages: list[dict[str, Any]]) -> str | None:
    """What a Chat Completions follow-up lacks, or ``None``."""
    calls = [call for m in messages if m.get("role") == "assistant" for call in m.get("tool_calls") or []]
    if [(c.get("id"), c["function"].get("name")) for c in calls] != [(CHAT_CALL_ID, "get_weather")]:
        return f"the assistant message with tool call {CHAT_CALL_ID} must be sent back"
    if json.loads(calls[0]["function"].get("arguments") or "null") != ARGUMENTS:
        return "the tool call must keep its arguments"
    results = [m.get("tool_call_id") for m in messages if m.get("role") == "tool"]
    if results != [CHAT_CALL_ID]:
        return f"one tool message for {CHAT_CALL_ID} is required"
    return None


def chat_reply(body: dict[str, Any]) -> tuple[int, bytes]:
    """Status and body for a Chat Completions request."""
    messages = body.get("messages") or []
    tool_messages = [m for m in messages if m.get("role") == "tool"]
    if not body.get("tools") or body.get("stream") is not True:
        return _error(400, "this fake serves the streamed weather tool loop only")
    if not tool_messages:
        return 200, chat_tool_call()
    if problem := chat_follow_up_problem(messages):
        return _error(400, problem)
    return 200, chat_text(_answer(_text_of(tool_messages[0]["content"])))


# -- Anthropic Messages -------------------------------------------------------------------------


def _message(message_id: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": "claude-fake",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }


def anthropic_tool_use() -> bytes:
    """Turn one: a signed thinking block, then a ``get_weather`` tool use."""
    arguments = json.dumps(ARGUMENTS)
    tool_use = {"type": "tool_use", "id": ANTHROPIC_CALL_ID, "name": "get_weather", "input": {}}
    events = [
        {"type": "message_start", "message": _message("msg_fake_turn1", {"input_tokens": 40, "output_tokens": 1})},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": THINKING}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": SIGNATURE}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": tool_use},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": arguments[:9]},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": arguments[9:]},
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 35},
        },
        {"type": "message_stop"},
    ]
    return _sse(events, named=True)


def anthropic_text(text: str) -> bytes:
    """Turn two: one text block in word-sized deltas."""
    words = text.split(" ")
    usage = {"input_tokens": 20, "cache_read_input_tokens": 64, "output_tokens": 1}
    events = [
        {"type": "message_start", "message": _message("msg_fake_turn2", usage)},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": w if i == 0 else f" {w}"},
            }
            for i, w in enumerate(words)
        ),
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 10},
        },
        {"type": "message_stop"},
    ]
    return _sse(events, named=True)


def _blocks(messages: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [
        block
        for m in messages
        if m.get("role") == role and isinstance(m.get("content"), list)
        for block in m["content"]
        if isinstance(block, dict)
    ]


def anthropic_follow_up_problem(messages: list[dict[str, Any]]) -> str | None:
    """What an Anthropic follow-up lacks, or ``None``."""
    assistant = _blocks(messages, "assistant")
    thinking = [(b.get("thinking"), b.get("signature")) for b in assistant if b.get("type") == "thinking"]
    if thinking != [(THINKING, SIGNATURE)]:
        return "the thinking block must be sent back with its signature"
    uses = [(b.get("id"), b.get("name"), b.get("input")) for b in assistant if b.get("type") == "tool_use"]
    if uses != [(ANTHROPIC_CALL_ID, "get_weather", ARGUMENTS)]:
        return f"the tool_use block {ANTHROPIC_CALL_ID} must be sent back"
    results = [b.get("tool_use_id") for b in _blocks(messages, "user") if b.get("type") == "tool_result"]
    if results != [ANTHROPIC_CALL_ID]:
        return f"one tool_result for {ANTHROPIC_CALL_ID} is required"
    return None


def anthropic_reply(body: dict[str, Any]) -> tuple[int, bytes]:
    """Status and body for an Anthropic Messages request."""
    messages = body.get("messages") or []
    results = [b for b in _blocks(messages, "user") if b.get("type") == "tool_result"]
    if not body.get("tools") or body.get("stream") is not True:
        return _error(400, "this fake serves the streamed weather tool loop only")
    if not results:
        return 200, anthropic_tool_use()
    if problem := anthropic_follow_up_problem(messages):
        return _error(400, problem)
    return 200, anthropic_text(_answer(_text_of(results[0].get("content"))))


# -- the server ---------------------------------------------------------------------------------


def _text_of(content: Any) -> str:
    """A tool result's text: a string, or text blocks."""
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return str(content)


def _error(status: int, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"type": "invalid_request_error", "message": message}}).encode()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        key = self.headers.get("x-api-key") or (self.headers.get("authorization") or "").removeprefix("Bearer ")
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        if key != API_KEY:
            status, payload = _error(401, "invalid api key")
        elif self.path == "/v1/chat/completions":
            status, payload = chat_reply(body)
        elif self.path == "/v1/messages":
            status, payload = anthropic_reply(body)
        else:
            status, payload = _error(404, f"no route {self.path}")
        self.send_response(status)
        self.send_header("content-type", "text/event-stream" if status == 200 else "application/json")
        self.send_header("content-length", str(len(payload)))
        if status != 200:
            self.send_header("x-should-retry", "false")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def fake_provider_server() -> Iterator[str]:
    """Serve both fakes on 127.0.0.1 (a free port) in a thread; yields the base URL (``.../v1``)."""
    with serve(_Handler) as origin:
        yield f"{origin}/v1"
