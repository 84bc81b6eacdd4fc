"""Parity with the fallback (``aisdk-fallback``, pydantic-ai) on every recorded Messages stream.

The same recording is replayed twice through ``turnout.Runtime`` with both plugins installed: with
the native flag on (``native-anthropic`` is chosen) and off (the fallback is chosen). Text,
reasoning, client tool calls (id, name, input), provider-executed calls and results, sources, usage
and finish reason must be equal. Each difference that remains is listed in ``DIFFERENCES`` with its
reason; those recordings still run, and the test checks that exactly the listed aspects differ
(so a fixed difference is noticed and the list shrinks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import turnout
from turnout.events import Source
from turnout.guard import check_events
from turnout_aisdk_fallback import plugin as fallback_plugin
from turnout_native_anthropic import plugin as native_plugin

from plugins.native_anthropic.tests.messages_support import RECORDED_STREAMS, foreign_cassette, replay, sse_recording

BASE_URL = "http://provider.test/v1"
CONFIG = {"provider": {"anthropic": {"options": {"apiKey": "test-key", "baseURL": BASE_URL}}}}
PLUGINS = (native_plugin, fallback_plugin)

SERVER_TOOLS = (
    "pydantic-ai reports a server_tool_use block only for a server tool the request declared "
    "(Tool.provider; this replay declares none), so the fallback emits no provider-executed "
    "tool-call for most of them (web search, web fetch, tool search, advisor), and renames the ones "
    "it reports ('code_execution' for bash/text-editor code execution, 'tool_search' for "
    "tool_search_tool_bm25/regex, 'mcp_server:<server>' for MCP). The native runtime reports every "
    "server_tool_use / mcp_tool_use block as a provider-executed call and every *_tool_result block "
    "as its result, in stream order, named as Anthropic names them (the names it must send back)"
)
ZERO_THINKING_TOKENS = (
    "the recording reports output_tokens_details.thinking_tokens = 0: the native runtime keeps the "
    "reported 0 as reasoning_tokens, pydantic-ai leaves a zero detail out (None)"
)

_CALLS_AND_SOURCES = (
    "mirascope__anthropic-streams-with-web-search-tool.1",
    "mirascope__web-search-sonnet-4.0",
    "mirascope__web-search-tool-stream-anthropic-beta-claude-sonnet-4-0.0",
    "mirascope__web-search-tool-stream-anthropic-beta-claude-sonnet-4-0.1",
    "pydantic-ai__anthropic-model-web-search-tool-stream.0",
    "pydantic-ai__anthropic-text-parts-ahead-of-built-in-tool-call.1",
    "pydantic-ai__anthropic-text-parts-ahead-of-built-in-tool-call.2",
    "pydantic-ai__anthropic-text-parts-ahead-of-built-in-tool-call.3",
    "vercel-ai__web-search-tool.1",
)
_CALLS_ONLY = (
    "pydantic-ai__pause-turn-web-search.0",
    "vercel-ai__advisor-20250301.1",
    "vercel-ai__tool-search-deferred-bm25.part1",
    "vercel-ai__web-fetch-tool-20260209.1",
    "vercel-ai__web-fetch-tool.1",
)
_CALLS_AND_RESULTS = (
    "pydantic-ai__anthropic-code-execution-tool-stream.0",
    "pydantic-ai__anthropic-text-editor-code-execution-tool-stream.0",
    "pydantic-ai__mcp-servers.0",
    "pydantic-ai__tool-search-anthropic-native-tool-search-streaming.0",
    "vercel-ai__code-execution-20250825.2",
    "vercel-ai__code-execution-20250825.pptx-skill",
    "vercel-ai__tool-search-regex.1.part1",
)

DIFFERENCES: dict[str, dict[str, str]] = {
    **{stem: {"server_calls": SERVER_TOOLS} for stem in _CALLS_AND_SOURCES},  # sources agree
    **{stem: {"server_calls": SERVER_TOOLS} for stem in _CALLS_ONLY},
    **{stem: {"server_calls": SERVER_TOOLS, "server_results": SERVER_TOOLS} for stem in _CALLS_AND_RESULTS},
    "vercel-ai__code-execution-20260120-prompt-cache.1": {
        "server_calls": SERVER_TOOLS,
        "server_results": SERVER_TOOLS,
        "usage": ZERO_THINKING_TOKENS,
    },
}
"""Recording stem → {aspect: why it differs}. Every other recording agrees on every aspect."""


def _outcome(events: list[turnout.LLMEvent]) -> dict[str, Any]:
    check_events(events)
    response = turnout.Response.from_events(events)
    usage = response.usage.model_dump(exclude_none=True, exclude={"provider_metadata"}) if response.usage else None
    return {
        "text": response.text,
        "reasoning": response.reasoning,
        "tool_calls": [(c.id, c.name, c.input) for c in response.tool_calls if not c.provider_executed],
        "server_calls": [(c.id, c.name, c.input) for c in response.tool_calls if c.provider_executed],
        "server_results": [(r.id, r.name, r.result.type) for r in response.tool_results if r.provider_executed],
        "sources": [(e.kind, e.url, e.cited_text) for e in events if isinstance(e, Source)],
        "usage": usage,
        "reason": response.finish_reason,
        "errors": [e.message for e in response.errors],
    }


def _run(body: bytes, native: bool) -> dict[str, Any]:
    request = turnout.LLMRequest(model="anthropic/claude-sonnet-4-5", messages=[turnout.user("hi")])
    cassette = foreign_cassette(sse_recording(body), url=f"{BASE_URL}/messages")
    events, _ = replay(cassette, request, config=CONFIG, plugins=PLUGINS, native=native)
    return _outcome(events)


@pytest.mark.parametrize("path", RECORDED_STREAMS, ids=lambda p: p.stem)
def test_fallback_matches_native(path: Path) -> None:
    body = path.read_bytes()
    native, fallback = _run(body, native=True), _run(body, native=False)
    differing = sorted(key for key in native if native[key] != fallback[key])
    assert differing == sorted(DIFFERENCES.get(path.stem, {})), {key: (native[key], fallback[key]) for key in differing}
