"""Every real recorded Messages stream, replayed through ``Runtime.stream`` with native on.

The expectations are read from the recording's own payloads (``recorded_expectations``), not
from the parser: text, thinking and signatures, client tool calls (id, name, parsed input),
server tool calls and results in stream order, citations, usage and the stop reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from turnout.events import (
    Finish,
    ProviderError,
    ReasoningDelta,
    ReasoningEnd,
    Source,
    StepFinish,
    TextDelta,
    TextStart,
    ToolCall,
    ToolError,
    ToolResult,
)
from turnout.guard import check_events

from plugins.native_anthropic.tests.messages_support import (
    MESSAGES_URL,
    RECORDED_STREAMS,
    TEST_KEY,
    foreign_cassette,
    replay,
    sse_payloads,
    sse_recording,
)
from plugins.native_anthropic.tests.recorded_expectations import expected_from


def test_every_recording_is_replayed(recorded_dir: Path) -> None:
    assert RECORDED_STREAMS, f"no .sse files under {recorded_dir}"
    assert sorted(recorded_dir.glob("*.sse")) == RECORDED_STREAMS


@pytest.mark.parametrize("path", RECORDED_STREAMS, ids=lambda path: path.stem)
def test_recorded_stream_matches_its_payloads(path: Path) -> None:
    body = path.read_text()
    expected = expected_from(sse_payloads(body))

    events, sent = replay(foreign_cassette(sse_recording(body)))

    check_events(events)
    (request,) = sent
    assert str(request.url) == MESSAGES_URL
    assert request.headers["x-api-key"] == TEST_KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert json.loads(request.content)["stream"] is True

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == expected.text
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == expected.reasoning
    ends = [(e.provider_metadata or {}).get("anthropic", {}) for e in events if isinstance(e, ReasoningEnd)]
    assert [end["signature"] for end in ends if "signature" in end] == expected.signatures
    assert [end["redactedData"] for end in ends if "redactedData" in end] == expected.redacted

    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.id, c.name, c.input) for c in calls if not c.provider_executed] == expected.calls
    assert [(c.id, c.name, c.input) for c in calls if c.provider_executed] == expected.server_calls
    server_results = [e for e in events if isinstance(e, ToolResult) and e.provider_executed]
    assert [
        (r.id, (r.provider_metadata or {})["anthropic"]["blockType"], r.result.value, r.result.type == "error")
        for r in server_results
    ] == expected.server_results
    provider_order = [
        ("call" if isinstance(e, ToolCall) else "result", e.id)
        for e in events
        if isinstance(e, ToolCall | ToolResult) and e.provider_executed
    ]
    assert provider_order == expected.provider_order
    step_end = next(i for i, e in enumerate(events) if isinstance(e, StepFinish))
    assert [e.id for e in events[:step_end] if isinstance(e, ToolError)] == expected.malformed

    text_blocks = [e.id for e in events if isinstance(e, TextStart)]
    sources = [e for e in events if isinstance(e, Source)]
    assert [(text_blocks.index(e.text_id), (e.provider_metadata or {})["anthropic"]) for e in sources] == (
        expected.citations
    )
    for source, (_, citation) in zip(sources, expected.citations, strict=True):
        assert (source.kind, source.url, source.title, source.cited_text) == (
            "url" if "url" in citation else "file",
            citation.get("url"),
            citation.get("title") or citation.get("document_title"),
            citation.get("cited_text"),
        )

    (step_finish,) = [e for e in events if isinstance(e, StepFinish)]
    finish = events[-1]
    assert isinstance(finish, Finish)
    assert step_finish.reason == finish.reason == expected.finish
    assert bool(step_finish.paused) == (expected.stop_reason == "pause_turn")
    assert step_finish.provider_metadata is not None
    assert step_finish.provider_metadata["anthropic"]["messageId"] == expected.message_id
    assert step_finish.provider_metadata["anthropic"].get("stopReason") == expected.stop_reason
    assert finish.usage is not None and expected.usage is not None
    assert finish.usage.model_dump(exclude={"provider_metadata", "cost"}) == expected.usage
    assert finish.usage.provider_metadata == {"anthropic": expected.raw_usage}
    assert len([e for e in events if isinstance(e, ProviderError)]) == expected.errors
