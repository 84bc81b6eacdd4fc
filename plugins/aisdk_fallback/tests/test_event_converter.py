"""The event converter on parts that end without their own end event: a part restarted at its
index, and a part the final response does not hold. Their deltas (held, not applied one by one)
must all be on the part that ends."""

from __future__ import annotations

from pydantic_ai import messages as pai
from turnout.events import LLMEvent, TextEnd, ToolCall
from turnout_aisdk_fallback.stream import EventConverter


def _feed(converter: EventConverter, *events: pai.ModelResponseStreamEvent) -> list[LLMEvent]:
    return [out for event in events for out in converter.feed(event)]


def test_a_restarted_tool_call_ends_with_every_argument_delta() -> None:
    converter = EventConverter(api="openai-responses")
    out = _feed(
        converter,
        pai.PartStartEvent(index=0, part=pai.ToolCallPart(tool_name="lookup", args="", tool_call_id="c1")),
        pai.PartDeltaEvent(index=0, delta=pai.ToolCallPartDelta(args_delta='{"q": ')),
        pai.PartDeltaEvent(index=0, delta=pai.ToolCallPartDelta(args_delta='"ab", "n": 2}')),
        pai.PartStartEvent(index=0, part=pai.ToolCallPart(tool_name="lookup", args="{}", tool_call_id="c2")),
    )
    calls = [event for event in out if isinstance(event, ToolCall)]
    assert [(call.id, call.input) for call in calls] == [("c1", {"q": "ab", "n": 2})]


def test_text_deltas_with_and_without_details_all_reach_the_ended_part() -> None:
    converter = EventConverter(api="openai-responses")
    out = _feed(
        converter,
        pai.PartStartEvent(index=0, part=pai.TextPart(content="", provider_name="openai")),
        pai.PartDeltaEvent(index=0, delta=pai.TextPartDelta(content_delta="Hel")),
        pai.PartDeltaEvent(
            index=0,
            delta=pai.TextPartDelta(content_delta="lo", provider_name="openai", provider_details={"a": 1}),
        ),
        pai.PartDeltaEvent(index=0, delta=pai.TextPartDelta(content_delta=" there")),
        pai.PartDeltaEvent(
            index=0,
            delta=pai.TextPartDelta(content_delta="!", provider_name="openai", provider_details={"b": 2}),
        ),
    )
    response = pai.ModelResponse(parts=[], provider_name="openai")  # the response does not hold it
    out += converter.finish(response)
    ends = [event for event in out if isinstance(event, TextEnd)]
    assert [end.provider_metadata for end in ends] == [{"openai": {"providerDetails": {"a": 1, "b": 2}}}]
    held = converter._blocks[0].part
    assert isinstance(held, pai.TextPart) and held.content == "Hello there!"
