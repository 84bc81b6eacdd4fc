"""Spans of recorded OpenAI Responses streams replayed through the native runtime.

Every expected value (ids, token counts, finish reasons, tool calls) is read from the recording's
own terminal ``response`` payload, independently of turnout's mapping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from turnout import LLMRequest, Tool, ToolContext, user
from turnout_otel.plugin import OpenTelemetryTracing

from plugins.otel.tests.conftest import (
    RESPONSES_DIR,
    by_name,
    cassette_of,
    function_calls,
    make_runtime,
    recorded,
    run,
    terminal_response,
)
from testsupport import recorded_files

MODEL = "gpt-4o"
REQUEST = LLMRequest(model=f"openai/{MODEL}", messages=[user("hi")])
RECORDED_STREAMS = recorded_files(RESPONSES_DIR, "*.sse")
TOOL_LOOPS = {
    "parallel-calls": ("mirascope__parallel-tools-gpt-4o.0.sse", "mirascope__parallel-tools-gpt-4o.1.sse"),
    "one-call": ("pydantic-ai__responses-stream.0.sse", "pydantic-ai__responses-stream.1.sse"),
}


def expected_usage(response: dict[str, Any]) -> dict[str, int]:
    """The GenAI usage attributes of a recorded response (OTel input tokens include cached ones)."""
    usage = response.get("usage")
    if not usage:
        return {}
    expected = {
        "gen_ai.usage.input_tokens": usage["input_tokens"],
        "gen_ai.usage.output_tokens": usage["output_tokens"],
    }
    cached = (usage.get("input_tokens_details") or {}).get("cached_tokens")
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
    if cached is not None:
        expected["gen_ai.usage.cache_read.input_tokens"] = cached
    if reasoning is not None:
        expected["gen_ai.usage.reasoning.output_tokens"] = reasoning
    return expected


def expected_reason(response: dict[str, Any]) -> str:
    """The finish reason a recorded response stands for."""
    if response["status"] == "failed":
        return "error"
    if (response.get("incomplete_details") or {}).get("reason") == "max_output_tokens":
        return "length"
    output = response.get("output") or []
    if function_calls(response) or any(_runs_on_client(item) for item in output):
        return "tool-calls"
    refused = any(
        part.get("type") == "refusal" for item in output if item["type"] == "message" for part in item["content"]
    )
    return "content-filter" if refused else "stop"  # the refusal rule (docs/tools.md)


CLIENT_TOOL_ITEMS = {"shell_call", "local_shell_call", "apply_patch_call", "computer_call", "custom_tool_call"}
"""Responses items of tools OpenAI defines and the client runs (its API reference)."""


def _runs_on_client(item: dict[str, Any]) -> bool:
    """A client tool item the client runs (not a shell in a hosted container, not a server search)."""
    if item["type"] not in CLIENT_TOOL_ITEMS | {"tool_search_call"}:
        return False
    return (item.get("environment") or {}).get("type") in (None, "local") and item.get("execution") != "server"


def usage_of(span: ReadableSpan) -> dict[str, Any]:
    """The span's input, output, cache-read and reasoning token counts."""
    keys = {
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.reasoning.output_tokens",
    }
    return {key: value for key, value in (span.attributes or {}).items() if key in keys}


def tool_from(path: Path, calls: list[str]) -> Tool:
    """The host tool the recorded request declared; it records the call ids it ran for."""
    declared = json.loads(path.with_suffix(".json").read_text())["request_body"]["tools"][0]

    def execute(arguments: dict[str, Any], ctx: ToolContext) -> str:
        calls.append(ctx.call_id)
        return "done"

    return Tool(
        name=declared["name"],
        description=declared["description"],
        input_schema=declared["parameters"],
        execute=execute,
    )


def test_one_step_is_a_chat_span_under_an_invoke_agent_span(
    tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    path = recorded("mirascope__text-gpt-4o.0.sse")
    response = terminal_response(path)
    run(make_runtime(tracing, cassette_of(path)), REQUEST)

    chat, agent = exporter.get_finished_spans()  # a span is exported when it ends: the child first
    assert (chat.name, agent.name) == (f"chat {MODEL}", "invoke_agent")
    assert (chat.kind, agent.kind) == (SpanKind.CLIENT, SpanKind.INTERNAL)
    assert agent.parent is None
    assert chat.parent is not None and chat.parent.span_id == agent.context.span_id
    assert chat.context.trace_id == agent.context.trace_id
    assert dict(chat.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.id": response["id"],
        "gen_ai.response.finish_reasons": ("stop",),
        **expected_usage(response),
        "server.address": "api.openai.com",
        "server.port": 443,
        "turnout.runtime": "native-openai",
        "turnout.step": 0,
    }
    assert dict(agent.attributes or {}) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.finish_reasons": ("stop",),
        **expected_usage(response),
        "turnout.runtime": "native-openai",
    }
    assert chat.status.status_code == agent.status.status_code == StatusCode.UNSET


