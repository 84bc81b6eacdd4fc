"""Helpers for the native OpenAI plugin's tests: recorded streams, replay through ``Runtime``.

Imported by the tests as ``plugins.native_openai.tests.responses_support``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx2
import turnout_native_openai.plugin as native_plugin
from turnout.events import LLMEvent
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime

from testsupport import shared_files

RESPONSES_DIR = "fixtures/real/openai-responses"
TEST_KEY = "sk-test-native-openai-0000"
CONFIG = {"provider": {"openai": {"options": {"apiKey": TEST_KEY}}}}

RECORDED_STREAMS = shared_files(RESPONSES_DIR, "*.sse")
"""Every recorded Responses stream (empty without ../shared; ``recorded_dir`` reports that)."""


def sse_response(body: bytes) -> httpx2.Response:
    """A 200 ``text/event-stream`` response with ``body``."""
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def default_request(**changes: Any) -> LLMRequest:
    """A small request to the built-in ``openai`` provider."""
    return LLMRequest(model="openai/gpt-4o", messages=[user("hi")], **changes)


async def collect(events: AsyncIterator[LLMEvent]) -> list[LLMEvent]:
    """All events of an async iterator, in a list."""
    return [event async for event in events]


def replay(
    handler: Callable[[httpx2.Request], httpx2.Response],
    request: LLMRequest | None = None,
    *,
    max_steps: int = 1,
    no_retry: bool = False,
) -> list[LLMEvent]:
    """Run ``request`` through ``Runtime.stream`` (native on, this plugin only) over ``handler``.

    ``no_retry`` turns the core's HTTP retries off, for error statuses it would otherwise retry.
    """

    async def run() -> list[LLMEvent]:
        from turnout.http import RetryPolicy

        runtime = Runtime(
            native=True,
            config=CONFIG,
            plugins=[native_plugin],
            load_entry_points=False,
            transport=httpx2.MockTransport(handler),
            retry=RetryPolicy(max_retries=0) if no_retry else None,
        )
        async with runtime:
            return await collect(runtime.stream(request or default_request(), max_steps=max_steps))

    return asyncio.run(run())


def replay_body(
    body: bytes, request: LLMRequest | None = None
) -> tuple[list[LLMEvent], list[httpx2.Request]]:
    """Replay one recorded body; also returns the requests the runtime sent."""
    sent: list[httpx2.Request] = []

    def handler(http_request: httpx2.Request) -> httpx2.Response:
        sent.append(http_request)
        return sse_response(body)

    return replay(handler, request), sent


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
