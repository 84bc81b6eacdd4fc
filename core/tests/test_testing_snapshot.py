"""Event-stream snapshots: JSONL serialization, normalization, and the ``event_snapshot`` fixture."""

from __future__ import annotations

import json

import pytest
from turnout.events import Finish, StepFinish, StepStart, TextDelta, TextEnd, TextStart, Usage
from turnout.testing.snapshot import event_lines, normalize

pytest_plugins = ["pytester"]

INNER_ARGS = ("-p", "no:hypothesispytest")  # inner sessions need no hypothesis (and start faster)

STREAM = [
    StepStart(),
    TextStart(id="msg_a1", provider_metadata={"openai": {"item_id": "msg_a1", "b": 2, "a": 1}}),
    TextDelta(id="msg_a1", text="Hé"),
    TextEnd(id="msg_a1"),
    StepFinish(reason="stop", usage=Usage(input_tokens=3, output_tokens=1)),
    Finish(reason="stop", usage=Usage(input_tokens=3, output_tokens=1)),
]


def test_one_event_per_line_type_first_keys_sorted_none_left_out() -> None:
    lines = event_lines(STREAM).splitlines()
    assert len(lines) == len(STREAM)
    assert lines[0] == '{"type": "step-start", "index": 0}'
    assert lines[1] == (
        '{"type": "text-start", "id": "msg_a1", "provider_metadata": {"openai": {"a": 1, "b": 2, "item_id": "msg_a1"}}}'
    )
    assert lines[2] == '{"type": "text-delta", "id": "msg_a1", "text": "Hé"}'
    assert json.loads(lines[4]) == {
        "type": "step-finish",
        "index": 0,
        "reason": "stop",
        "usage": {"input_tokens": 3, "output_tokens": 1},
    }
    assert event_lines(STREAM).endswith("}\n")


def test_plain_dicts_and_responses_serialize_like_events() -> None:
    from turnout.response import Response

    assert event_lines([{"text": "x", "type": "text-delta", "id": "t"}]) == event_lines([TextDelta(id="t", text="x")])
    assert event_lines(Response.from_events(STREAM)) == event_lines(STREAM)


def test_anything_else_is_rejected_with_a_hint() -> None:
    with pytest.raises(TypeError, match="pydantic events or dicts, got int"):
        event_lines([1])


def test_normalize_numbers_ids_by_first_appearance_and_applies_patterns() -> None:
    events = [
        TextStart(id="msg_zz"),
        TextDelta(id="msg_zz", text="at 2025-01-02T03:04:05Z"),
        TextStart(id="msg_aa"),
        TextDelta(id="msg_aa", text="x"),
    ]
    text = event_lines(events, matcher=normalize(ids=("id",), patterns={r"\d{4}-\d\d-\d\dT[\d:]+Z": "<time>"}))
    assert [json.loads(line) for line in text.splitlines()] == [
        {"type": "text-start", "id": "id-1"},
        {"type": "text-delta", "id": "id-1", "text": "at <time>"},
        {"type": "text-start", "id": "id-2"},
        {"type": "text-delta", "id": "id-2", "text": "x"},
    ]


SNAPSHOT_TEST = """
from turnout.events import StepStart, TextDelta, TextStart
from turnout.testing import normalize

def test_stream(event_snapshot):
    events = [StepStart(), TextStart(id="{id}"), TextDelta(id="{id}", text="{text}")]
    assert events == event_snapshot(matcher=normalize())
"""


def test_event_snapshot_writes_one_jsonl_file_and_shows_a_line_diff(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_snap=SNAPSHOT_TEST.format(id="msg_1", text="hello"))
    pytester.runpytest(*INNER_ARGS, "--snapshot-update").assert_outcomes(passed=1)
    snapshot = pytester.path / "__snapshots__" / "test_snap" / "test_stream.jsonl"
    assert snapshot.read_text().splitlines() == [
        '{"type": "step-start", "index": 0}',
        '{"type": "text-start", "id": "id-1"}',
        '{"type": "text-delta", "id": "id-1", "text": "hello"}',
    ]

    pytester.makepyfile(test_snap=SNAPSHOT_TEST.format(id="msg_other", text="hello"))
    pytester.runpytest(*INNER_ARGS).assert_outcomes(passed=1)  # a different id is normalized away

    pytester.makepyfile(test_snap=SNAPSHOT_TEST.format(id="msg_1", text="goodbye"))
    result = pytester.runpytest(*INNER_ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*- {"type": "text-delta", "id": "id-1", "text": "hello"}*',
            '*+ {"type": "text-delta", "id": "id-1", "text": "goodbye"}*',
        ]
    )
