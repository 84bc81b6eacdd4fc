"""Events are frozen values: built without validation, validated at the edges, dumped as stable JSON."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle

import pydantic
import pytest
import turnout
from turnout import (
    Finish,
    LLMEvent,
    ReasoningDelta,
    Source,
    StepFinish,
    TextDelta,
    ToolCall,
    ToolInputDelta,
    ToolResult,
    ToolResultValue,
    Usage,
)
from turnout.events import EVENT_ADAPTER

ADAPTER: pydantic.TypeAdapter[LLMEvent] = pydantic.TypeAdapter(turnout.LLMEvent)


def test_an_event_cannot_be_changed() -> None:
    event = TextDelta(id="t", text="x")
    with pytest.raises(dataclasses.FrozenInstanceError, match="TextDelta is frozen"):
        event.id = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del event.text  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.extra = 1  # type: ignore[attr-defined]
    assert (event.id, event.text) == ("t", "x")


def test_usage_on_an_event_cannot_be_changed_either() -> None:
    usage = Usage(input_tokens=1)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        usage.input_tokens = 2  # type: ignore[misc]


def test_model_copy_returns_a_changed_copy() -> None:
    event = TextDelta(id="t", text="x", provider_metadata={"openai": {"itemId": "msg_1"}})
    changed = event.model_copy(update={"id": "t#1"})
    assert (changed.id, changed.text, changed.provider_metadata) == ("t#1", "x", {"openai": {"itemId": "msg_1"}})
    assert event.id == "t" and type(changed) is TextDelta


def test_events_take_keyword_arguments_and_name_what_is_missing() -> None:
    with pytest.raises(TypeError, match=r"TextDelta\(\) missing 1 required keyword-only argument: 'text'"):
        TextDelta(id="t")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        TextDelta("t", "x")  # type: ignore[misc]


def test_json_has_type_first_and_leaves_none_out() -> None:
    usage = Usage(input_tokens=3, output_tokens=2, total_tokens=5)
    event = StepFinish(index=1, reason="stop", usage=usage)
    dumped = event.model_dump(mode="json", exclude_none=True)
    assert list(dumped) == ["type", "index", "reason", "usage"]
    assert dumped == {
        "type": "step-finish",
        "index": 1,
        "reason": "stop",
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    }
    assert json.loads(event.model_dump_json(exclude_none=True)) == dumped
    assert list(TextDelta(id="t", text="x").model_dump()) == ["type", "id", "text", "provider_metadata"]


def test_nested_values_dump_as_json() -> None:
    event = ToolResult(id="c", name="f", result=ToolResultValue(type="json", value={"temp": 21.5}))
    assert event.model_dump(mode="json", exclude_none=True) == {
        "type": "tool-result",
        "id": "c",
        "name": "f",
        "result": {"type": "json", "value": {"temp": 21.5}},
    }


@pytest.mark.parametrize(
    "data",
    [
        {"type": "text-delta", "id": "t", "text": "x"},
        {"type": "reasoning-delta", "id": "r", "text": "think", "provider_metadata": {"openai": {"itemId": "rs_1"}}},
        {"type": "tool-input-delta", "id": "c", "name": "f", "text": '{"a"'},
        {"type": "tool-call", "id": "c", "name": "f", "input": {"a": [1, 2]}},
        {"type": "finish", "reason": "stop", "usage": {"input_tokens": 1, "output_tokens": 2}},
        {
            "type": "source",
            "id": "s1",
            "kind": "url",
            "url": "https://example.com",
            "text_id": "t",
            "start": 0,
            "end": 4,
        },
    ],
    ids=lambda data: data["type"],
)
def test_foreign_events_validate_through_the_union_and_dump_back_unchanged(data: dict[str, object]) -> None:
    event = ADAPTER.validate_python(data)
    assert event.type == data["type"]
    assert event.model_dump(mode="json", exclude_none=True) == data
    assert EVENT_ADAPTER.validate_json(json.dumps(data)) == event
    assert type(event).model_validate(data) == event


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"type": "text-delta", "id": "t"}, "text"),
        ({"type": "text-delta", "id": "t", "text": 5}, "text"),
        ({"type": "no-such-event"}, "no-such-event"),
        ({"type": "source", "id": "s", "kind": "web"}, "kind"),
    ],
)
def test_invalid_foreign_events_are_refused_with_the_field_named(data: dict[str, object], problem: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=problem):
        ADAPTER.validate_python(data)


def test_events_compare_copy_and_pickle_by_value() -> None:
    event = ToolCall(id="c", name="f", input={"x": [1]}, provider_metadata={"openai": {"itemId": "fc_1"}})
    assert event == ToolCall(id="c", name="f", input={"x": [1]}, provider_metadata={"openai": {"itemId": "fc_1"}})
    assert event != ToolCall(id="c", name="g", input={"x": [1]})
    assert TextDelta(id="a", text="x") != ReasoningDelta(id="a", text="x")
    for copied in (copy.copy(event), copy.deepcopy(event), pickle.loads(pickle.dumps(event))):
        assert copied == event and type(copied) is ToolCall


def test_a_source_carries_its_citation() -> None:
    source = Source(id="s1", kind="file", file_id="file_9", title="report.pdf", media_type="application/pdf")
    assert source.model_dump(mode="json", exclude_none=True) == {
        "type": "source",
        "id": "s1",
        "kind": "file",
        "file_id": "file_9",
        "title": "report.pdf",
        "media_type": "application/pdf",
    }
    assert "Source" in turnout.__all__ and turnout.Source is Source


def test_a_response_keeps_the_events_it_collects() -> None:
    events: list[LLMEvent] = [
        TextDelta(id="t", text="a"),
        ToolInputDelta(id="c", name="f", text="{}"),
        Finish(reason="stop", usage=Usage(input_tokens=1)),
    ]
    response = turnout.Response.from_events(events)
    assert response.events == events and response.events[0] is events[0]
    assert response.text == "a" and response.usage == Usage(input_tokens=1)
