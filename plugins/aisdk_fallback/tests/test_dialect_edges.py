"""Dialect details no recording shows: ``<think>`` tags in the text, unknown finish reasons, and
OpenRouter's in-stream error chunk, each served by a loopback server in the provider's own shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
import turnout
from fallback_support import loopback_server, provider_config, run_fallback, sse
from turnout.guard import check_events


def _replay(body: bytes, provider: str, package: str, model: str = "m") -> turnout.Response:
    with loopback_server() as server:
        server.serve(body)
        config = provider_config(server.base_url, package, provider=provider)
        request = turnout.LLMRequest(model=f"{provider}/{model}", messages=[turnout.user("hi")])
        events, runtime = run_fallback(config, request)
    assert runtime == "aisdk-fallback"
    check_events(events)
    return turnout.Response.from_events(events)


def _chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice]}


@pytest.mark.parametrize(("provider", "package"), [("groq", "@ai-sdk/groq"), ("local", "@ai-sdk/openai-compatible")])
def test_think_tags_in_the_text_become_reasoning(provider: str, package: str) -> None:
    # Groq's `reasoning_format: raw` and self-hosted reasoning models put the reasoning in the
    # content between <think> tags, split anywhere across chunks.
    parts = ["<thi", "nk>First, ", "the plan.</th", "ink>", "The answer", " is 4."]
    body = sse(*[_chunk(p) for p in parts], _chunk(finish="stop"), named=False, done=True)
    response = _replay(body, provider, package)
    assert response.reasoning == "First, the plan."
    assert response.text == "The answer is 4."
    assert response.finish_reason == "stop"


def test_an_unknown_chat_finish_reason_is_unknown() -> None:
    body = sse(_chunk("Hi"), _chunk(finish="eos_token"), named=False, done=True)
    response = _replay(body, "local", "@ai-sdk/openai-compatible")
    assert (response.text, response.finish_reason) == ("Hi", "unknown")


@pytest.mark.filterwarnings("ignore:SOMETHING_NEW is not a valid FinishReason:UserWarning")  # google-genai's
def test_an_unknown_gemini_finish_reason_is_unknown() -> None:
    chunk = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}, "finishReason": "SOMETHING_NEW"}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1, "totalTokenCount": 4},
        "modelVersion": "gemini-x",
        "responseId": "r1",
    }
    body = f"data: {json.dumps(chunk)}\r\n\r\n".encode()
    response = _replay(body, "google", "@ai-sdk/google", "gemini-x")
    assert (response.text, response.finish_reason) == ("Hi", "unknown")


def test_an_openrouter_error_chunk_is_a_provider_error() -> None:
    error = {
        "id": "gen-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "openai/gpt-4o",
        "error": {"code": 502, "message": "Upstream provider returned an error"},
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
    }
    body = sse(_chunk("Partial"), error, named=False, done=True)
    response = _replay(body, "openrouter", "@openrouter/ai-sdk-provider", "openai/gpt-4o")
    assert response.text == "Partial"
    (reported,) = response.errors
    assert "Upstream provider returned an error" in reported.message
    assert response.finish_reason == "error"
