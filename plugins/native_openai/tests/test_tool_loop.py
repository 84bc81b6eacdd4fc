"""Recorded multi-turn tool loops through ``Runtime.stream``: the host tool runs with the provider's
call id, and the follow-up request carries reasoning, calls and outputs back.

Each turn's recorded stream is one interaction of an in-memory cassette, replayed in order by the
testing kit (see ``responses_support.replay``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from turnout.events import Finish, StepFinish, TextDelta, ToolCall, ToolResult
from turnout.guard import check_events
from turnout.request import LLMRequest, user
from turnout.tools import Tool, ToolContext

from plugins.native_openai.tests.responses_support import (
    foreign_cassette,
    metadata_for,
    replay,
    sse_payloads,
    sse_recording,
)


def _final_response(path: Path) -> dict[str, Any]:
    payloads = sse_payloads(path.read_text())
    return next(p for p in payloads if p["type"] == "response.completed")["response"]


def _outputs(body: dict[str, Any]) -> int:
    """How many tool outputs a sent request carries back."""
    return sum(item.get("type") == "function_call_output" for item in body["input"])


def _structure(item: dict[str, Any]) -> dict[str, Any]:
    """An input item reduced to what must match (ids and statuses the API fills in are left out)."""
    if item.get("type") == "function_call":
        return {
            "type": "function_call",
            "call_id": item["call_id"],
            "name": item["name"],
            "arguments": json.loads(item["arguments"]),
        }
    if item.get("type") == "function_call_output":
        return {
            "type": "function_call_output",
            "call_id": item["call_id"],
            "output": item["output"],
        }
    role = "system" if item["role"] in ("system", "developer") else item["role"]
    content = item["content"]
    text = content if isinstance(content, str) else "".join(part["text"] for part in content)
    return {"role": role, "text": text}


def test_parallel_calls_run_with_provider_call_ids_and_turn_two_matches_the_recording(
    recorded_dir: Path,
) -> None:
    turn1, turn2 = (recorded_dir / f"mirascope__parallel-tools-gpt-4o.{i}.sse" for i in (0, 1))
    recorded_request = metadata_for(turn2)["request_body"]
    first_request = metadata_for(turn1)["request_body"]
    secrets = {"mellon": "Welcome to Moria!", "radiance": "Life before Death"}
    seen: list[tuple[str, dict[str, Any]]] = []

    def retrieve(arguments: dict[str, Any], ctx: ToolContext) -> str:
        seen.append((ctx.call_id, arguments))
        return secrets[arguments["password"]]

    schema = first_request["tools"][0]
    tool = Tool(
        name=schema["name"],
        description=schema["description"],
        input_schema=schema["parameters"],
        execute=retrieve,
    )
    request = LLMRequest(
        model="openai/gpt-4o",
        system=first_request["input"][0]["content"],
        messages=[user(first_request["input"][1]["content"])],
        tools=[tool],
    )
    cassette = foreign_cassette(turn1.stem, *(sse_recording(t.read_bytes()) for t in (turn1, turn2)))
    events, sent_requests = replay(cassette, request, max_steps=2)
    sent = [json.loads(r.content) for r in sent_requests]

    check_events(events)
    turn1_calls = [item for item in _final_response(turn1)["output"] if item["type"] == "function_call"]
    assert sorted(seen, key=lambda s: s[0]) == sorted(
        ((item["call_id"], json.loads(item["arguments"])) for item in turn1_calls),
        key=lambda s: s[0],
    )
    assert len(sent) == 2
    assert [_outputs(body) for body in sent] == [0, len(turn1_calls)]
    assert [_structure(item) for item in sent[1]["input"]] == [_structure(item) for item in recorded_request["input"]]
    assert sent[1]["tools"][0]["parameters"] == recorded_request["tools"][0]["parameters"]

    final_text = "".join(
        part["text"]
        for item in _final_response(turn2)["output"]
        if item["type"] == "message"
        for part in item["content"]
    )
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == final_text
    assert [e.reason for e in events if isinstance(e, StepFinish)] == ["tool-calls", "stop"]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert {(r.id, r.result.value) for r in results} == {(c, secrets[a["password"]]) for c, a in seen}
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"
    assert finish.usage is not None
    assert finish.usage.total_tokens == sum(_final_response(t)["usage"]["total_tokens"] for t in (turn1, turn2))


def test_reasoning_with_encrypted_content_goes_back_on_every_follow_up(recorded_dir: Path) -> None:
    parts = [recorded_dir / f"vercel-ai__azure-reasoning-encrypted-content.1.part{i}.sse" for i in range(1, 5)]
    reasoning_item = next(  # as streamed (the terminal event carries a re-encrypted copy)
        p["item"]
        for p in sse_payloads(parts[0].read_text())
        if p["type"] == "response.output_item.done" and p["item"]["type"] == "reasoning"
    )
    seen: list[str] = []

    def calculator(arguments: dict[str, Any], ctx: ToolContext) -> float:
        seen.append(ctx.call_id)
        a, b = arguments["a"], arguments["b"]
        return a + b if arguments["op"] == "add" else a * b

    tool = Tool(
        name="calculator",
        description="Do arithmetic.",
        input_schema={
            "type": "object",
            "properties": {
                "a": {"type": "number"},
                "b": {"type": "number"},
                "op": {"type": "string"},
            },
        },
        execute=calculator,
    )
    request = LLMRequest(
        model="openai/gpt-5",
        messages=[user("Compute ((12 + 7) * 3) * 10 step by step with the calculator.")],
        tools=[tool],
        provider_options={"openai": {"store": False, "includeEncryptedReasoning": True}},
    )
    cassette = foreign_cassette(parts[0].stem, *(sse_recording(p.read_bytes()) for p in parts))
    events, sent_requests = replay(cassette, request, max_steps=4)
    sent = [json.loads(r.content) for r in sent_requests]

    check_events(events)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert (
        seen
        == [c.id for c in calls]
        == [next(i["call_id"] for i in _final_response(p)["output"] if i["type"] == "function_call") for p in parts[:3]]
    )
    assert len(sent) == 4
    assert [_outputs(body) for body in sent] == [0, 1, 2, 3]
    for body in sent[1:]:
        assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]
        reasoning = [item for item in body["input"] if item.get("type") == "reasoning"]
        assert reasoning == [
            {
                "type": "reasoning",
                "id": reasoning_item["id"],
                "summary": [{"type": "summary_text", "text": s["text"]} for s in reasoning_item["summary"]],
                "encrypted_content": reasoning_item["encrypted_content"],
            }
        ]
        kinds = [item.get("type", item.get("role")) for item in body["input"]]
        assert kinds[:4] == ["user", "reasoning", "function_call", "function_call_output"]
    outputs = [item["output"] for item in sent[-1]["input"] if item.get("type") == "function_call_output"]
    assert outputs == ["19", "57", "570"]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "The final result is **570**."
    assert [e.reason for e in events if isinstance(e, StepFinish)] == ["tool-calls"] * 3 + ["stop"]
