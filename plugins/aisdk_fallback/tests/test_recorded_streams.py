"""Must-show 1: every recorded Chat Completions and Anthropic Messages stream, replayed to the
fallback through ``turnout.Runtime`` by the testing kit's ``CassetteTransport`` (the SDK clients
use the runtime's HTTP client), passes ``check_events`` and matches what the recording says
(text, client tool calls, usage, finish reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
import turnout
from fallback_recordings import Expected, anthropic_expected, chat_expected
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
