"""The native Anthropic runtime through the testing kit: a committed cassette and an event snapshot.

``turnout_runtime`` is a full ``turnout.Runtime`` (native on, this plugin only) whose network
transport is the test's cassette (``cassettes/<test name>.json``). Replay (the default, and CI)
starts no server and touches no network. To record again::

    pytest plugins/native_anthropic/tests/test_kit_recordings.py --turnout-record

which serves a real recorded Messages stream (``tests/recorded``) from a loopback server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import turnout
import turnout_native_anthropic.plugin as native_plugin
from turnout.events import StepFinish, TextDelta
from turnout.guard import check_events
from turnout.testing import CassetteTransport, Redactor

from plugins.native_anthropic.tests.messages_support import sse_payloads
from testsupport import recorded_path
from testsupport.loopback import serve_sse

REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
"""The base URL while replaying: nothing listens there, and replay never touches the network."""

API_KEY = "sk-ant-kit-fixture"
TEXT_RECORDING = "vercel-ai__text.sse"
HELLO = turnout.LLMRequest(model="anthropic/claude-fake", messages=[turnout.user("Say hello.")])


@pytest.fixture
def anthropic_base_url(turnout_record_mode: str) -> Iterator[str]:
    """Replay: an address nobody listens on. Record (or auto): a loopback server with the recording."""
    if turnout_record_mode == "replay":
        yield REPLAY_BASE_URL
        return
    with serve_sse([recorded_path("anthropic-messages", TEXT_RECORDING).read_bytes()]) as served:
        yield f"{served.url}/v1"


@pytest.fixture
def turnout_redactor() -> Redactor:
    """The defaults (no credentials kept), with the loopback port made stable."""
    return Redactor(url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://anthropic.test")])


@pytest.fixture
def turnout_runtime_options(anthropic_base_url: str) -> dict[str, Any]:
    """Native on, this plugin only, the ``anthropic`` provider pointed at the loopback server."""
    return {
        "native": True,
        "config": {"provider": {"anthropic": {"options": {"apiKey": API_KEY, "baseURL": anthropic_base_url}}}},
        "plugins": [native_plugin],
        "load_entry_points": False,
    }


def test_text_stream(
    turnout_runtime: turnout.Runtime, turnout_cassette: CassetteTransport, event_snapshot: Any
) -> None:
    assert turnout_runtime.select(HELLO).runtime == "native-anthropic"

    async def run() -> list[turnout.LLMEvent]:
        return [event async for event in turnout_runtime.stream(HELLO)]

    events = asyncio.run(run())

    check_events(events)
    payloads = sse_payloads(recorded_path("anthropic-messages", TEXT_RECORDING).read_text())
    recorded_text = "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == recorded_text
    assert [e.reason for e in events if isinstance(e, StepFinish)] == ["stop"]
    body = json.loads(turnout_cassette.cassette.interactions[0].request.body)
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Say hello.", "cache_control": {"type": "ephemeral"}}]}
    ]
    assert API_KEY not in turnout_cassette.cassette.to_json()
    assert events == event_snapshot
