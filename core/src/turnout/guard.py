"""The event invariants, enforced on every stream whatever plugin produced it.

1. ``step-start`` precedes any content of a step; each step ends with one ``step-finish``;
   indices count 0, 1, 2… across the whole stream.
2. Every ``*-start`` has its deltas and one ``*-end`` before the step finishes; ids are unique.
3. A client tool call is ``tool-input-start → tool-input-delta* → tool-input-end → tool-call``
   with ``input`` parsed JSON (malformed arguments: a ``tool-error``, never a silent ``{}``).
4. ``finish`` is emitted exactly once, last, with usage summed over steps.
5. A provider error inside a 200 stream is a ``provider-error``; the stream still ends with
   ``finish`` (reason ``error``).
6. Host tools run for client tool calls only; each yields one ``tool-result`` (preceded by
   ``tool-error`` when it failed).

``StreamGuard`` wraps what a plugin yields for one step: it fills in what is safe to fill (a
missing ``step-start``, a ``*-start`` before a first delta, blocks left open at the end of the
step, the input events of a complete tool call, a block id an earlier step already used, which
is renumbered ``<id>#<n>``) and raises ``PluginError`` naming the plugin and
the rule for what is not. ``check_events`` checks a finished stream strictly, for tests.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from turnout.errors import PluginError
from turnout.events import (
    Finish,
    FinishReason,
    LLMEvent,
    ReasoningEnd,
    ReasoningStart,
    StepFinish,
    StepStart,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolInputDelta,
    ToolInputEnd,
    ToolInputStart,
    ToolResult,
    Usage,
)

__all__ = ["RULES", "EventProtocolError", "StepRecord", "StreamGuard", "check_events"]

RULES = {
    1: "rule 1: step-start precedes content; one step-finish per step; indices 0, 1, 2…",
    2: "rule 2: every *-start has its deltas and one *-end before the step finishes; ids are unique",
    3: "rule 3: a client tool call is tool-input-start → delta* → end → tool-call with parsed input",
    4: "rule 4: finish exactly once, last, with usage summed over steps",
    5: "rule 5: a provider-error inside the stream still ends with finish (reason error)",
    6: "rule 6: host tools run for client calls only; each yields one tool-result",
}
"""The invariants by number, as quoted in errors."""

_BLOCKS: dict[str, tuple[str, str]] = {
    # delta/end type -> (kind, start type)
    "text-delta": ("text", "text-start"),
    "text-end": ("text", "text-start"),
    "reasoning-delta": ("reasoning", "reasoning-start"),
    "reasoning-end": ("reasoning", "reasoning-start"),
}


@dataclass
class StepRecord:
    """What one step produced, for the tool loop and the follow-up request."""

    index: int
    client_calls: list[ToolCall] = field(default_factory=list)
    failed_calls: list[ToolError] = field(default_factory=list)
    reason: FinishReason = "unknown"
    usage: Usage | None = None
    provider_error: bool = False


class StreamGuard:
    """Enforces the invariants across the steps of one stream and produces the final ``finish``."""

    def __init__(self) -> None:
        self.steps: list[StepRecord] = []
        self._used_ids: set[tuple[str, str]] = set()

    async def step(
        self, events: AsyncIterator[LLMEvent], plugin: str, first: LLMEvent | None = None
    ) -> AsyncIterator[LLMEvent]:
        """Guard one provider call's events (``first``, already read, then the rest)."""
        record = StepRecord(index=len(self.steps))
        self.steps.append(record)
        open_blocks: dict[tuple[str, str], str] = {}  # (kind, plugin's id) -> id as emitted, in opening order
        seen_blocks: set[tuple[str, str]] = set()  # (kind, plugin's id) opened in this step
        open_inputs: dict[str, str] = {}  # call id -> name
        ended_inputs: set[str] = set()
        started = False
        finished = False
        used = self._used_ids

        def fail(rule: int, message: str) -> PluginError:
            return PluginError(message, plugin=plugin, rule=RULES[rule])

        def start_step() -> StepStart:
            nonlocal started
            started = True
            return StepStart(index=record.index)

        def open_block(block: tuple[str, str]) -> str:
            """Open a block; an id an earlier step already used is renumbered (``id#step``)."""
            seen_blocks.add(block)
            emitted, n = block[1], record.index
            while (block[0], emitted) in used:
                emitted, n = f"{block[1]}#{n}", n + 1
            used.add((block[0], emitted))
            open_blocks[block] = emitted
            return emitted

        def start_of(block: tuple[str, str], emitted: str) -> LLMEvent:
            return TextStart(id=emitted) if block[0] == "text" else ReasoningStart(id=emitted)

        def close_open() -> list[LLMEvent]:
            closing: list[LLMEvent] = []
            for kind in ("reasoning", "text"):
                for key in [k for k in open_blocks if k[0] == kind]:
                    emitted = open_blocks.pop(key)
                    closing.append(ReasoningEnd(id=emitted) if kind == "reasoning" else TextEnd(id=emitted))
            return closing

        pending = first
        while True:
            if pending is not None:
                event, pending = pending, None
            else:
                try:
                    event = await anext(events)
                except StopAsyncIteration:
                    break
            if finished:
                if isinstance(event, Finish):
                    continue
                raise fail(1, f"{event.type!r} after step-finish: a stream covers one provider call")
            kind = getattr(event, "type", None)
            # Hot path first: deltas are nearly every event.
            if kind == "text-delta" or kind == "reasoning-delta":
                block = ("text" if kind == "text-delta" else "reasoning", event.id)  # type: ignore[union-attr]
                emitted = open_blocks.get(block)
                if emitted is None:
                    if block in seen_blocks:
                        raise fail(2, f"{kind} for {block[0]} block {block[1]!r} after it ended")
                    if not started:
                        yield start_step()
                    emitted = open_block(block)
                    yield start_of(block, emitted)
                yield event if emitted == block[1] else event.model_copy(update={"id": emitted})
                continue
            if kind == "tool-input-delta":
                if event.id not in open_inputs:  # type: ignore[union-attr]
                    raise fail(3, f"tool-input-delta for call {event.id!r} without an open tool-input-start")  # type: ignore[union-attr]
                yield event
                continue
            if not started and kind != "step-start":
                yield start_step()
            if kind == "step-start":
                if started:
                    raise fail(1, "a second step-start in one provider call")
                started = True
                yield StepStart(index=record.index, provider_metadata=event.provider_metadata)
                continue
            if kind in ("text-start", "reasoning-start", "text-end", "reasoning-end"):
                block = ("text" if kind.startswith("text") else "reasoning", event.id)  # type: ignore[union-attr]
                if kind.endswith("-start"):
                    if block in seen_blocks:
                        raise fail(2, f"{block[0]} block id {block[1]!r} is used twice")
                    emitted = open_block(block)
                else:
                    emitted = open_blocks.pop(block, None)
                    if emitted is None:
                        if block in seen_blocks:
                            raise fail(2, f"{kind} for {block[0]} block {block[1]!r} that already ended")
                        emitted = open_block(block)
                        del open_blocks[block]
                        yield start_of(block, emitted)
                if emitted != block[1]:
                    event = event.model_copy(update={"id": emitted})
            elif kind == "tool-input-start":
                key = ("tool", event.id)  # type: ignore[union-attr]
                if key in used:
                    raise fail(2, f"tool call id {event.id!r} is used twice")  # type: ignore[union-attr]
                used.add(key)
                open_inputs[event.id] = event.name  # type: ignore[union-attr]
            elif kind == "tool-input-end":
                if event.id not in open_inputs:  # type: ignore[union-attr]
                    raise fail(3, f"tool-input-end for call {event.id!r} without tool-input-start")  # type: ignore[union-attr]
                del open_inputs[event.id]  # type: ignore[union-attr]
                ended_inputs.add(event.id)  # type: ignore[union-attr]
            elif kind == "tool-call":
                assert isinstance(event, ToolCall)
                if not event.provider_executed:
                    if event.id in open_inputs:
                        raise fail(3, f"tool-call {event.id!r} before its tool-input-end")
                    if event.id not in ended_inputs:
                        if ("tool", event.id) in used:
                            raise fail(2, f"tool call id {event.id!r} is used twice")
                        used.add(("tool", event.id))
                        yield ToolInputStart(id=event.id, name=event.name)
                        yield ToolInputDelta(id=event.id, name=event.name, text=json.dumps(event.input))
                        yield ToolInputEnd(id=event.id, name=event.name)
                    ended_inputs.discard(event.id)
                    record.client_calls.append(event)
            elif kind == "tool-error":
                assert isinstance(event, ToolError)
                if event.id in ended_inputs:  # malformed arguments: the call will not run
                    ended_inputs.discard(event.id)
                    record.failed_calls.append(event)
            elif kind == "provider-error":
                record.provider_error = True
            elif kind in ("step-finish", "finish"):
                assert isinstance(event, StepFinish | Finish)
                if open_inputs and not record.provider_error:
                    raise fail(3, f"step finished with tool input {sorted(open_inputs)} never completed")
                for call_id, name in list(open_inputs.items()):
                    yield ToolInputEnd(id=call_id, name=name)
                open_inputs.clear()
                for closing in close_open():
                    yield closing
                if ended_inputs:
                    raise fail(3, f"tool input {sorted(ended_inputs)} ended without a tool-call or tool-error")
                reason = event.reason
                if reason == "stop" and record.client_calls:
                    reason = "tool-calls"
                record.reason, record.usage = reason, event.usage
                finished = True
                yield StepFinish(
                    index=record.index, reason=reason, usage=event.usage, provider_metadata=event.provider_metadata
                )
                continue
            elif kind not in _KNOWN_TYPES:
                raise fail(1, f"yielded {type(event).__name__!r}, which is not an LLMEvent")
            elif kind == "tool-result" and not getattr(event, "provider_executed", False):
                raise fail(6, "a runtime yielded a tool-result for a client call; host tools run in the core")
            yield event

        if not finished:
            if not record.provider_error:
                raise fail(1, "the stream ended without step-finish (and without a provider-error)")
            if not started:
                yield start_step()
            for call_id, name in list(open_inputs.items()):
                yield ToolInputEnd(id=call_id, name=name)
            for closing in close_open():
                yield closing
            record.reason = "error"
            yield StepFinish(index=record.index, reason="error")

    def finish(self) -> Finish:
        """The one final ``finish``: the last step's reason, usage summed over all steps."""
        reason: FinishReason = "unknown"
        if self.steps:
            reason = "error" if any(step.provider_error for step in self.steps) else self.steps[-1].reason
        return Finish(reason=reason, usage=Usage.total(step.usage for step in self.steps))


