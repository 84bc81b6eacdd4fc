"""Client-executed Responses tools (shell, local shell, apply patch, custom) through the tool loop.

The first turn is a recorded stream (a hand-built one for custom tools, which have no real
recording); a loopback server captures the second request, whose output item is checked
exactly. The expected call items are built from the recording's own ``response.completed``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import turnout_native_openai.plugin as native_plugin
from turnout.events import Finish, LLMEvent, ToolCall, ToolResult
from turnout.guard import check_events
from turnout.request import LLMRequest, ToolCallPart, ToolResultPart, ToolResultValue, assistant, tool_message, user
from turnout.runtime import Runtime
from turnout.tools import Tool, ToolContext
from turnout_native_openai.tools import (
    ApplyPatchOperation,
    ApplyPatchResult,
    LocalShellAction,
    ShellAction,
    ShellCommandOutput,
    apply_patch_tool,
    custom_tool,
    local_shell_tool,
    shell_tool,
)

from plugins.native_openai.tests.responses_support import TEST_KEY, sse_payloads
from testsupport.loopback import serve_sse

TEXT_TURN = "mirascope__text-gpt-4o.0.sse"


def _completed_item(path: Path, item_type: str) -> dict[str, Any]:
    """The one ``item_type`` item of the recording's ``response.completed`` output."""
    final = next(p for p in sse_payloads(path.read_text()) if p["type"] == "response.completed")
    (item,) = [item for item in final["response"]["output"] if item["type"] == item_type]
    return item


def _run(
    bodies: list[bytes], request: LLMRequest, max_steps: int = 2, left_to_caller: tuple[str, ...] = ()
) -> tuple[list[LLMEvent], list[dict[str, Any]]]:
    """Stream ``request`` against a loopback server answering with ``bodies``; the sent JSON bodies."""
    with serve_sse(bodies) as served:
        config = {"provider": {"openai": {"options": {"apiKey": TEST_KEY, "baseURL": f"{served.url}/v1"}}}}

        async def run() -> list[LLMEvent]:
            async with Runtime(native=True, config=config, plugins=[native_plugin], load_entry_points=False) as rt:
                return [event async for event in rt.stream(request, max_steps=max_steps)]

        events = asyncio.run(run())
    check_events(events, left_to_caller=left_to_caller)
    return events, [json.loads(sent["body"]) for sent in served.requests]  # type: ignore[arg-type]


def _second_turn_items(body: dict[str, Any], call_id: str) -> list[dict[str, Any]]:
    return [item for item in body["input"] if item.get("call_id") == call_id]


