"""Must-show: every recorded Gemini stream and every provider Chat Completions stream, served to
the fallback by a loopback HTTP server with each provider's own package configured, passes the
design's invariants and says what the recording's payloads say (``provider_expectations``).

``openai-chat/`` is replayed the same way by ``test_recorded_streams.py``. What a provider
reports that turnout has no event for yet (citations, grounding, server-side tools: the
tool-semantics issue) is listed by name per recording in ``NOT_REPRESENTED`` and checked
against what the recording contains, so neither side can drift silently.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import turnout
from fallback_recordings import sse_payloads
from fallback_support import loopback_server, provider_config, run_fallback
from provider_expectations import (
    ANNOTATIONS,
    CITATIONS,
    GROUNDING,
    SERVER_TOOLS,
    ProviderExpected,
    chat_dialect_expected,
    gemini_expected,
)
from turnout.guard import check_events

from testsupport import RECORDED_DIR, recorded_files, recorded_path
from testsupport.loopback import serve_sse

PACKAGES = {
    "mistral-chat": ("mistral", "@ai-sdk/mistral"),
    "groq-chat": ("groq", "@ai-sdk/groq"),
    "openrouter-chat": ("openrouter", "@openrouter/ai-sdk-provider"),
    "deepseek-chat": ("deepseek", "@ai-sdk/deepseek"),
    "xai-chat": ("xai", "@ai-sdk/xai"),
    "perplexity-chat": ("perplexity", "@ai-sdk/perplexity"),
    "cerebras-chat": ("cerebras", "@ai-sdk/cerebras"),
    "alibaba-chat": ("alibaba", "@ai-sdk/alibaba"),
    "zai-chat": ("zai", "@ai-sdk/openai-compatible"),  # Z.ai has no AI SDK package of its own
}
"""Recording directory → (provider id, the package its users configure)."""

CHAT_DIRS = sorted(p.name for p in RECORDED_DIR.glob("*-chat") if p.name != "openai-chat")
CHAT = [path for directory in CHAT_DIRS for path in recorded_files(directory, "*.sse")]
GEMINI = recorded_files("google-gemini", "*.sse")


def test_every_chat_directory_has_a_package() -> None:
    assert sorted(PACKAGES) == CHAT_DIRS
    assert len(GEMINI) >= 40 and len(CHAT) >= 35


def _meta(path: Path) -> dict[str, Any]:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _replay(path: Path, provider: str, package: str, model: str) -> tuple[list[turnout.LLMEvent], Any]:
    with loopback_server() as server:
        server.serve(path.read_bytes())
        config = provider_config(server.base_url, package, provider=provider)
        request = turnout.LLMRequest(model=f"{provider}/{model}", messages=[turnout.user("hi")])
        events, runtime = run_fallback(config, request)
    assert runtime == "aisdk-fallback"
    (sent,) = server.requests
    return events, sent


def _check(events: list[turnout.LLMEvent], expected: ProviderExpected) -> None:
    check_events(events)
    response = turnout.Response.from_events(events)
    assert response.text == expected.text
    assert response.reasoning == expected.reasoning
    calls = [(c.id, c.name, c.input) for c in response.tool_calls if not c.provider_executed]
    assert [(name, args) for _, name, args in calls] == [(name, args) for _, name, args in expected.tool_calls]
    for (got_id, _, _), (want_id, _, _) in zip(calls, expected.tool_calls, strict=True):
        if want_id is not None:  # the provider's own id is kept
            assert got_id == want_id
    assert len({call_id for call_id, _, _ in calls}) == len(calls)
    assert len(response.errors) == len(expected.errors)
    for error, message in zip(response.errors, expected.errors, strict=True):
        assert message in error.message
    assert response.finish_reason == expected.reason
    # Signatures and encrypted reasoning travel on the events, for the next request.
    carried = json.dumps([e.provider_metadata for e in events if e.provider_metadata])
    for state in expected.continuation:
        assert state in carried
    usage = response.usage.model_dump(exclude={"provider_metadata"}) if response.usage else None
    if expected.usage is None:
        assert usage is None
    else:
        assert usage is not None
        assert {key: usage[key] for key in expected.usage} == expected.usage


@pytest.mark.parametrize("path", CHAT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_chat_dialect_stream(path: Path) -> None:
    provider, package = PACKAGES[path.parent.name]
    events, sent = _replay(path, provider, package, _meta(path)["model"])
    assert sent.path.endswith("/chat/completions")
    assert sent.headers["authorization"] == "Bearer test-key"
    assert sent.body["stream"] is True
    expected = chat_dialect_expected(path)
    _check(events, expected)
    assert NOT_REPRESENTED.get(f"{path.parent.name}/{path.stem}", []) == expected.not_represented


@pytest.mark.parametrize("path", GEMINI, ids=lambda p: p.stem)
def test_gemini_stream(path: Path) -> None:
    meta = _meta(path)
    vertex = meta["provider"] == "google-vertex"
    provider, package = ("google-vertex", "@ai-sdk/google-vertex") if vertex else ("google", "@ai-sdk/google")
    events, sent = _replay(path, provider, package, meta["model"])
    assert sent.path.endswith(f"/models/{meta['model']}:streamGenerateContent?alt=sse")
    assert sent.headers["x-goog-api-key"] == "test-key"
    expected = gemini_expected(path)
    _check(events, expected)
    assert NOT_REPRESENTED.get(f"{path.parent.name}/{path.stem}", []) == expected.not_represented


NOT_REPRESENTED: dict[str, list[str]] = {
    "openrouter-chat/pydantic-ai__openrouter-web-search-annotations-stream.0": [ANNOTATIONS],
    "perplexity-chat/vercel-ai__citations": [CITATIONS],
    "perplexity-chat/vercel-ai__text": [CITATIONS],
    "google-gemini/mirascope__web-search-tool-stream-google-gemini-2-5-flash.0": [GROUNDING],
    "google-gemini/mirascope__web-search-tool-stream-google-gemini-2-5-flash.1": [GROUNDING],
    "google-gemini/openinference__instrumentation-validate-token-counts-stream.0": [SERVER_TOOLS],
    "google-gemini/pydantic-ai__google-model-file-search-tool-stream.3": [SERVER_TOOLS, GROUNDING],
    "google-gemini/pydantic-ai__google-model-web-fetch-tool-stream.0": [GROUNDING],
    "google-gemini/pydantic-ai__google-model-web-search-tool-stream.0": [GROUNDING],
    "google-gemini/pydantic-ai__structured-output-native-output-with-builtin-tools-stream.0": [
        SERVER_TOOLS,
        GROUNDING,
    ],
}
"""``<directory>/<stem>`` → what the recording reports that turnout does not represent yet, by name."""


def test_gemini_streamed_call_runs_and_goes_back_with_its_thought_signature() -> None:
    """A tool loop on a recording whose two calls stream their arguments: the host tool runs on
    the assembled input, and the next request carries each call back with its signature."""
    first = recorded_path("google-gemini", "vercel-ai__stream-tool-call-arguments.sse")
    second = recorded_path("google-gemini", "vercel-ai__text.sse")
    expected = gemini_expected(first)
    seen: list[str] = []

    def getWeather(location: str) -> str:  # the recorded tool name
        """The weather at a location."""
        seen.append(location)
        return f"sunny in {location}"

    with serve_sse([first.read_bytes(), second.read_bytes()]) as served:
        config = provider_config(f"{served.url}/v1beta", "@ai-sdk/google", provider="google")
        request = turnout.LLMRequest(
            model="google/gemini-3.1-pro-preview", messages=[turnout.user("weather?")], tools=[getWeather]
        )
        events, _ = run_fallback(config, request, max_steps=2)
    check_events(events)
    assert seen == [args["location"] for _, _, args in expected.tool_calls]
    assert turnout.Response.from_events(events).text == gemini_expected(second).text
    sent = json.loads(served.requests[1]["body"])  # type: ignore[arg-type]
    model_turn = next(content for content in sent["contents"] if content["role"] == "model")
    calls = [part for part in model_turn["parts"] if "functionCall" in part]
    assert [(c["functionCall"]["name"], c["functionCall"]["args"]) for c in calls] == [
        (name, args) for _, name, args in expected.tool_calls
    ]
    # The same bytes (google-genai writes base64 URL-safe; proto JSON reads either alphabet).
    assert _b64(calls[0]["thoughtSignature"]) == _b64(expected.continuation[0])


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_"))


GROUNDED = [path for path in GEMINI if "grounding" in _meta(path)["features"]]


def _grounding_sources(path: Path) -> list[tuple[str, str | None]]:
    """The recording's grounding: each support's chunks, in order (Gemini's own metadata), as
    (``url``, the page) for a web chunk, (``file``, None) for a retrieved document."""
    urls: list[tuple[str, str | None]] = []
    for chunk in sse_payloads(path):
        for candidate in chunk.get("candidates") or []:
            grounding = candidate.get("groundingMetadata") or {}
            chunks = grounding.get("groundingChunks") or []
            for support in grounding.get("groundingSupports") or []:
                for i in support.get("groundingChunkIndices") or []:
                    web = chunks[i].get("web")
                    urls.append(("url", web.get("uri")) if web else ("file", None))
    return urls


@pytest.mark.parametrize("path", GROUNDED, ids=lambda p: p.stem)
def test_gemini_grounding_becomes_sources_in_order(path: Path) -> None:
    meta = _meta(path)
    vertex = meta["provider"] == "google-vertex"
    provider, package = ("google-vertex", "@ai-sdk/google-vertex") if vertex else ("google", "@ai-sdk/google")
    events, _ = _replay(path, provider, package, meta["model"])
    sources = [e for e in events if isinstance(e, turnout.Source)]
    assert [(s.kind, s.url) for s in sources] == _grounding_sources(path)
