"""Fixtures for turnout-otel's tests: an SDK tracer provider whose spans stay in memory, and
recorded OpenAI Responses streams replayed through the native runtime with the plugin installed.

Each test gets its own provider (passed to the plugin, never set globally), so tests can run in
any order and nothing leaks between them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import turnout_native_openai.plugin as native_plugin
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from turnout import LLMEvent, LLMRequest, Runtime
from turnout.testing.cassette import Cassette, CassetteTransport
from turnout_otel.plugin import OpenTelemetryTracing

from plugins.native_openai.tests.responses_support import CONFIG, foreign_cassette, sse_payloads, sse_recording
from testsupport import recorded_path

RESPONSES_DIR = "openai-responses"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    """Where the spans of the test's ``tracing`` plugin end up."""
    return InMemorySpanExporter()


@pytest.fixture
def tracing(exporter: InMemorySpanExporter) -> OpenTelemetryTracing:
    """The plugin, sending its spans to ``exporter`` as each one ends."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return OpenTelemetryTracing(tracer_provider=provider)


def recorded(name: str) -> Path:
    """A recorded Responses stream by file name."""
    return recorded_path(RESPONSES_DIR, name)


def terminal_response(path: Path) -> dict[str, Any]:
    """The ``response`` of the recording's terminal event (completed, incomplete or failed),
    read from the JSON payloads, independently of the parser under test."""
    terminal = ("response.completed", "response.incomplete", "response.failed")
    return [p for p in sse_payloads(path.read_text()) if p.get("type") in terminal][-1]["response"]


def function_calls(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The client function calls a recorded response asked for."""
    return [item for item in response["output"] if item["type"] == "function_call"]


def cassette_of(*paths: Path) -> Cassette:
    """The recordings as one in-memory cassette, answered in order (see ``foreign_cassette``)."""
    return foreign_cassette(paths[0].stem, *(sse_recording(path.read_bytes()) for path in paths))


def make_runtime(tracing: OpenTelemetryTracing, cassette: Cassette, config: dict[str, Any] | None = None) -> Runtime:
    """The native runtime with the tracing plugin, over a replaying cassette transport."""
    transport = CassetteTransport(cassette, "replay", match_on=("method", "url"))
    return Runtime(
        native=True,
        config=config or CONFIG,
        plugins=[tracing, native_plugin],
        load_entry_points=False,
        transport=transport,
    )


def run(runtime: Runtime, request: LLMRequest, max_steps: int = 1) -> list[LLMEvent]:
    """All events of ``request``, streamed to the end."""

    async def collect() -> list[LLMEvent]:
        async with runtime:
            return [event async for event in runtime.stream(request, max_steps=max_steps)]

    return asyncio.run(collect())


def by_name(spans: Sequence[ReadableSpan]) -> dict[str, list[ReadableSpan]]:
    """Finished spans grouped by name, in the order they ended."""
    grouped: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        grouped.setdefault(span.name, []).append(span)
    return grouped


def every_recorded_text(spans: Sequence[ReadableSpan]) -> str:
    """Every value the spans carry (attributes, events, status), as one JSON text to search."""
    return json.dumps(
        [
            {
                "name": span.name,
                "attributes": dict(span.attributes or {}),
                "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events],
                "status": span.status.description,
            }
            for span in spans
        ],
        default=str,
    )
