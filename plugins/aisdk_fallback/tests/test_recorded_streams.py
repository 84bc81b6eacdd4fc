"""Must-show 1: every recorded Chat Completions and Anthropic Messages stream, replayed to the
fallback through ``turnout.Runtime`` by the testing kit's ``CassetteTransport`` (the SDK clients
use the runtime's HTTP client), passes ``check_events`` and matches what the recording says
(text, client tool calls, usage, finish reason)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import turnout
from fallback_recordings import Expected, anthropic_expected, chat_expected, sse_payloads
from fallback_support import RECORDED_BASE_URL, provider_config, recording, replay_recorded
from turnout.guard import check_events

from testsupport import recorded_files, recorded_path

CHAT = recorded_files("openai-chat", "*.sse")
ANTHROPIC = recorded_files("anthropic-messages", "*.sse")


def test_recordings_are_present() -> None:
    recorded_path("openai-chat")
    recorded_path("anthropic-messages")
    assert CHAT and ANTHROPIC


def _check(events: list[turnout.LLMEvent], runtime: str | None, expected: Expected) -> None:
    check_events(events)
    assert runtime == "aisdk-fallback"
    response = turnout.Response.from_events(events)
    assert response.text == expected.text
    client_calls = [(c.id, c.name, c.input) for c in response.tool_calls if not c.provider_executed]
    assert client_calls == expected.tool_calls
    assert response.finish_reason == expected.reason
    usage = response.usage.model_dump(exclude_none=True, exclude={"provider_metadata"}) if response.usage else None
    if expected.usage is None:
        assert usage is None
    else:
        assert usage is not None
        assert {key: usage.get(key) for key in expected.usage} == expected.usage
        assert usage.get("cost") is None  # no provider-reported cost in these recordings


@pytest.mark.parametrize("path", CHAT, ids=lambda p: p.stem)
def test_chat_completions_stream(path: Path) -> None:
    config = provider_config(RECORDED_BASE_URL, "@ai-sdk/openai-compatible", provider="local")
    request = turnout.LLMRequest(model="local/some-model", messages=[turnout.user("hi")])
    url = f"{RECORDED_BASE_URL}/chat/completions"
    replayed = replay_recorded(config, request, url, recording(path.read_bytes()))
    _check(replayed.events, replayed.runtime, chat_expected(path))
    (sent,) = replayed.sent
    assert str(sent.url) == url
    assert sent.headers["authorization"] == "Bearer test-key"
    body = replayed.sent_json()
    assert body["model"] == "some-model" and body["stream"] is True


@pytest.mark.parametrize("path", ANTHROPIC, ids=lambda p: p.stem)
def test_anthropic_messages_stream(path: Path) -> None:
    config = provider_config(RECORDED_BASE_URL, "@ai-sdk/anthropic", provider="anthropic")
    request = turnout.LLMRequest(model="anthropic/claude-x", messages=[turnout.user("hi")])
    url = f"{RECORDED_BASE_URL}/messages"
    replayed = replay_recorded(config, request, url, recording(path.read_bytes()))
    _check(replayed.events, replayed.runtime, anthropic_expected(path))
    (sent,) = replayed.sent
    assert str(sent.url) == url
    # The key reaches the server (anthropic SDK 2.x sends it as a bearer token).
    assert "test-key" in (
        sent.headers.get("x-api-key"),
        sent.headers.get("authorization", "").removeprefix("Bearer "),
    )
    assert replayed.sent_json()["model"] == "claude-x"


def _features(path: Path) -> set[str]:
    return set(json.loads(path.with_suffix(".json").read_text())["features"])


SERVER_TOOLS = [p for p in ANTHROPIC if _features(p) & {"server_tool_use", "mcp", "citations", "builtin_tool"}]


# Hosted tools the request declares (Tool.provider), and the server tool names they enable.
DECLARED = [
    turnout.Tool(name=name, provider={"anthropic": {"type": kind}})
    for name, kind in (
        ("web_search", "web_search_20250305"),
        ("web_fetch", "web_fetch_20250910"),
        ("code_execution", "code_execution_20250825"),
    )
]
ENABLED = {"web_search", "web_fetch", "code_execution", "bash_code_execution", "text_editor_code_execution"}


def _blocks_in_order(path: Path) -> list[tuple[str, str | None]]:
    """The recording's provider tool calls, results and citations, in content-block order:
    ("call", id) at each ``server_tool_use`` block of a declared tool and each ``mcp_tool_use``
    block, ("result", tool_use_id) at each ``*_tool_result`` block, ("source", url) for each
    citation of a text block."""
    found: list[tuple[str, str | None]] = []
    for event in sse_payloads(path):
        if event.get("type") == "content_block_start":
            block = event["content_block"]
            if (block["type"] == "server_tool_use" and block["name"] in ENABLED) or block["type"] == "mcp_tool_use":
                found.append(("call", block["id"]))
            if block["type"].endswith("_tool_result"):
                found.append(("result", block["tool_use_id"]))
            for citation in block.get("citations") or []:
                found.append(("source", citation.get("url")))
        elif event.get("type") == "content_block_delta" and event["delta"]["type"] == "citations_delta":
            found.append(("source", event["delta"]["citation"].get("url")))
    return found


@pytest.mark.parametrize("path", SERVER_TOOLS, ids=lambda p: p.stem)
def test_anthropic_server_tool_results_and_citations_in_stream_order(path: Path) -> None:
    config = provider_config(RECORDED_BASE_URL, "@ai-sdk/anthropic", provider="anthropic")
    request = turnout.LLMRequest(model="anthropic/claude-x", messages=[turnout.user("hi")], tools=DECLARED)
    replayed = replay_recorded(config, request, f"{RECORDED_BASE_URL}/messages", recording(path.read_bytes()))
    check_events(replayed.events)
    assert [tool["name"] for tool in replayed.sent_json()["tools"]] == [tool.name for tool in DECLARED]
    got: list[tuple[str, str | None]] = []
    for event in replayed.events:
        if isinstance(event, turnout.ToolCall) and event.provider_executed:
            got.append(("call", event.id))
        elif isinstance(event, turnout.ToolResult) and event.provider_executed:
            got.append(("result", event.id))
        elif isinstance(event, turnout.Source):
            got.append(("source", event.url))
    assert got == _blocks_in_order(path)