_KNOWN_TYPES = frozenset(
    {
        "step-start",
        "text-start",
        "text-delta",
        "text-end",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-end",
        "tool-call",
        "tool-result",
        "tool-error",
        "step-finish",
        "finish",
        "provider-error",
    }
)


class EventProtocolError(AssertionError):
    """A finished stream breaks an invariant: names the event index and the rule."""

    def __init__(self, index: int, rule: int, message: str, event: Any = None) -> None:
        self.index = index
        """The position of the offending event (or of the end of the stream)."""
        self.rule = rule
        """The rule number (1 to 6, see ``RULES``)."""
        shown = f" {event.type!r}" if event is not None and hasattr(event, "type") else ""
        super().__init__(f"event {index}{shown}: {message} [{RULES[rule]}]")


def check_events(events: Iterable[LLMEvent]) -> None:
    """Check a complete stream against every invariant; raise ``EventProtocolError`` if it breaks one."""
    events = list(events)
    step: int | None = None  # index of the open step
    next_index = 0
    open_blocks: set[tuple[str, str]] = set()
    used: set[tuple[str, str]] = set()
    inputs_open: set[str] = set()
    inputs_ended: set[str] = set()
    client_calls: dict[str, ToolCall] = {}
    errored: set[str] = set()
    results: dict[str, int] = {}
    step_usages: list[Usage | None] = []
    saw_provider_error = False
    finish_at: int | None = None

    for i, event in enumerate(events):

        def fail(rule: int, message: str, i: int = i, event: Any = event) -> EventProtocolError:
            return EventProtocolError(i, rule, message, event)

        kind = getattr(event, "type", None)
        if kind not in _KNOWN_TYPES:
            raise fail(1, f"{type(event).__name__} is not an LLMEvent")
        if finish_at is not None:
            raise fail(4, "event after finish")
        if kind == "step-start":
            assert isinstance(event, StepStart)
            if step is not None:
                raise fail(1, f"step-start while step {step} is still open")
            if event.index != next_index:
                raise fail(1, f"step index {event.index}, expected {next_index}")
            step = event.index
            continue
        if kind == "finish":
            assert isinstance(event, Finish)
            if step is not None:
                raise fail(1, f"finish while step {step} has no step-finish")
            finish_at = i
            total = Usage.total(step_usages)
            if total is not None and (event.usage is None or _counts(event.usage) != _counts(total)):
                raise fail(4, f"finish usage {_counts(event.usage)} is not the sum of the steps {_counts(total)}")
            if saw_provider_error and event.reason != "error":
                raise fail(5, f"a provider-error was reported but finish reason is {event.reason!r}")
            continue
        if kind in ("tool-result", "tool-error") and step is None:
            pass  # host tool events follow the step that called them
        elif step is None:
            raise fail(1, "content outside a step (no step-start before it)")
        if kind in ("text-start", "reasoning-start"):
            key = (kind.split("-")[0], event.id)  # type: ignore[union-attr]
            if key in used:
                raise fail(2, f"{key[0]} block id {key[1]!r} is used twice")
            used.add(key)
            open_blocks.add(key)
        elif kind in _BLOCKS:
            key = (_BLOCKS[kind][0], event.id)  # type: ignore[union-attr]
            if key not in open_blocks:
                raise fail(2, f"{kind} for {key[0]} block {key[1]!r} that is not open")
            if kind.endswith("-end"):
                open_blocks.discard(key)
        elif kind == "tool-input-start":
            key = ("tool", event.id)  # type: ignore[union-attr]
            if key in used:
                raise fail(2, f"tool call id {event.id!r} is used twice")  # type: ignore[union-attr]
            used.add(key)
            inputs_open.add(event.id)  # type: ignore[union-attr]
        elif kind == "tool-input-delta":
            if event.id not in inputs_open:  # type: ignore[union-attr]
                raise fail(3, f"tool-input-delta for call {event.id!r} that is not open")  # type: ignore[union-attr]
        elif kind == "tool-input-end":
            if event.id not in inputs_open:  # type: ignore[union-attr]
                raise fail(3, f"tool-input-end for call {event.id!r} that is not open")  # type: ignore[union-attr]
            inputs_open.discard(event.id)  # type: ignore[union-attr]
            inputs_ended.add(event.id)  # type: ignore[union-attr]
        elif kind == "tool-call":
            assert isinstance(event, ToolCall)
            if not event.provider_executed:
                if event.id not in inputs_ended:
                    raise fail(3, f"client tool-call {event.id!r} without tool-input-start … tool-input-end")
                if isinstance(event.input, str):
                    raise fail(3, f"tool-call {event.id!r} input is an unparsed string")
                inputs_ended.discard(event.id)
                client_calls[event.id] = event
        elif kind == "tool-error":
            assert isinstance(event, ToolError)
            errored.add(event.id)
            inputs_ended.discard(event.id)
        elif kind == "tool-result":
            assert isinstance(event, ToolResult)
            if not event.provider_executed:
                if event.id not in client_calls and event.id not in errored:
                    raise fail(6, f"tool-result for {event.id!r}, which is no client tool call")
                results[event.id] = results.get(event.id, 0) + 1
                if results[event.id] > 1:
                    raise fail(6, f"more than one tool-result for call {event.id!r}")
                if event.id in errored and event.result.type != "error":
                    raise fail(6, f"tool-error for {event.id!r} followed by a non-error result")
        elif kind == "provider-error":
            saw_provider_error = True
        elif kind == "step-finish":
            assert isinstance(event, StepFinish)
            if event.index != step:
                raise fail(1, f"step-finish index {event.index} does not match step {step}")
            if open_blocks:
                raise fail(2, f"step finished with blocks still open: {sorted(open_blocks)}")
            if inputs_open:
                raise fail(3, f"step finished with tool input still open: {sorted(inputs_open)}")
            step_usages.append(event.usage)
            step = None
            next_index += 1

    end = len(events)
    if step is not None:
        raise EventProtocolError(end, 1, f"stream ended inside step {step} (no step-finish)")
    if finish_at is None:
        raise EventProtocolError(end, 4, "stream ended without finish")
    missing = sorted(set(client_calls) - set(results))
    if missing:
        raise EventProtocolError(end, 6, f"client tool calls without a tool-result: {missing}")


def _counts(usage: Usage | None) -> dict[str, Any] | None:
    return None if usage is None else usage.model_dump(exclude={"provider_metadata"}, exclude_none=True)
