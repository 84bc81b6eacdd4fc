"""Multi-step turns through ``Runtime.stream``: a thinking + tool-call round trip whose second
request body is checked exactly (signatures, redacted thinking, tool_result, cache breakpoints),
and ``pause_turn`` continued within ``max_steps`` with the paused content sent back as is."""

from __future__ import annotations

import json
from typing import Any

from turnout.events import Finish, StepFinish, TextDelta, ToolCall, ToolResult
from turnout.guard import check_events
from turnout.request import LLMRequest, user
from turnout.tools import Tool, ToolContext

from plugins.native_anthropic.tests.messages_support import (
    foreign_cassette,
    message_stream,
    replay,
    sse,
    sse_payloads,
    sse_recording,
)
from testsupport import recorded_path

EPHEMERAL = {"type": "ephemeral"}
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = "18 °C and sunny"
SIGNATURE = "EqQBCkYIBxgCKkBsig+part/one=="
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"

TURN_ONE = message_stream(
    (
        {"type": "thinking", "thinking": "", "signature": ""},
        [
            {"type": "thinking_delta", "thinking": "The user wants the weather; "},
            {"type": "thinking_delta", "thinking": "I should call the tool."},
            {"type": "signature_delta", "signature": SIGNATURE[:10]},
            {"type": "signature_delta", "signature": SIGNATURE[10:]},
        ],
    ),
    ({"type": "redacted_thinking", "data": REDACTED}, []),
    ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "Let me check."}]),
    (
        {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {}},
        [
            {"type": "input_json_delta", "partial_json": '{"city": '},
            {"type": "input_json_delta", "partial_json": '"Paris"}'},
        ],
    ),
    stop_reason="tool_use",
    message_id="msg_01TURN1",
)
TURN_TWO = message_stream(
    ({"type": "text", "text": ""}, [{"type": "text_delta", "text": f"It is {WEATHER} in Paris."}]),
    message_id="msg_01TURN2",
)


def _tool(seen: list[tuple[str, Any]]) -> Tool:
    def get_weather(arguments: dict[str, Any], ctx: ToolContext) -> str:
        seen.append((ctx.call_id, arguments))
        return WEATHER

    return Tool(name="get_weather", description="Current weather.", input_schema=SCHEMA, execute=get_weather)