def test_shell_call_runs_the_host_tool_and_sends_shell_call_output(recorded_dir: Path) -> None:
    first = recorded_dir / "vercel-ai__shell-tool.1.part1.sse"
    item = _completed_item(first, "shell_call")
    seen: list[tuple[ShellAction, str]] = []

    def run(action: ShellAction, ctx: ToolContext) -> list[ShellCommandOutput]:
        seen.append((action, ctx.call_id))
        return [ShellCommandOutput(stdout="notes.txt\n", stderr="", exit_code=0)]

    request = LLMRequest(model="openai/gpt-5.1", messages=[user("list my desktop")], tools=[shell_tool(run)])
    events, bodies = _run(
        [first.read_bytes(), (recorded_dir / "vercel-ai__shell-tool.1.part2.sse").read_bytes()], request
    )

    assert bodies[0]["tools"] == [{"type": "shell"}]
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert (call.id, call.name, call.input, call.provider_executed) == (item["call_id"], "shell", item["action"], None)
    assert [(a.commands, call_id) for a, call_id in seen] == [(item["action"]["commands"], item["call_id"])]
    assert _second_turn_items(bodies[1], item["call_id"]) == [
        {"type": "shell_call", "call_id": item["call_id"], "action": item["action"], "status": "completed"},
        {
            "type": "shell_call_output",
            "call_id": item["call_id"],
            "output": [{"stdout": "notes.txt\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}],
        },
    ]


def test_local_shell_call_sends_local_shell_call_output(recorded_dir: Path) -> None:
    first = recorded_dir / "vercel-ai__local-shell-tool.1.sse"
    item = _completed_item(first, "local_shell_call")

    def run(action: LocalShellAction, ctx: ToolContext) -> str:
        return " ".join(action.command)

    request = LLMRequest(model="openai/gpt-5-codex", messages=[user("ls")], tools=[local_shell_tool(run)])
    _, bodies = _run([first.read_bytes(), (recorded_dir / TEXT_TURN).read_bytes()], request)

    assert bodies[0]["tools"] == [{"type": "local_shell"}]
    assert _second_turn_items(bodies[1], item["call_id"]) == [
        {
            "type": "local_shell_call",
            "call_id": item["call_id"],
            "action": item["action"],
            "status": "completed",
            "id": item["id"],
        },
        {"type": "local_shell_call_output", "call_id": item["call_id"], "output": " ".join(item["action"]["command"])},
    ]


def test_apply_patch_call_sends_apply_patch_call_output(recorded_dir: Path) -> None:
    first = recorded_dir / "vercel-ai__apply-patch-tool.1.sse"
    item = _completed_item(first, "apply_patch_call")
    applied: list[ApplyPatchOperation] = []

    async def apply(operation: ApplyPatchOperation, ctx: ToolContext) -> ApplyPatchResult:
        applied.append(operation)
        return ApplyPatchResult(output=f"created {operation.path}")

    request = LLMRequest(model="openai/gpt-5.1", messages=[user("make a list")], tools=[apply_patch_tool(apply)])
    _, bodies = _run([first.read_bytes(), (recorded_dir / TEXT_TURN).read_bytes()], request)

    operation = item["operation"]
    assert [(o.type, o.path, o.diff) for o in applied] == [(operation["type"], operation["path"], operation["diff"])]
    assert _second_turn_items(bodies[1], item["call_id"]) == [
        {"type": "apply_patch_call", "call_id": item["call_id"], "operation": operation, "status": "completed"},
        {
            "type": "apply_patch_call_output",
            "call_id": item["call_id"],
            "status": "completed",
            "output": f"created {operation['path']}",
        },
    ]


def test_a_failing_patch_is_sent_back_as_failed(recorded_dir: Path) -> None:
    first = recorded_dir / "vercel-ai__apply-patch-tool.1.sse"
    item = _completed_item(first, "apply_patch_call")

    def apply(operation: ApplyPatchOperation, ctx: ToolContext) -> ApplyPatchResult:
        raise PermissionError("read-only file system")

    request = LLMRequest(model="openai/gpt-5.1", messages=[user("make a list")], tools=[apply_patch_tool(apply)])
    _, bodies = _run([first.read_bytes(), (recorded_dir / TEXT_TURN).read_bytes()], request)
    (output,) = [i for i in _second_turn_items(bodies[1], item["call_id"]) if i["type"] == "apply_patch_call_output"]
    assert output == {
        "type": "apply_patch_call_output",
        "call_id": item["call_id"],
        "status": "failed",
        "output": "PermissionError: read-only file system",
    }


def _sse(*payloads: dict[str, Any]) -> bytes:
    return b"".join(f"event: {p['type']}\ndata: {json.dumps(p)}\n\n".encode() for p in payloads)


CUSTOM_ITEM = {
    "id": "ctc_1",
    "type": "custom_tool_call",
    "status": "completed",
    "call_id": "call_custom_1",
    "name": "run_sql",
    "input": "SELECT count(*) FROM orders",
}


def _custom_call_stream() -> bytes:
    response = {"id": "resp_custom", "status": "completed", "output": [CUSTOM_ITEM]}
    added = {**CUSTOM_ITEM, "status": "in_progress", "input": ""}
    return _sse(
        {"type": "response.created", "response": {**response, "status": "in_progress", "output": []}},
        {"type": "response.output_item.added", "output_index": 0, "item": added},
        {"type": "response.custom_tool_call_input.delta", "item_id": "ctc_1", "delta": CUSTOM_ITEM["input"]},
        {"type": "response.output_item.done", "output_index": 0, "item": CUSTOM_ITEM},
        {"type": "response.completed", "response": response},
    )


def test_custom_tool_gets_its_text_and_sends_custom_tool_call_output(recorded_dir: Path) -> None:
    queries: list[str] = []

    def run_sql(query: str, ctx: ToolContext) -> str:
        queries.append(query)
        return "42"

    tool = custom_tool(
        "run_sql", run_sql, description="Run one SQL query", grammar={"syntax": "lark", "definition": "start: /.+/"}
    )
    request = LLMRequest(model="openai/gpt-5.1", messages=[user("how many orders?")], tools=[tool])
    events, bodies = _run([_custom_call_stream(), (recorded_dir / TEXT_TURN).read_bytes()], request)

    assert bodies[0]["tools"] == [
        {
            "type": "custom",
            "name": "run_sql",
            "description": "Run one SQL query",
            "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"},
        }
    ]
    assert queries == [CUSTOM_ITEM["input"]]
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert (result.id, result.result) == ("call_custom_1", ToolResultValue(type="json", value="42"))
    assert _second_turn_items(bodies[1], "call_custom_1") == [
        {"type": "custom_tool_call", "call_id": "call_custom_1", "name": "run_sql", "input": CUSTOM_ITEM["input"]},
        {"type": "custom_tool_call_output", "call_id": "call_custom_1", "output": "42"},
    ]


def test_without_a_handler_the_call_is_left_to_the_caller_who_answers_in_messages(recorded_dir: Path) -> None:
    first = recorded_dir / "vercel-ai__shell-tool.1.part1.sse"
    item = _completed_item(first, "shell_call")
    request = LLMRequest(model="openai/gpt-5.1", messages=[user("list my desktop")], tools=[shell_tool()])

    events, bodies = _run([first.read_bytes()], request, max_steps=3, left_to_caller=(item["call_id"],))
    assert len(bodies) == 1  # nothing to send back: the caller answers
    assert not [e for e in events if isinstance(e, ToolResult)]
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "tool-calls"

    answer = ToolResultPart(
        id=call.id,
        name=call.name,
        result=ToolResultValue(
            type="json", value=[{"stdout": "a\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}]
        ),
    )
    follow_up = request.model_copy(
        update={
            "messages": [
                *request.messages,
                assistant(
                    ToolCallPart(id=call.id, name=call.name, input=call.input, provider_metadata=call.provider_metadata)
                ),
                tool_message(answer),
            ]
        }
    )
    _, bodies = _run([(recorded_dir / "vercel-ai__shell-tool.1.part2.sse").read_bytes()], follow_up, max_steps=1)
    assert _second_turn_items(bodies[0], item["call_id"])[-1] == {
        "type": "shell_call_output",
        "call_id": item["call_id"],
        "output": [{"stdout": "a\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}],
    }


def test_a_function_tool_without_a_handler_still_answers_with_an_error(recorded_dir: Path) -> None:
    """Only provider-defined tools are left to the caller; a plain tool without execute fails."""
    assert not Tool(name="lookup").left_to_caller
    assert shell_tool().left_to_caller and not shell_tool(lambda action, ctx: []).left_to_caller


def _approval_answer(call: ToolCall, approve: bool) -> list[Any]:
    """The messages a host appends to answer an approval request event."""
    asked = ToolCallPart(
        id=call.id,
        name=call.name,
        input=call.input,
        provider_executed=True,
        provider_metadata=call.provider_metadata,
    )
    answer = ToolResultPart(id=call.id, name=call.name, result=ToolResultValue(value={"approve": approve}))
    return [assistant(asked), tool_message(answer)]


def test_mcp_approval_requests_are_answered_with_mcp_approval_response(recorded_dir: Path) -> None:
    """Recorded: turn 1 asks for approval (denied, turn 2 says so), turn 3 asks again (approved)."""
    turns = [recorded_dir / f"vercel-ai__mcp-tool-approval.{i}.sse" for i in (1, 2, 3, 4)]
    request = LLMRequest(model="openai/gpt-5-mini", messages=[user("shorten https://ai-sdk.dev/")])
    for asked_turn, answered_turn, approve in ((turns[0], turns[1], False), (turns[2], turns[3], True)):
        recorded = _completed_item(asked_turn, "mcp_approval_request")
        events, _ = _run([asked_turn.read_bytes()], request, max_steps=1)
        (call,) = [e for e in events if isinstance(e, ToolCall)]
        assert (call.id, call.name, call.provider_executed) == (recorded["id"], "mcp", True)
        assert call.input == {key: recorded[key] for key in ("server_label", "name", "arguments")}
        assert events[-1].type == "finish" and events[-1].reason == "stop"  # type: ignore[union-attr]

        request = request.model_copy(update={"messages": [*request.messages, *_approval_answer(call, approve)]})
        _, bodies = _run([answered_turn.read_bytes()], request, max_steps=1)
        sent = [item for item in bodies[0]["input"] if item.get("type", "").startswith("mcp_approval")]
        assert sent[-2:] == [
            {
                "type": "mcp_approval_request",
                "id": recorded["id"],
                "server_label": recorded["server_label"],
                "name": recorded["name"],
                "arguments": recorded["arguments"],
            },
            {"type": "mcp_approval_response", "approval_request_id": recorded["id"], "approve": approve},
        ]
