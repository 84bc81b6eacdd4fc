"""Every real recorded Responses stream, replayed through ``Runtime.stream`` with native on.

The expectations are read from the recording's own terminal event (``response.completed`` /
``.incomplete`` / ``.failed``), not from the parser: text, client tool calls, hosted tool calls,
reasoning, usage and the finish reason must all agree with what OpenAI said at the end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from turnout.events import (
    Finish,
    ProviderError,
    ReasoningDelta,
    ReasoningEnd,
    Source,
    StepFinish,
    TextDelta,
    ToolCall,
    ToolError,
    ToolResult,
)
from turnout.guard import check_events

from plugins.native_openai.tests.responses_support import (
    RECORDED_STREAMS,
    TEST_KEY,
    replay_body,
    sse_payloads,
)

TERMINAL = ("response.completed", "response.incomplete", "response.failed")
# The names the Responses API reference gives each provider tool item (spec, not parser code).
HOSTED = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "image_generation_call": "image_generation",
    "mcp_call": "mcp",
}
# Tools the API defines and the client runs (the Responses reference): item type → (name, input).
CLIENT_EXECUTED = {
    "local_shell_call": ("local_shell", "action"),
    "shell_call": ("shell", "action"),
    "apply_patch_call": ("apply_patch", "operation"),
    "computer_call": ("computer_use", "action"),
    "tool_search_call": ("tool_search", "arguments"),
}
# Their output items; one in the response means the provider ran the call (a container shell).
OUTPUTS = {"shell_call_output", "local_shell_call_output", "apply_patch_call_output", "tool_search_output"}
APPROVALS = {"mcp_approval_request": "mcp"}


def _runs_on_client(item: dict[str, Any]) -> bool:
    environment = item.get("environment") or {}
    return environment.get("type") in (None, "local") and item.get("execution") != "server"


def _sources(output: list[dict[str, Any]]) -> list[tuple[str | None, str | None, int | None, int | None]]:
    """(url, file id, start, end) of every annotation of the final message items, in order."""
    found = []
    for item in output:
        if item["type"] != "message":
            continue
        for part in item["content"]:
            for note in part.get("annotations") or []:
                start = note.get("start_index", note.get("index"))
                found.append((note.get("url"), note.get("file_id"), start, note.get("end_index")))
    return found


def test_every_recording_is_replayed(recorded_dir: Path) -> None:
    assert RECORDED_STREAMS, f"no .sse files under {recorded_dir}"
    assert sorted(recorded_dir.glob("*.sse")) == RECORDED_STREAMS


def _expected(terminal: dict[str, Any]) -> dict[str, Any]:
    response = terminal["response"]
    output = response.get("output") or []
    text = "".join(
        part.get("text") or part.get("refusal") or ""
        for item in output
        if item["type"] == "message"
        for part in item["content"]
    )
    calls, malformed = [], []
    for item in output:
        if item["type"] == "function_call":
            try:
                calls.append((item["call_id"], item["name"], json.loads(item["arguments"] or "{}")))
            except json.JSONDecodeError:  # e.g. cut off by max_output_tokens
                malformed.append(item["call_id"])
        elif item["type"] in CLIENT_EXECUTED and _runs_on_client(item):
            name, field = CLIENT_EXECUTED[item["type"]]
            calls.append((item["call_id"], name, item[field]))
        elif item["type"] == "custom_tool_call":
            calls.append((item["call_id"], item["name"], {"input": item["input"]}))
    # provider-run calls, each answered by its output item (paired by call id, else in order)
    hosted = [(item["id"], HOSTED[item["type"]]) for item in output if item["type"] in HOSTED]
    provider_calls = []
    for item in output:
        if item["type"] in HOSTED:
            provider_calls.append((item["id"], HOSTED[item["type"]]))
        elif item["type"] in APPROVALS:
            provider_calls.append((item["id"], APPROVALS[item["type"]]))
        elif item["type"] in CLIENT_EXECUTED and not _runs_on_client(item):
            call = (item.get("call_id") or item["id"], CLIENT_EXECUTED[item["type"]][0])
            provider_calls.append(call)
            answered = any(
                other["type"] in OUTPUTS and other.get("call_id") == item.get("call_id") for other in output
            )
            if answered:
                hosted.append(call)
    reasoning = "".join(
        summary["text"]
        for item in output
        if item["type"] == "reasoning"
        for summary in item.get("summary") or []
    )
    encrypted = {
        item["id"]: item.get("encrypted_content") for item in output if item["type"] == "reasoning"
    }
    usage = response.get("usage")
    expected_usage = None
    if usage:
        cached = (usage.get("input_tokens_details") or {}).get("cached_tokens")
        expected_usage = {
            "input_tokens": usage["input_tokens"],
            "cache_read_input_tokens": cached,
            "non_cached_input_tokens": usage["input_tokens"] - (cached or 0),
            "output_tokens": usage["output_tokens"],
            "reasoning_tokens": (usage.get("output_tokens_details") or {}).get("reasoning_tokens"),
            "total_tokens": usage["total_tokens"],
        }
    reason = (response.get("incomplete_details") or {}).get("reason")
    if terminal["type"] == "response.failed":
        finish = "error"
    elif reason == "max_output_tokens":
        finish = "length"
    elif reason == "content_filter":
        finish = "content-filter"
    elif calls or malformed:
        finish = "tool-calls"
    elif any(
        part.get("type") == "refusal" for item in output if item["type"] == "message" for part in item["content"]
    ):
        finish = "content-filter"  # the refusal rule (docs/events.md)
    else:
        finish = "stop"
    return {
        "text": text,
        "calls": calls,
        "malformed": malformed,
        "hosted": hosted,
        "provider_calls": provider_calls,
        "reasoning": reasoning,
        "encrypted": encrypted,
        "usage": expected_usage,
        "finish": finish,
        "response_id": response["id"],
        "failed": terminal["type"] == "response.failed",
        "sources": _sources(output),
    }


DEFECTS: dict[str, str] = {}
"""Recording stem → a known defect owned by another issue (strict xfail: a fix is noticed)."""


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=DEFECTS[path.stem]))
        if path.stem in DEFECTS
        else path
        for path in RECORDED_STREAMS
    ],
    ids=lambda path: path.stem,
)
def test_recorded_stream_matches_its_terminal_event(path: Path) -> None:
    body = path.read_text()
    terminal = next(payload for payload in sse_payloads(body) if payload["type"] in TERMINAL)
    expected = _expected(terminal)

    events, sent = replay_body(body.encode())

    check_events(events)
    assert len(sent) == 1
    assert str(sent[0].url) == "https://api.openai.com/v1/responses"
    assert sent[0].headers["authorization"] == f"Bearer {TEST_KEY}"
    assert json.loads(sent[0].content)["stream"] is True

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == expected["text"]
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == expected["reasoning"]
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.id, c.name, c.input) for c in calls if not c.provider_executed] == expected["calls"]
    hosted_results = {e.id: e for e in events if isinstance(e, ToolResult) and e.provider_executed}
    assert [(c.id, c.name) for c in calls if c.provider_executed] == expected["provider_calls"]
    assert sorted(hosted_results) == sorted(item_id for item_id, _ in expected["hosted"])
    # malformed arguments: the runtime's tool-error for that call (before the step ends; the
    # host loop's tool-errors come after it), never a guessed call (design, invariant 3)
    step_end = next(i for i, e in enumerate(events) if isinstance(e, StepFinish))
    assert [e.id for e in events[:step_end] if isinstance(e, ToolError)] == expected["malformed"]
    # host tools ran (and, with none registered, answered with an error) for every client call
    client_results = [e for e in events if isinstance(e, ToolResult) and not e.provider_executed]
    assert sorted(r.id for r in client_results) == sorted(
        [call_id for call_id, _, _ in expected["calls"]] + expected["malformed"]
    )

    # Every reasoning item closes with its continuation state. OpenAI re-encrypts the blob for
    # the terminal event, so only its presence can be compared with it.
    ends = [e.provider_metadata["openai"] for e in events if isinstance(e, ReasoningEnd)]  # type: ignore[index]
    assert {end["itemId"] for end in ends} == set(expected["encrypted"])
    for end in ends:
        assert bool(end["reasoningEncryptedContent"]) == bool(expected["encrypted"][end["itemId"]])

    (step_finish,) = [e for e in events if isinstance(e, StepFinish)]
    finish = events[-1]
    assert isinstance(finish, Finish)
    assert step_finish.reason == finish.reason == expected["finish"]
    assert step_finish.provider_metadata == {
        "openai": {
            "responseId": expected["response_id"],
            **(
                {"serviceTier": terminal["response"]["service_tier"]}
                if terminal["response"].get("service_tier")
                else {}
            ),
        }
    }
    if expected["usage"] is None:
        assert finish.usage is None
    else:
        assert finish.usage is not None
        got = finish.usage.model_dump(
            exclude={"provider_metadata", "cost", "cache_write_input_tokens"}
        )
        assert got == expected["usage"]
        assert finish.usage.provider_metadata == {"openai": terminal["response"]["usage"]}
    sources = [e for e in events if isinstance(e, Source)]
    assert [(s.url, s.file_id, s.start, s.end) for s in sources] == expected["sources"]
    errors = [e for e in events if isinstance(e, ProviderError)]
    assert len(errors) == (1 if expected["failed"] else 0)