def _assistant_blocks(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The assistant content a stream spells out, as the Messages API takes it back (from the JSON)."""
    blocks: dict[int, dict[str, Any]] = {}
    for event in payloads:
        if event["type"] == "content_block_start":
            blocks[event["index"]] = {**event["content_block"], "_json": ""}
        elif event["type"] == "content_block_delta":
            block, delta = blocks[event["index"]], event["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "input_json_delta":
                block["_json"] += delta["partial_json"]
    content = []
    for _, block in sorted(blocks.items()):
        kind = block["type"]
        if kind == "text":
            if block["text"]:
                content.append({"type": "text", "text": block["text"]})
        elif kind == "thinking":
            content.append({"type": "thinking", "thinking": block["thinking"], "signature": block["signature"]})
        elif kind == "redacted_thinking":
            content.append({"type": "redacted_thinking", "data": block["data"]})
        elif kind in ("tool_use", "server_tool_use"):
            arguments = json.loads(block["_json"]) if block["_json"] else block["input"]
            content.append({"type": kind, "id": block["id"], "name": block["name"], "input": arguments})
        elif kind.endswith("_tool_result"):
            content.append({"type": kind, "tool_use_id": block["tool_use_id"], "content": block["content"]})
    return content


def test_thinking_and_tool_call_round_trip_sends_the_exact_second_body() -> None:
    seen: list[tuple[str, Any]] = []
    request = LLMRequest(
        model="anthropic/claude-sonnet-4-5",
        system="Be brief.",
        messages=[user("Weather in Paris?")],
        tools=[_tool(seen)],
        generation={"max_tokens": 1024, "temperature": 0.5},
        provider_options={"anthropic": {"thinking": {"type": "enabled", "budgetTokens": 2048}}},
    )
    cassette = foreign_cassette(sse_recording(sse(*TURN_ONE)), sse_recording(sse(*TURN_TWO)))

    events, sent_requests = replay(cassette, request, max_steps=2)
    first, second = (json.loads(r.content) for r in sent_requests)

    check_events(events)
    assert seen == [("toolu_01A", {"city": "Paris"})]
    tool_entry = {
        "name": "get_weather",
        "description": "Current weather.",
        "input_schema": SCHEMA,
        "cache_control": EPHEMERAL,
    }
    common = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024 + 2048,
        "system": [{"type": "text", "text": "Be brief.", "cache_control": EPHEMERAL}],
    }
    # temperature is left out: Anthropic refuses sampling settings while thinking
    assert first == {
        **common,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?", "cache_control": EPHEMERAL}]}
        ],
        "tools": [tool_entry],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "stream": True,
    }
    assert second == {
        **common,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
            {"role": "assistant", "content": _assistant_blocks(TURN_ONE)},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01A", "content": WEATHER, "cache_control": EPHEMERAL}
                ],
            },
        ],
        "tools": [tool_entry],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "stream": True,
    }
    assert second["messages"][1]["content"][:2] == [
        {
            "type": "thinking",
            "thinking": "The user wants the weather; I should call the tool.",
            "signature": SIGNATURE,
        },
        {"type": "redacted_thinking", "data": REDACTED},
    ]
    assert [e.reason for e in events if isinstance(e, StepFinish)] == ["tool-calls", "stop"]
    assert [(r.id, r.result.value) for r in events if isinstance(r, ToolResult)] == [("toolu_01A", WEATHER)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == f"Let me check.It is {WEATHER} in Paris."


def test_cache_breakpoints_can_be_switched_off_and_given_a_ttl() -> None:
    def body(cache: Any) -> dict[str, Any]:
        request = LLMRequest(
            model="anthropic/claude-sonnet-4-5",
            system="Be brief.",
            messages=[user("hi")],
            tools=[_tool([])],
            provider_options={"anthropic": {"cache": cache}},
        )
        _, sent = replay(foreign_cassette(sse_recording(sse(*TURN_TWO))), request)
        return json.loads(sent[0].content)  # type: ignore[no-any-return]

    assert "cache_control" not in json.dumps(body("none"))
    hour = body({"ttl": "1h"})
    marked = [hour["system"][-1], hour["tools"][-1], hour["messages"][-1]["content"][-1]]
    assert [block["cache_control"] for block in marked] == [{"type": "ephemeral", "ttl": "1h"}] * 3


PAUSED = "pydantic-ai__pause-turn-web-search.0.sse"


def test_pause_turn_continues_within_max_steps_with_the_paused_content_sent_back() -> None:
    recorded = recorded_path("anthropic-messages", PAUSED)
    paused_payloads = sse_payloads(recorded.read_text())
    request = LLMRequest(
        model="anthropic/claude-sonnet-4-5",
        messages=[user("Search the web, then summarise.")],
        provider_options={
            "anthropic": {
                "serverTools": [{"type": "web_search_20250305", "name": "web_search"}],
                "thinking": {"type": "enabled", "budgetTokens": 4096},
            }
        },
    )
    cassette = foreign_cassette(sse_recording(recorded.read_bytes()), sse_recording(sse(*TURN_TWO)))

    events, sent_requests = replay(cassette, request, max_steps=2)
    first, second = (json.loads(r.content) for r in sent_requests)

    check_events(events)
    assert first["tools"] == [{"type": "web_search_20250305", "name": "web_search", "cache_control": EPHEMERAL}]
    paused = _assistant_blocks(paused_payloads)
    paused[-1]["cache_control"] = EPHEMERAL  # the latest turn's breakpoint
    assert second["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Search the web, then summarise."}]},
        {"role": "assistant", "content": paused},
    ]
    assert {key: value for key, value in second.items() if key != "messages"} == {
        key: value for key, value in first.items() if key != "messages"
    }
    steps = [e for e in events if isinstance(e, StepFinish)]
    assert [(s.reason, s.paused) for s in steps] == [("unknown", True), ("stop", None)]
    server_calls = [e for e in events if isinstance(e, ToolCall) and e.provider_executed]
    assert len(server_calls) == sum(1 for block in paused if block["type"] == "server_tool_use")
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"


def test_pause_turn_without_steps_left_ends_the_stream() -> None:
    recorded = recorded_path("anthropic-messages", PAUSED)
    events, sent = replay(foreign_cassette(sse_recording(recorded.read_bytes())), max_steps=1)
    assert len(sent) == 1
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "unknown"
