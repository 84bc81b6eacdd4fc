"""Helpers for the native Anthropic plugin's tests: recorded streams replayed through ``Runtime``
over the testing kit's ``CassetteTransport``, and hand-made Messages streams.

Imported by the tests as ``plugins.native_anthropic.tests.messages_support``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx2
import turnout_native_anthropic.plugin as native_plugin
from turnout.events import LLMEvent
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime
from turnout.testing.cassette import Cassette, CassetteTransport, Interaction, RecordedRequest, RecordedResponse

from testsupport import recorded_files
from testsupport.transports import SentRequests

MESSAGES_DIR = "anthropic-messages"
TEST_KEY = "sk-ant-test-native-0000"
CONFIG = {"provider": {"anthropic": {"options": {"apiKey": TEST_KEY}}}}
MESSAGES_URL = "https://api.anthropic.com/v1/messages"
"""Where the native runtime sends a request to the built-in ``anthropic`` provider."""

RECORDED_STREAMS = recorded_files(MESSAGES_DIR, "*.sse")
"""Every recorded Messages stream (in ``tests/recorded``)."""


def sse_recording(body: bytes | str, headers: dict[str, str] | None = None, status: int = 200) -> RecordedResponse:
    """A recorded ``text/event-stream`` response with ``body``."""
    text = body.decode() if isinstance(body, bytes) else body
    return RecordedResponse(status, {"content-type": "text/event-stream", **(headers or {})}, text)


def foreign_cassette(*responses: RecordedResponse, url: str = MESSAGES_URL) -> Cassette:
    """An in-memory cassette of responses another client recorded, one per ``POST url``, in order."""
    return Cassette("recorded-stream", [Interaction(RecordedRequest("POST", url), r) for r in responses])


def default_request(**changes: Any) -> LLMRequest:
    """A small request to the built-in ``anthropic`` provider."""
    return LLMRequest(model="anthropic/claude-sonnet-4-5", messages=[user("hi")], **changes)


def replay(
    cassette: Cassette,
    request: LLMRequest | None = None,
    *,
    max_steps: int = 1,
    config: dict[str, Any] | None = None,
    plugins: Iterable[object] = (native_plugin,),
    native: bool = True,
) -> tuple[list[LLMEvent], list[httpx2.Request]]:
    """Run ``request`` through ``Runtime.stream`` over ``cassette`` (matched on method and URL).

    Returns the events and the requests the runtime sent; a mismatch, or a recorded response
    nobody requested, fails.
    """
    transport = CassetteTransport(cassette, "replay", match_on=("method", "url"))
    sent = SentRequests(transport)

    async def run() -> list[LLMEvent]:
        runtime = Runtime(
            native=native, config=config or CONFIG, plugins=list(plugins), load_entry_points=False, transport=sent
        )
        async with runtime:
            return [event async for event in runtime.stream(request or default_request(), max_steps=max_steps)]

    try:
        events = asyncio.run(run())
    except Exception as failure:
        if transport.errors:
            raise transport.errors[0] from failure
        raise
    transport.verify()
    return events, sent.requests


def sse_payloads(body: str) -> list[dict[str, Any]]:
    """The JSON payloads of a recorded SSE body, read independently of the parser under test."""
    return [json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:")]


def metadata_for(path: Path) -> dict[str, Any]:
    """The ``.json`` metadata beside a recorded ``.sse`` file."""
    return json.loads(path.with_suffix(".json").read_text())


def dump_events(events: Iterable[LLMEvent]) -> list[dict[str, Any]]:
    """Events as the JSON a user sees (``model_dump(mode="json", exclude_none=True)``)."""
    return [event.model_dump(mode="json", exclude_none=True) for event in events]


def sse(*payloads: dict[str, Any]) -> bytes:
    """An SSE body with one named frame per payload."""
    return "".join(f"event: {p['type']}\ndata: {json.dumps(p)}\n\n" for p in payloads).encode()


def message_stream(
    *blocks: tuple[dict[str, Any], list[dict[str, Any]]],
    stop_reason: str = "end_turn",
    usage: dict[str, Any] | None = None,
    message_id: str = "msg_01",
) -> list[dict[str, Any]]:
    """The payloads of a whole Messages stream: start, each (block start, deltas), delta, stop."""
    start_usage = usage or {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    payloads: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [],
                "stop_reason": None,
                "usage": {**start_usage, "output_tokens": 1},
            },
        }
    ]
    for index, (start, deltas) in enumerate(blocks):
        payloads.append({"type": "content_block_start", "index": index, "content_block": start})
        payloads += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        payloads.append({"type": "content_block_stop", "index": index})
    payloads.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 20},
        }
    )
    payloads.append({"type": "message_stop"})
    return payloads
