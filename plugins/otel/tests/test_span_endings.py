"""Every span ends exactly once, with an error status when the stream raised, was cut, or was
closed early; and nothing secret ends up in a span."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from turnout import Finish, LLMRequest, Tool, ToolContext, user
from turnout.errors import TurnoutError
from turnout.testing.cassette import RecordedResponse
from turnout_otel.plugin import OpenTelemetryTracing

from plugins.native_openai.tests.responses_support import TEST_KEY, foreign_cassette, sse_recording
from plugins.otel.tests.conftest import (
    by_name,
    cassette_of,
    every_recorded_text,
    function_calls,
    make_runtime,
    recorded,
    run,
    terminal_response,
)
from testsupport import recorded_path

REQUEST = LLMRequest(model="openai/gpt-4o", messages=[user("hi")])
TEXT = recorded("mirascope__text-gpt-4o.0.sse")


def statuses(exporter: InMemorySpanExporter) -> dict[str, tuple[StatusCode, Any]]:
    """Each finished span's name → (status code, ``error.type``); fails if a span ended twice."""
    spans = exporter.get_finished_spans()
    assert len({span.context.span_id for span in spans}) == len(spans)
    return {span.name: (span.status.status_code, (span.attributes or {}).get("error.type")) for span in spans}


def test_an_http_error_ends_both_spans_with_its_type(
    tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    path = recorded_path("errors", "mirascope__openai-responses-401-stream-request.0.http.json")
    recording = json.loads(path.read_text())
    failure = RecordedResponse(recording["status"], recording["headers"], recording["body_raw"])
    with pytest.raises(TurnoutError) as raised:
        run(make_runtime(tracing, foreign_cassette("401", failure)), REQUEST)
    kind = type(raised.value).__qualname__
    assert statuses(exporter) == {"chat gpt-4o": (StatusCode.ERROR, kind), "invoke_agent": (StatusCode.ERROR, kind)}
    chat = by_name(exporter.get_finished_spans())["chat gpt-4o"][0]
    [event] = chat.events
    assert event.name == "exception" and event.attributes == {
        "exception.type": kind,
        "exception.message": str(raised.value),
    }


def test_a_stream_cut_before_its_terminal_event_ends_both_spans_with_the_error(
    tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    body = TEXT.read_text()
    cut = body[: body.index("event: response.completed")]
    with pytest.raises(TurnoutError) as raised:
        run(make_runtime(tracing, foreign_cassette("cut", sse_recording(cut))), REQUEST)
    kind = type(raised.value).__qualname__
    assert statuses(exporter) == {"chat gpt-4o": (StatusCode.ERROR, kind), "invoke_agent": (StatusCode.ERROR, kind)}


def test_a_consumer_that_stops_early_ends_every_span_as_closed_early(
    tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    runtime = make_runtime(tracing, cassette_of(TEXT))

    async def first_event_only() -> None:
        async with runtime:
            events = runtime.stream(REQUEST)
            await anext(events)
            await events.aclose()  # type: ignore[attr-defined]  # an async generator

    asyncio.run(first_event_only())
    closed = (StatusCode.ERROR, "GeneratorExit")
    assert statuses(exporter) == {"chat gpt-4o": closed, "invoke_agent": closed}
    assert {span.status.description for span in exporter.get_finished_spans()} == {
        "the stream was closed before it finished"
    }


def test_a_consumer_that_stops_at_finish_leaves_the_request_successful(
    tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    runtime = make_runtime(tracing, cassette_of(TEXT))

    async def until_finish() -> None:
        async with runtime:
            events = runtime.stream(REQUEST)
            async for event in events:
                if isinstance(event, Finish):
                    break
            await events.aclose()  # type: ignore[attr-defined]  # an async generator

    asyncio.run(until_finish())
    assert statuses(exporter) == {"chat gpt-4o": (StatusCode.UNSET, None), "invoke_agent": (StatusCode.UNSET, None)}


def test_a_failing_tool_fails_its_span_and_no_secret_reaches_any_span(
    tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    turns = [recorded(f"mirascope__parallel-tools-gpt-4o.{i}.sse") for i in (0, 1)]
    calls = function_calls(terminal_response(turns[0]))
    token = "tok-metadata-0123456789"

    def leaky(arguments: dict[str, Any], ctx: ToolContext) -> str:
        raise RuntimeError(f"vault rejected key {TEST_KEY} for {arguments['password']}")

    tool = Tool(name=calls[0]["name"], input_schema={"type": "object"}, execute=leaky)
    request = REQUEST.model_copy(
        update={"tools": [tool], "metadata": {"token": token}, "headers": {"x-trace-token": token}}
    )
    run(make_runtime(tracing, cassette_of(*turns)), request, max_steps=2)

    tools = by_name(exporter.get_finished_spans())[f"execute_tool {calls[0]['name']}"]
    assert len(tools) == len(calls)
    for span in tools:
        assert span.status.status_code == StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "tool_error"
        assert span.status.description is not None and "vault rejected key" in span.status.description
    recorded_text = every_recorded_text(exporter.get_finished_spans())
    assert TEST_KEY not in recorded_text
    assert token not in recorded_text
    assert "authorization" not in recorded_text.lower()
