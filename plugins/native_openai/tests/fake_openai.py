"""A fake OpenAI Responses API on 127.0.0.1, to record the kit cassettes against.

Only started by ``test_kit_recordings.py`` in record mode (``pytest --turnout-record``); replay
starts nothing. The streams are hand-written in the Responses wire format (``event:`` +
``data:`` frames, ``sequence_number``, ``response.completed`` with usage), with fixed ids, so
recording twice gives the same cassette (only ``recordedAt`` changes).

It answers ``POST /v1/responses`` (``authorization: Bearer test-key`` required):

- without tools: a short text stream;
- with tools, first turn: an encrypted reasoning item and a ``get_weather`` function call;
- with tools, follow-up: only when the input carries the reasoning item (encrypted content
  included), the function call and its output, all with the call id of the first turn; the
  text then quotes the tool output. Anything else gets a 400 naming what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from testsupport.loopback import serve

API_KEY = "test-key"
"""The only key the fake accepts (a placeholder, never a real credential)."""

TEXT = "Hello from a fake Responses API."
CALL_ID = "call_weather_1"
REASONING_ID = "rs_fake_1"
ENCRYPTED = "enc-fake-reasoning-state-1"
SUMMARY = "The user wants the weather; call the tool."

_USAGE = {
    "input_tokens": 21,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 9,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 30,
}


def _response(response_id: str, status: str, output: list[dict[str, Any]], usage: Any = None) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "model": "gpt-fake",
        "output": output,
        "usage": usage,
    }


def _frames(events: list[dict[str, Any]]) -> bytes:
    text = "".join(
        f"event: {event['type']}\ndata: {json.dumps({**event, 'sequence_number': n})}\n\n"
        for n, event in enumerate(events)
    )
    return text.encode()


def _message_events(item_id: str, text: str, index: int = 0) -> list[dict[str, Any]]:
    words = text.split(" ")
    deltas = [word if i == 0 else f" {word}" for i, word in enumerate(words)]
    part = {"type": "output_text", "annotations": [], "text": text}
    item = {"id": item_id, "type": "message", "status": "completed", "role": "assistant", "content": [part]}
    where = {"item_id": item_id, "output_index": index, "content_index": 0}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": {**item, "content": []}},
        {"type": "response.content_part.added", **where, "part": {**part, "text": ""}},
        *({"type": "response.output_text.delta", **where, "delta": delta} for delta in deltas),
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": part},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def text_stream() -> bytes:
    """A plain text answer."""
    response_id = "resp_fake_text"
    message = _message_events("msg_fake_text", TEXT)
    return _frames(
        [
            {"type": "response.created", "response": _response(response_id, "in_progress", [])},
            *message,
            {
                "type": "response.completed",
                "response": _response(response_id, "completed", [message[-1]["item"]], _USAGE),
            },
        ]
    )


def tool_call_stream() -> bytes:
    """Turn one: encrypted reasoning with a summary, then a ``get_weather`` call."""
    response_id = "resp_fake_turn1"
    reasoning = {"id": REASONING_ID, "type": "reasoning", "summary": []}
    reasoning_done = {
        **reasoning,
        "summary": [{"type": "summary_text", "text": SUMMARY}],
        "encrypted_content": ENCRYPTED,
    }
    call = {
        "id": "fc_fake_1",
        "type": "function_call",
        "status": "in_progress",
        "call_id": CALL_ID,
        "name": "get_weather",
        "arguments": "",
    }
    arguments = '{"city": "Paris"}'
    call_done = {**call, "status": "completed", "arguments": arguments}
    summary_at = {"item_id": REASONING_ID, "output_index": 0, "summary_index": 0}
    usage = {**_USAGE, "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 24}, "total_tokens": 61}
    return _frames(
        [
            {"type": "response.created", "response": _response(response_id, "in_progress", [])},
            {"type": "response.output_item.added", "output_index": 0, "item": reasoning},
            {
                "type": "response.reasoning_summary_part.added",
                **summary_at,
                "part": {"type": "summary_text", "text": ""},
            },
            {"type": "response.reasoning_summary_text.delta", **summary_at, "delta": SUMMARY[:20]},
            {"type": "response.reasoning_summary_text.delta", **summary_at, "delta": SUMMARY[20:]},
            {"type": "response.reasoning_summary_text.done", **summary_at, "text": SUMMARY},
            {
                "type": "response.reasoning_summary_part.done",
                **summary_at,
                "part": {"type": "summary_text", "text": SUMMARY},
            },
            {"type": "response.output_item.done", "output_index": 0, "item": reasoning_done},
            {"type": "response.output_item.added", "output_index": 1, "item": call},
            {
                "type": "response.function_call_arguments.delta",
                "item_id": "fc_fake_1",
                "output_index": 1,
                "delta": arguments[:9],
            },
            {
                "type": "response.function_call_arguments.delta",
                "item_id": "fc_fake_1",
                "output_index": 1,
                "delta": arguments[9:],
            },
            {
                "type": "response.function_call_arguments.done",
                "item_id": "fc_fake_1",
                "output_index": 1,
                "arguments": arguments,
            },
            {"type": "response.output_item.done", "output_index": 1, "item": call_done},
            {
                "type": "response.completed",
                "response": _response(response_id, "completed", [reasoning_done, call_done], usage),
            },
        ]
    )


def follow_up_stream(tool_output: str) -> bytes:
    """Turn two: text quoting the tool output."""
    response_id = "resp_fake_turn2"
    message = _message_events("msg_fake_turn2", f"In Paris it is {tool_output}.")
    usage = {**_USAGE, "input_tokens": 80, "input_tokens_details": {"cached_tokens": 64}, "total_tokens": 89}
    return _frames(
        [
            {"type": "response.created", "response": _response(response_id, "in_progress", [])},
            *message,
            {
                "type": "response.completed",
                "response": _response(response_id, "completed", [message[-1]["item"]], usage),
            },
        ]
    )


def _follow_up_problem(items: list[dict[str, Any]]) -> str | None:
    """What a follow-up request lacks, or ``None``."""
    reasoning = [item for item in items if item.get("type") == "reasoning"]
    if [item.get("encrypted_content") for item in reasoning] != [ENCRYPTED]:
        return "the reasoning item with its encrypted_content must be sent back"
    calls = [item for item in items if item.get("type") == "function_call"]
    if [(call.get("call_id"), call.get("name")) for call in calls] != [(CALL_ID, "get_weather")]:
        return f"the function_call {CALL_ID} must be sent back"
    outputs = [item for item in items if item.get("type") == "function_call_output"]
    if [output.get("call_id") for output in outputs] != [CALL_ID]:
        return f"one function_call_output for {CALL_ID} is required"
    return None


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/v1/responses":
            self._error(404, "not_found", f"no route {self.path}")
            return
        if self.headers.get("authorization") != f"Bearer {API_KEY}":
            self._error(401, "invalid_api_key", "Incorrect API key provided.")
            return
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        if body.get("stream") is not True:
            self._error(400, "invalid_request_error", "this fake only streams")
            return
        items = [item for item in body["input"] if isinstance(item, dict)]
        outputs = [item for item in items if item.get("type") == "function_call_output"]
        if not body.get("tools"):
            stream = text_stream()
        elif not outputs:
            stream = tool_call_stream()
        elif problem := _follow_up_problem(items):
            self._error(400, "invalid_request_error", problem)
            return
        else:
            stream = follow_up_stream(str(outputs[0]["output"]))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(stream)))
        self.end_headers()
        self.wfile.write(stream)

    def _error(self, status: int, code: str, message: str) -> None:
        payload = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": code}}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def fake_openai_server() -> Iterator[str]:
    """Serve the fake on 127.0.0.1 (a free port) in a thread; yields its base URL (``.../v1``)."""
    with serve(_Handler) as origin:
        yield f"{origin}/v1"