@pytest.mark.parametrize("loop", TOOL_LOOPS)
def test_a_tool_loop_is_two_chat_spans_and_the_tool_calls_between_them(
    loop: str, tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    turns = [recorded(name) for name in TOOL_LOOPS[loop]]
    first, second = (terminal_response(turn) for turn in turns)
    recorded_calls = function_calls(first)
    ran: list[str] = []
    request = REQUEST.model_copy(update={"tools": [tool_from(turns[0], ran)]})
    run(make_runtime(tracing, cassette_of(*turns)), request, max_steps=2)

    spans = by_name(exporter.get_finished_spans())
    [agent] = spans.pop("invoke_agent")
    chats = spans.pop(f"chat {MODEL}")
    tools = [span for name in sorted(spans) for span in spans[name]]
    assert sorted(spans) == sorted({f"execute_tool {call['name']}" for call in recorded_calls})

    assert all(span.parent is not None and span.parent.span_id == agent.context.span_id for span in chats + tools)
    assert {span.context.trace_id for span in [agent, *chats, *tools]} == {agent.context.trace_id}
    assert [span.attributes["turnout.step"] for span in chats] == [0, 1]  # type: ignore[index]
    assert [span.attributes["gen_ai.response.id"] for span in chats] == [first["id"], second["id"]]  # type: ignore[index]
    assert [usage_of(span) for span in chats] == [expected_usage(first), expected_usage(second)]
    assert [span.attributes["gen_ai.response.finish_reasons"] for span in chats] == [  # type: ignore[index]
        ("tool-calls",),
        ("stop",),
    ]

    assert sorted((dict(span.attributes or {}) for span in tools), key=lambda a: a["gen_ai.tool.call.id"]) == sorted(
        (
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": call["name"],
                "gen_ai.tool.call.id": call["call_id"],
                "gen_ai.tool.type": "function",
            }
            for call in recorded_calls
        ),
        key=lambda a: a["gen_ai.tool.call.id"],
    )
    assert sorted(ran) == sorted(call["call_id"] for call in recorded_calls)
    for tool in tools:  # each tool ran after the step that called it and before the next one
        assert tool.kind == SpanKind.INTERNAL and tool.status.status_code == StatusCode.UNSET
        assert chats[0].end_time <= tool.start_time <= tool.end_time <= chats[1].start_time  # type: ignore[operator]

    totals = {
        key: expected_usage(first)[key] + expected_usage(second)[key] for key in expected_usage(first)
    }
    assert usage_of(agent) == totals
    assert agent.attributes["gen_ai.response.finish_reasons"] == ("stop",)  # type: ignore[index]
    assert agent.start_time <= chats[0].start_time and chats[1].end_time <= agent.end_time  # type: ignore[operator]


@pytest.mark.parametrize("path", RECORDED_STREAMS, ids=lambda path: path.stem)
def test_every_recorded_stream_reports_its_response_id_usage_and_finish_reason(
    path: Path, tracing: OpenTelemetryTracing, exporter: InMemorySpanExporter
) -> None:
    response = terminal_response(path)
    run(make_runtime(tracing, cassette_of(path)), REQUEST)
    [chat] = by_name(exporter.get_finished_spans())[f"chat {MODEL}"]
    attributes = dict(chat.attributes or {})
    assert attributes["gen_ai.response.id"] == response["id"]
    assert usage_of(chat) == expected_usage(response)
    assert attributes["gen_ai.response.finish_reasons"] == (expected_reason(response),)
    failed = response["status"] == "failed"
    # Arguments cut off by the output limit are a tool-error for that call (the step finishes
    # with length), not a provider error: only a failed response makes the chat span an error.
    assert (chat.status.status_code == StatusCode.ERROR) is failed
    if failed:
        assert attributes["error.type"] == response["error"]["code"]
