"""The event invariants (DESIGN §3): the live guard fills what is safe and rejects the rest;
``check_events`` rejects every broken stream with the event index and the rule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
from turnout import (
    Finish,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    Source,
    StepFinish,
    StepStart,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolInputDelta,
    ToolInputEnd,
    ToolInputStart,
    ToolResult,
    ToolResultValue,
    Usage,
)
from turnout.errors import PluginError
from turnout.guard import EventProtocolError, StreamGuard, check_events


async def _aiter(events: Sequence[LLMEvent]) -> AsyncIterator[LLMEvent]:
    for event in events:
        yield event


def guarded(*steps: Sequence[LLMEvent]) -> list[LLMEvent]:
    """Run each step through one guard and append its finish."""

    async def run() -> list[LLMEvent]:
        guard = StreamGuard()
        out: list[LLMEvent] = []
        for step in steps:
            out += [event async for event in guard.step(_aiter(step), "fake")]
        out.append(guard.finish())
        return out

    return asyncio.run(run())


def types(events: Sequence[LLMEvent]) -> list[str]:
    return [event.type for event in events]


USAGE = Usage(input_tokens=10, output_tokens=4, total_tokens=14)
OK = [
    StepStart(index=0),
    TextStart(id="a"),
    TextDelta(id="a", text="hi"),
    TextEnd(id="a"),
    StepFinish(index=0, reason="stop", usage=USAGE),
    Finish(reason="stop", usage=USAGE),
]


def test_a_well_formed_stream_passes() -> None:
    check_events(OK)


# -- rule 1 -----------------------------------------------------------------------------------


def test_guard_fills_a_missing_step_start_and_numbers_steps() -> None:
    events = guarded(
        [TextDelta(id="a", text="x"), StepFinish(reason="stop")],
        [TextDelta(id="b", text="y"), StepFinish(reason="stop")],
    )
    assert types(events)[:2] == ["step-start", "text-start"]
    assert [e.index for e in events if isinstance(e, StepStart | StepFinish)] == [0, 0, 1, 1]
    check_events(events)


def test_guard_rejects_a_stream_that_ends_without_step_finish() -> None:
    with pytest.raises(PluginError, match="rule 1") as info:
        guarded([TextDelta(id="a", text="x")])
    assert "plugin 'fake'" in str(info.value)


def test_guard_rejects_content_after_step_finish() -> None:
    with pytest.raises(PluginError, match="after step-finish"):
        guarded([StepFinish(reason="stop"), TextDelta(id="a", text="late")])


def test_check_rejects_content_before_step_start() -> None:
    with pytest.raises(EventProtocolError, match="rule 1") as info:
        check_events([TextStart(id="a"), *OK[1:]])
    assert info.value.index == 0


def test_check_rejects_wrong_step_indices() -> None:
    broken = [StepStart(index=1), *OK[1:4], StepFinish(index=1, reason="stop", usage=USAGE), OK[-1]]
    with pytest.raises(EventProtocolError, match="step index 1, expected 0"):
        check_events(broken)


# -- rule 2 -----------------------------------------------------------------------------------


def test_guard_opens_blocks_before_first_delta_and_closes_them_before_step_finish() -> None:
    events = guarded([ReasoningDelta(id="r", text="think"), TextDelta(id="a", text="x"), StepFinish(reason="stop")])
    assert types(events) == [
        "step-start",
        "reasoning-start",
        "reasoning-delta",
        "text-start",
        "text-delta",
        "reasoning-end",
        "text-end",
        "step-finish",
        "finish",
    ]
    check_events(events)


def test_guard_rejects_a_delta_after_its_block_ended() -> None:
    with pytest.raises(PluginError, match="rule 2"):
        guarded([TextDelta(id="a", text="x"), TextEnd(id="a"), TextDelta(id="a", text="y"), StepFinish()])


def test_guard_rejects_a_block_id_used_twice_in_one_step() -> None:
    with pytest.raises(PluginError, match="used twice"):
        guarded([TextStart(id="a"), TextEnd(id="a"), TextStart(id="a"), StepFinish()])


def test_guard_renumbers_a_block_id_an_earlier_step_used() -> None:
    # A runtime numbers its blocks per provider call ("text-0"); the stream keeps ids unique.
    events = guarded(
        [TextDelta(id="text-0", text="x"), StepFinish(reason="stop")],
        [TextStart(id="text-0"), TextDelta(id="text-0", text="y"), TextEnd(id="text-0"), StepFinish(reason="stop")],
    )
    ids = [(e.type, e.id) for e in events if isinstance(e, TextStart | TextDelta | TextEnd)]
    assert ids == [
        ("text-start", "text-0"),
        ("text-delta", "text-0"),
        ("text-end", "text-0"),
        ("text-start", "text-0#1"),
        ("text-delta", "text-0#1"),
        ("text-end", "text-0#1"),
    ]
    check_events(events)


def test_check_rejects_an_unclosed_block() -> None:
    with pytest.raises(EventProtocolError, match="rule 2") as info:
        check_events([*OK[:3], OK[4], OK[5]])
    assert info.value.index == 3


def test_check_rejects_a_delta_without_start() -> None:
    with pytest.raises(EventProtocolError, match="not open"):
        check_events([OK[0], TextDelta(id="a", text="x"), *OK[3:]])


# -- rule 3 -----------------------------------------------------------------------------------


def test_guard_fills_input_events_for_a_bare_client_tool_call() -> None:
    events = guarded([ToolCall(id="c", name="f", input={"x": 1}), StepFinish(reason="stop")])
    assert types(events)[1:5] == ["tool-input-start", "tool-input-delta", "tool-input-end", "tool-call"]
    assert events[-2].reason == "tool-calls"  # stop with client tool calls means tool-calls


def test_guard_rejects_a_tool_call_before_its_input_ended() -> None:
    with pytest.raises(PluginError, match="rule 3"):
        guarded([ToolInputStart(id="c", name="f"), ToolCall(id="c", name="f", input={}), StepFinish()])


def test_guard_rejects_input_that_ends_without_call_or_error() -> None:
    with pytest.raises(PluginError, match="without a tool-call or tool-error"):
        guarded([ToolInputStart(id="c", name="f"), ToolInputEnd(id="c", name="f"), StepFinish()])


def test_guard_accepts_a_tool_error_for_malformed_arguments() -> None:
    events = guarded(
        [
            ToolInputStart(id="c", name="f"),
            ToolInputDelta(id="c", name="f", text="{bad"),
            ToolInputEnd(id="c", name="f"),
            ToolError(id="c", name="f", message="invalid JSON"),
            StepFinish(reason="stop"),
        ]
    )
    assert "tool-call" not in types(events)


def test_check_rejects_an_unparsed_string_input() -> None:
    events = [
        OK[0],
        ToolInputStart(id="c", name="f"),
        ToolInputEnd(id="c", name="f"),
        ToolCall(id="c", name="f", input='{"x": 1}'),
        *OK[4:],
    ]
    with pytest.raises(EventProtocolError, match="unparsed string"):
        check_events(events)


def test_check_rejects_a_client_call_without_input_events() -> None:
    with pytest.raises(EventProtocolError, match="rule 3"):
        check_events([OK[0], ToolCall(id="c", name="f", input={}), *OK[4:]])


# -- rule 4 -----------------------------------------------------------------------------------


def test_guard_sums_usage_over_steps() -> None:
    events = guarded([StepFinish(reason="tool-calls", usage=USAGE)], [StepFinish(reason="stop", usage=USAGE)])
    finish = events[-1]
    assert isinstance(finish, Finish)
    assert finish.usage is not None and finish.usage.input_tokens == 20 and finish.usage.total_tokens == 28
    assert finish.reason == "stop"
    check_events(events)


def test_guard_drops_a_plugin_finish() -> None:
    events = guarded([TextDelta(id="a", text="x"), StepFinish(reason="stop"), Finish(reason="stop")])
    assert types(events).count("finish") == 1


def test_check_rejects_a_missing_or_double_finish() -> None:
    with pytest.raises(EventProtocolError, match="without finish"):
        check_events(OK[:-1])
    with pytest.raises(EventProtocolError, match="after finish"):
        check_events([*OK, OK[-1]])


def test_check_rejects_finish_usage_that_is_not_the_sum() -> None:
    with pytest.raises(EventProtocolError, match="rule 4"):
        check_events([*OK[:-1], Finish(reason="stop", usage=Usage(input_tokens=1))])


# -- rule 5 -----------------------------------------------------------------------------------


def test_guard_ends_a_provider_error_step_with_reason_error() -> None:
    events = guarded([TextDelta(id="a", text="x"), ProviderError(message="server_error: boom")])
    assert types(events)[-4:] == ["provider-error", "text-end", "step-finish", "finish"]
    assert events[-1].reason == "error"
    check_events(events)


def test_check_rejects_a_provider_error_followed_by_a_normal_finish() -> None:
    events = [OK[0], ProviderError(message="boom"), StepFinish(index=0, reason="stop"), Finish(reason="stop")]
    with pytest.raises(EventProtocolError, match="rule 5"):
        check_events(events)


# -- rule 6 -----------------------------------------------------------------------------------


def test_guard_rejects_a_runtime_yielding_a_client_tool_result() -> None:
    with pytest.raises(PluginError, match="rule 6"):
        guarded([ToolResult(id="c", name="f", result=ToolResultValue(value=1)), StepFinish()])


def test_guard_passes_provider_executed_results() -> None:
    events = guarded(
        [
            ToolCall(id="ws", name="web_search", input={}, provider_executed=True),
            ToolResult(id="ws", name="web_search", result=ToolResultValue(value={}), provider_executed=True),
            StepFinish(reason="stop"),
        ]
    )
    check_events(events)


def test_check_rejects_a_client_call_without_result_and_a_double_result() -> None:
    call = [
        OK[0],
        ToolInputStart(id="c", name="f"),
        ToolInputEnd(id="c", name="f"),
        ToolCall(id="c", name="f", input={}),
        StepFinish(index=0, reason="tool-calls"),
    ]
    result = ToolResult(id="c", name="f", result=ToolResultValue(value=1))
    with pytest.raises(EventProtocolError, match="without a tool-result"):
        check_events([*call, Finish(reason="tool-calls")])
    with pytest.raises(EventProtocolError, match="more than one tool-result"):
        check_events([*call, result, result, Finish(reason="tool-calls")])
    check_events([*call, result, Finish(reason="tool-calls")])


def test_check_rejects_an_error_followed_by_a_success_result() -> None:
    call = [
        OK[0],
        ToolInputStart(id="c", name="f"),
        ToolInputEnd(id="c", name="f"),
        ToolCall(id="c", name="f", input={}),
        StepFinish(index=0, reason="tool-calls"),
    ]
    with pytest.raises(EventProtocolError, match="non-error result"):
        check_events(
            [
                *call,
                ToolError(id="c", name="f", message="x"),
                ToolResult(id="c", name="f", result=ToolResultValue(value=1)),
                Finish(reason="tool-calls"),
            ]
        )


def test_check_rejects_tool_input_that_ends_without_call_or_error() -> None:
    events = [OK[0], ToolInputStart(id="c", name="f"), ToolInputEnd(id="c", name="f"), *OK[4:]]
    with pytest.raises(EventProtocolError, match="without a tool-call or tool-error") as info:
        check_events(events)
    assert (info.value.index, info.value.rule) == (3, 3)


# -- sources ----------------------------------------------------------------------------------


def source(id: str) -> Source:
    return Source(id=id, kind="url", url=f"https://example.com/{id}", text_id="a", start=0, end=2)


def test_sources_pass_anywhere_inside_a_step_and_may_repeat_across_steps() -> None:
    events = guarded(
        [source("s1"), TextDelta(id="a", text="hi"), source("s2"), StepFinish(reason="stop")],
        [TextDelta(id="b", text="yo"), source("s1"), StepFinish(reason="stop")],
    )
    assert types(events) == [
        "step-start",
        "source",
        "text-start",
        "text-delta",
        "source",
        "text-end",
        "step-finish",
        "step-start",
        "text-start",
        "text-delta",
        "source",
        "text-end",
        "step-finish",
        "finish",
    ]
    check_events(events)


def test_a_source_id_used_twice_in_one_step_is_rejected() -> None:
    with pytest.raises(PluginError, match=r"source id 's1' is used twice.*rule 2"):
        guarded([source("s1"), source("s1"), StepFinish(reason="stop")])
    with pytest.raises(EventProtocolError, match="source id 's1' is used twice") as info:
        check_events([OK[0], source("s1"), source("s1"), *OK[4:]])
    assert info.value.index == 2


def test_check_rejects_a_source_outside_a_step() -> None:
    with pytest.raises(EventProtocolError, match="rule 1") as info:
        check_events([*OK[:5], source("s1"), OK[5]])
    assert info.value.index == 5
