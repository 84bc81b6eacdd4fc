"""Helpers for the native OpenAI plugin's tests: recorded streams replayed through ``Runtime``
over the testing kit's ``CassetteTransport``.

Imported by the tests as ``plugins.native_openai.tests.responses_support``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx2
import turnout_native_openai.plugin as native_plugin
from turnout.events import LLMEvent
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime
from turnout.testing.cassette import Cassette, CassetteTransport, Interaction, RecordedRequest, RecordedResponse

from testsupport import recorded_files
from testsupport.transports import SentRequests

RESPONSES_DIR = "openai-responses"
TEST_KEY = "sk-test-native-openai-0000"
CONFIG = {"provider": {"openai": {"options": {"apiKey": TEST_KEY}}}}

RECORDED_STREAMS = recorded_files(RESPONSES_DIR, "*.sse")
"""Every recorded Responses stream (in ``tests/recorded``)."""


RESPONSES_URL = "https://api.openai.com/v1/responses"
"""Where the native runtime sends a request to the built-in ``openai`` provider."""


def sse_recording(body: bytes | str) -> RecordedResponse:
    """A recorded 200 ``text/event-stream`` response with ``body``."""
    text = body.decode() if isinstance(body, bytes) else body
    return RecordedResponse(200, {"content-type": "text/event-stream"}, text)


def foreign_cassette(name: str, *responses: RecordedResponse) -> Cassette:
    """An in-memory cassette of responses another client recorded, one per ``POST /v1/responses``.

    Their request bodies are not ours, so ``replay`` matches on method and URL only and answers
    in recorded order; the kit still fails on a request to another URL and on unplayed responses.
    """
    return Cassette(name, [Interaction(RecordedRequest("POST", RESPONSES_URL), r) for r in responses])


def default_request(**changes: Any) -> LLMRequest:
    """A small request to the built-in ``openai`` provider."""
    return LLMRequest(model="openai/gpt-4o", messages=[user("hi")], **changes)


async def collect(events: AsyncIterator[LLMEvent]) -> list[LLMEvent]:
    """All events of an async iterator, in a list."""
    return [event async for event in events]


def replay(
    cassette: Cassette,
    request: LLMRequest | None = None,
    *,
    max_steps: int = 1,
    no_retry: bool = False,
) -> tuple[list[LLMEvent], list[httpx2.Request]]:
    """Run ``request`` through ``Runtime.stream`` (native on, this plugin only) over ``cassette``.

    Returns the events and the requests the runtime sent. The cassette is replayed by the kit's
    ``CassetteTransport`` (matching on method and URL); a mismatch, or a recorded response
    nobody requested, fails. ``no_retry`` turns the core's HTTP retries off, for error statuses
    it would otherwise retry.
    """
    transport = CassetteTransport(cassette, "replay", match_on=("method", "url"))
    sent = SentRequests(transport)

    async def run() -> list[LLMEvent]:
        from turnout.http import RetryPolicy

        runtime = Runtime(
            native=True,
            config=CONFIG,
            plugins=[native_plugin],
            load_entry_points=False,
            transport=sent,
            retry=RetryPolicy(max_retries=0) if no_retry else None,
        )
        async with runtime:
            return await collect(runtime.stream(request or default_request(), max_steps=max_steps))

    try:
        events = asyncio.run(run())
    except Exception as failure:
        if transport.errors:  # the cassette's own error, however the runtime wrapped it
            raise transport.errors[0] from failure
        raise
    transport.verify()
    return events, sent.requests


def replay_body(body: bytes, request: LLMRequest | None = None) -> tuple[list[LLMEvent], list[httpx2.Request]]:
    """Replay one recorded stream; also returns the requests the runtime sent."""
    return replay(foreign_cassette("recorded-stream", sse_recording(body)), request)


def sse_payloads(body: str) -> list[dict[str, Any]]:
    """The JSON payloads of a recorded SSE body, read independently of the parser under test."""
    return [json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:")]


def metadata_for(path: Path) -> dict[str, Any]:
    """The ``.json`` metadata beside a recorded ``.sse`` file."""
    return json.loads(path.with_suffix(".json").read_text())


def dump_events(events: Iterable[LLMEvent]) -> list[dict[str, Any]]:
    """Events as the JSON a user sees (``model_dump(mode="json", exclude_none=True)``)."""
    return [event.model_dump(mode="json", exclude_none=True) for event in events]


def chunks_at(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """``data`` cut at the given offsets."""
    bounds = [0, *sorted(set(cuts)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]
