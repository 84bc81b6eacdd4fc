"""The event invariants, enforced on every stream whatever plugin produced it.

1. ``step-start`` precedes any content of a step; each step ends with one ``step-finish``;
   indices count 0, 1, 2… across the whole stream.
2. Every ``*-start`` has its deltas and one ``*-end`` before the step finishes; ids are unique
   (block and tool call ids in the stream, ``source`` ids in their step).
3. A client tool call is ``tool-input-start → tool-input-delta* → tool-input-end → tool-call``
   with ``input`` parsed JSON (malformed arguments: a ``tool-error``, never a silent ``{}``).
4. ``finish`` is emitted exactly once, last, with usage summed over steps.
5. A provider error inside a 200 stream is a ``provider-error``; the stream still ends with
   ``finish`` (reason ``error``).
6. Host tools run for client tool calls only; each yields one ``tool-result`` (preceded by
   ``tool-error`` when it failed). Calls left to the caller (a provider-defined tool without a
   handler) have none: they are the last step's, and the stream finishes with ``tool-calls``.

One state machine (``EventRules``) holds the rules, in two modes. Repairing, for
``StreamGuard``, which wraps what a plugin yields for each provider call: it fills in what is
safe to fill (a missing ``step-start``, a ``*-start`` before a first delta, blocks left open at
the end of the step, the input events of a complete tool call, a block id an earlier step
already used, which is renumbered ``<id>#<n>``) and raises ``PluginError`` naming the plugin and
the rule for what is not. Strict, for ``check_events``, which checks a finished stream for tests
and names the event that broke a rule.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from turnout.errors import PluginError
from turnout.events import (
    Finish,
    FinishReason,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
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
    Usage,
)
from turnout.request import ProviderMetadata

__all__ = ["RULES", "EventProtocolError", "EventRules", "RuleViolation", "StepRecord", "StreamGuard", "check_events"]

RULES = {
    1: "rule 1: step-start precedes content; one step-finish per step; indices 0, 1, 2…",
    2: "rule 2: every *-start has its deltas and one *-end before the step finishes; ids are unique",
    3: "rule 3: a client tool call is tool-input-start → delta* → end → tool-call with parsed input",
    4: "rule 4: finish exactly once, last, with usage summed over steps",
    5: "rule 5: a provider-error inside the stream still ends with finish (reason error)",
    6: "rule 6: host tools run for client calls only; each yields one tool-result",
}
"""The invariants by number, as quoted in errors."""

_Block: TypeAlias = tuple[str, str]  # (kind: "text" | "reasoning", id)


@dataclass
class StepRecord:
    """What one step produced, for the tool loop and the follow-up request."""

    index: int
    client_calls: list[ToolCall] = field(default_factory=list)
    failed_calls: list[ToolError] = field(default_factory=list)
    reason: FinishReason = "unknown"
    usage: Usage | None = None
    provider_error: bool = False
    paused: bool = False
    """The provider paused the turn (``step-finish`` with ``paused``): the core may continue it."""
    provider_metadata: ProviderMetadata | None = None
    """The step's provider metadata (``responseId`` …), repeated on the final ``finish``."""


class RuleViolation(Exception):
    """An event breaks rule ``rule``; the caller says whose event (plugin, or index in the stream)."""

    def __init__(self, rule: int, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        """The rule number (1 to 6, see ``RULES``)."""
        self.message = message
        """What is wrong."""


class EventRules:
    """The invariants as one state machine over the events of a stream.

    ``feed(event)`` returns the events to pass on, or raises ``RuleViolation``. With
    ``repair=True`` it is fed one plugin's provider calls (``start_call``/``end_call`` around
    each) and fills in what is safe to fill; with ``repair=False`` it is fed a whole stream
    (host tool events and ``finish`` included, ``end_stream`` at the end) and every gap is a
    violation.
    """

    def __init__(self, *, repair: bool, left_to_caller: Iterable[str] = ()) -> None:
        self.repair = repair
        """Fill in what is safe (the live guard) rather than report it (the checker)."""
        self.left_to_caller = frozenset(left_to_caller)
        """Strict: client call ids the caller answers (no ``tool-result`` in the stream)."""
        self.steps: list[StepRecord] = []
        """Every step so far, the open one last."""
        self._step: StepRecord | None = None  # the open step
        self._call_done = False  # repairing: this provider call's step has finished
        self._finished = False  # strict: finish was seen
        self._finish_reason: FinishReason | None = None  # strict: the reason on finish
        self._used: set[tuple[str, str]] = set()  # (kind, id as emitted) for blocks and tool calls
        self._open_blocks: dict[_Block, str] = {}  # (kind, id as given) -> id as emitted, in opening order
        self._seen_blocks: set[_Block] = set()  # (kind, id as given) opened in the open step
        self._open_inputs: dict[str, str] = {}  # call id -> tool name
        self._ended_inputs: set[str] = set()  # input ended, tool-call or tool-error still due
        self._sources: set[str] = set()  # source ids of the open step
        self._client_calls: dict[str, int] = {}  # call id -> step index
        self._errored: set[str] = set()
        self._results: set[str] = set()

    # -- feeding ---------------------------------------------------------------------------

    def feed(self, event: LLMEvent) -> Sequence[LLMEvent] | None:
        """Check one event: ``None`` to pass it on as it is, else what to pass on in its place.

        Repairing, the replacement holds what is filled in before the event (a ``step-start``,
        a ``text-start`` …) or the event with its id renumbered.
        """
        if type(event) is TextDelta or type(event) is ReasoningDelta:  # the hot path: nearly every event
            kind = "text" if type(event) is TextDelta else "reasoning"
            if self._open_blocks.get((kind, event.id)) == event.id:
                return None  # a delta of an open block, as it is
        match event:
            case TextDelta() | ReasoningDelta():
                return self._delta(event)
            case ToolInputDelta():
                if event.id not in self._open_inputs:
                    self._enter(event)
                    raise RuleViolation(3, f"tool-input-delta for call {event.id!r} that is not open")
                return None
            case StepStart():
                return self._step_start(event)
            case TextStart() | ReasoningStart():
                _, before = self._enter(event)
                block = ("text" if isinstance(event, TextStart) else "reasoning", event.id)
                if block in self._seen_blocks:
                    raise RuleViolation(2, f"{block[0]} block id {event.id!r} is used twice")
                emitted = self._open(block)
                return (*before, event if emitted == event.id else dataclasses.replace(event, id=emitted))
            case TextEnd() | ReasoningEnd():
                return self._block_end(event)
            case ToolInputStart():
                _, before = self._enter(event)
                self._claim("tool", event.id)
                self._open_inputs[event.id] = event.name
                return (*before, event)
            case ToolInputEnd():
                _, before = self._enter(event)
                if event.id not in self._open_inputs:
                    raise RuleViolation(3, f"tool-input-end for call {event.id!r} that is not open")
                del self._open_inputs[event.id]
                self._ended_inputs.add(event.id)
                return (*before, event)
            case ToolCall():
                return self._tool_call(event)
            case ToolError():
                step, before = self._enter_host(event)
                self._errored.add(event.id)
                if step is not None and event.id in self._ended_inputs:  # malformed arguments: no call
                    self._ended_inputs.discard(event.id)
                    step.failed_calls.append(event)
                return (*before, event)
            case ToolResult():
                return self._tool_result(event)
            case Source():
                _, before = self._enter(event)
                if event.id in self._sources:
                    raise RuleViolation(2, f"source id {event.id!r} is used twice in one step")
                self._sources.add(event.id)
                return (*before, event)
            case ProviderError():
                step, before = self._enter(event)
                step.provider_error = True
                return (*before, event)
            case StepFinish():
                return self._step_finish(event)
            case Finish():
                return self._finish(event)
            case _:
                raise RuleViolation(1, f"{type(event).__name__} is not an LLMEvent")

    def start_call(self) -> None:
        """Repairing: a plugin's provider call starts; its events follow."""
        self._call_done = False

    def end_call(self) -> Sequence[LLMEvent]:
        """Repairing: the plugin's events ended; close the step if a provider error cut it short."""
        if self._call_done:
            return ()
        step = self._step
        if step is None or not step.provider_error:
            raise RuleViolation(1, "the stream ended without step-finish (and without a provider-error)")
        step.reason = "error"
        return (*self._close_step(step), self._done(StepFinish(index=step.index, reason="error")))

    def end_stream(self) -> None:
        """Strict: the stream ended; check what only its end can show."""
        if self._step is not None:
            raise RuleViolation(1, f"stream ended inside step {self._step.index} (no step-finish)")
        if not self._finished:
            raise RuleViolation(4, "stream ended without finish")
        missing = sorted(set(self._client_calls) - self._results - self.left_to_caller)
        if missing:
            raise RuleViolation(6, f"client tool calls without a tool-result: {missing}")
        last = len(self.steps) - 1
        for call_id in sorted(self.left_to_caller & set(self._client_calls)):
            if call_id in self._results or self._client_calls[call_id] != last or self._finish_reason != "tool-calls":
                raise RuleViolation(
                    6, f"call {call_id!r} left to the caller must be unanswered, of the last step, finish tool-calls"
                )

    def total(self) -> Finish:
        """The one final ``finish``: the last step's reason and provider metadata (``responseId`` …),
        usage summed over all steps."""
        reason: FinishReason = "unknown"
        metadata: ProviderMetadata | None = None
        if self.steps:
            reason = "error" if any(step.provider_error for step in self.steps) else self.steps[-1].reason
            metadata = self.steps[-1].provider_metadata
        return Finish(reason=reason, usage=Usage.total(step.usage for step in self.steps), provider_metadata=metadata)

    # -- the transitions -------------------------------------------------------------------

    def _check_open(self, event: object) -> None:
        """Nothing follows a repaired provider call's step-finish, nor a stream's finish."""
        if self._call_done:
            raise RuleViolation(
                1, f"{getattr(event, 'type', event)!r} after step-finish: a stream covers one provider call"
            )
        if self._finished:
            raise RuleViolation(4, "event after finish")

    def _enter(self, event: LLMEvent) -> tuple[StepRecord, Sequence[LLMEvent]]:
        """The step this content belongs to; repairing opens a missing one (its start is passed on first)."""
        self._check_open(event)
        if self._step is not None:
            return self._step, ()
        if not self.repair:
            raise RuleViolation(1, "content outside a step (no step-start before it)")
        start = StepStart(index=len(self.steps))
        return self._begin(start), (start,)

    def _enter_host(self, event: ToolResult | ToolError) -> tuple[StepRecord | None, Sequence[LLMEvent]]:
        """Like ``_enter``; in a whole stream, host tool events also follow the step that called them."""
        if self.repair:
            return self._enter(event)
        self._check_open(event)
        return self._step, ()

    def _begin(self, event: StepStart) -> StepRecord:
        self._step = StepRecord(index=event.index)
        self.steps.append(self._step)
        self._seen_blocks.clear()
        self._sources.clear()
        return self._step

    def _step_start(self, event: StepStart) -> Sequence[LLMEvent]:
        self._check_open(event)
        if self._step is not None:
            raise RuleViolation(1, f"step-start while step {self._step.index} is still open")
        index = len(self.steps)
        if self.repair:
            event = StepStart(index=index, provider_metadata=event.provider_metadata)
        elif event.index != index:
            raise RuleViolation(1, f"step index {event.index}, expected {index}")
        self._begin(event)
        return (event,)

    def _claim(self, kind: str, given: str) -> str:
        """Use an id: repairing renumbers a block id an earlier step used (``id#step``)."""
        emitted, n = given, len(self.steps) - 1
        while (kind, emitted) in self._used:
            if kind == "tool" or not self.repair:
                label = "tool call" if kind == "tool" else f"{kind} block"
                raise RuleViolation(2, f"{label} id {given!r} is used twice")
            emitted, n = f"{given}#{n}", n + 1
        self._used.add((kind, emitted))
        return emitted

    def _open(self, block: _Block) -> str:
        self._seen_blocks.add(block)
        emitted = self._open_blocks[block] = self._claim(*block)
        return emitted

    def _delta(self, event: TextDelta | ReasoningDelta) -> Sequence[LLMEvent] | None:
        block = ("text" if isinstance(event, TextDelta) else "reasoning", event.id)
        emitted = self._open_blocks.get(block)
        if emitted is not None:
            return None if emitted == event.id else (dataclasses.replace(event, id=emitted),)
        _, before = self._enter(event)
        if block in self._seen_blocks or not self.repair:
            raise RuleViolation(2, f"{event.type} for {block[0]} block {event.id!r} that is not open")
        emitted = self._open(block)
        start = TextStart(id=emitted) if block[0] == "text" else ReasoningStart(id=emitted)
        return (*before, start, event if emitted == event.id else dataclasses.replace(event, id=emitted))

    def _block_end(self, event: TextEnd | ReasoningEnd) -> Sequence[LLMEvent]:
        _, before = self._enter(event)
        block = ("text" if isinstance(event, TextEnd) else "reasoning", event.id)
        emitted = self._open_blocks.pop(block, None)
        if emitted is None:
            if block in self._seen_blocks or not self.repair:
                raise RuleViolation(2, f"{event.type} for {block[0]} block {event.id!r} that is not open")
            emitted = self._open(block)
            del self._open_blocks[block]
            before = (*before, TextStart(id=emitted) if block[0] == "text" else ReasoningStart(id=emitted))
        return (*before, event if emitted == event.id else dataclasses.replace(event, id=emitted))

    def _tool_call(self, event: ToolCall) -> Sequence[LLMEvent]:
        step, before = self._enter(event)
        if event.provider_executed:
            return (*before, event)
        if event.id in self._open_inputs:
            raise RuleViolation(3, f"tool-call {event.id!r} before its tool-input-end")
        if isinstance(event.input, str):
            raise RuleViolation(3, f"tool-call {event.id!r} input is an unparsed string")
        if event.id not in self._ended_inputs:
            if not self.repair:
                raise RuleViolation(3, f"client tool-call {event.id!r} without tool-input-start … tool-input-end")
            self._claim("tool", event.id)
            before = (
                *before,
                ToolInputStart(id=event.id, name=event.name),
                ToolInputDelta(id=event.id, name=event.name, text=json.dumps(event.input)),
                ToolInputEnd(id=event.id, name=event.name),
            )
        self._ended_inputs.discard(event.id)
        self._client_calls[event.id] = step.index
        step.client_calls.append(event)
        return (*before, event)

    def _tool_result(self, event: ToolResult) -> Sequence[LLMEvent]:
        _, before = self._enter_host(event)
        if event.provider_executed:
            return (*before, event)
        if self.repair:
            raise RuleViolation(6, "a runtime yielded a tool-result for a client call; host tools run in the core")
        if event.id not in self._client_calls and event.id not in self._errored:
            raise RuleViolation(6, f"tool-result for {event.id!r}, which is no client tool call")
        if event.id in self._results:
            raise RuleViolation(6, f"more than one tool-result for call {event.id!r}")
        if event.id in self._errored and event.result.type != "error":
            raise RuleViolation(6, f"tool-error for {event.id!r} followed by a non-error result")
        self._results.add(event.id)
        return (*before, event)

    def _close_step(self, step: StepRecord) -> list[LLMEvent]:
        """Check what must be complete at the end of a step; repairing closes what was left open.

        After a provider error, repairing also closes tool input left open or without a call.
        """
        cut_short = self.repair and step.provider_error
        if self._open_blocks and not self.repair:
            raise RuleViolation(2, f"step finished with blocks still open: {sorted(self._open_blocks)}")
        if self._open_inputs and not cut_short:
            raise RuleViolation(3, f"step finished with tool input {sorted(self._open_inputs)} never completed")
        closing: list[LLMEvent] = [ToolInputEnd(id=call_id, name=name) for call_id, name in self._open_inputs.items()]
        self._open_inputs.clear()
        for kind, end in (("reasoning", ReasoningEnd), ("text", TextEnd)):
            for block in [block for block in self._open_blocks if block[0] == kind]:
                closing.append(end(id=self._open_blocks.pop(block)))
        if self._ended_inputs and not cut_short:
            raise RuleViolation(3, f"tool input {sorted(self._ended_inputs)} ended without a tool-call or tool-error")
        self._ended_inputs.clear()
        return closing

    def _done(self, event: StepFinish) -> StepFinish:
        self._step = None
        self._call_done = self.repair
        return event

    def _step_finish(self, event: StepFinish | Finish) -> Sequence[LLMEvent]:
        """A step ends (repairing: a plugin's ``finish`` too, which ends its step)."""
        step, before = self._enter(event)
        if isinstance(event, StepFinish) and not self.repair:
            if event.index != step.index:
                raise RuleViolation(1, f"step-finish index {event.index} does not match step {step.index}")
            self._close_step(step)
            step.reason, step.usage, step.paused = event.reason, event.usage, bool(event.paused)
            step.provider_metadata = event.provider_metadata
            return (self._done(event),)
        closing = self._close_step(step)
        reason: FinishReason = "tool-calls" if event.reason == "stop" and step.client_calls else event.reason
        paused = event.paused if isinstance(event, StepFinish) else None
        step.reason, step.usage, step.paused = reason, event.usage, bool(paused)
        metadata = step.provider_metadata = event.provider_metadata
        finish = StepFinish(
            index=step.index, reason=reason, usage=event.usage, paused=paused, provider_metadata=metadata
        )
        return (*before, *closing, self._done(finish))

    def _finish(self, event: Finish) -> Sequence[LLMEvent]:
        if self.repair:  # a plugin's finish ends its step; after step-finish it is dropped
            return () if self._call_done else self._step_finish(event)
        if self._finished:
            raise RuleViolation(4, "event after finish")
        if self._step is not None:
            raise RuleViolation(1, f"finish while step {self._step.index} has no step-finish")
        self._finished = True
        self._finish_reason = event.reason
        total = Usage.total(step.usage for step in self.steps)
        if total is not None and (event.usage is None or _counts(event.usage) != _counts(total)):
            raise RuleViolation(4, f"finish usage {_counts(event.usage)} is not the sum of the steps {_counts(total)}")
        if any(step.provider_error for step in self.steps) and event.reason != "error":
            raise RuleViolation(5, f"a provider-error was reported but finish reason is {event.reason!r}")
        return (event,)


class StreamGuard:
    """Enforces the invariants across the steps of one stream and produces the final ``finish``."""

    def __init__(self) -> None:
        self._rules = EventRules(repair=True)

    @property
    def steps(self) -> list[StepRecord]:
        """Every step so far, the current one last."""
        return self._rules.steps

    async def step(
        self, events: AsyncIterator[LLMEvent], plugin: str, first: LLMEvent | None = None
    ) -> AsyncIterator[LLMEvent]:
        """Guard one provider call's events (``first``, already read, then the rest)."""
        rules = self._rules
        feed = rules.feed
        rules.start_call()
        try:
            if first is not None:
                for out in feed(first) or (first,):
                    yield out
            async for event in events:
                replaced = feed(event)
                if replaced is None:
                    yield event
                else:
                    for out in replaced:
                        yield out
            for out in rules.end_call():
                yield out
        except RuleViolation as broken:
            raise PluginError(broken.message, plugin=plugin, rule=RULES[broken.rule]) from None

    def finish(self) -> Finish:
        """The one final ``finish``: the last step's reason, usage summed over all steps."""
        return self._rules.total()


class EventProtocolError(AssertionError):
    """A finished stream breaks an invariant: names the event index and the rule."""

    def __init__(self, index: int, rule: int, message: str, event: Any = None) -> None:
        self.index = index
        """The position of the offending event (or of the end of the stream)."""
        self.rule = rule
        """The rule number (1 to 6, see ``RULES``)."""
        shown = f" {event.type!r}" if event is not None and hasattr(event, "type") else ""
        super().__init__(f"event {index}{shown}: {message} [{RULES[rule]}]")


def check_events(events: Iterable[LLMEvent], *, left_to_caller: Iterable[str] = ()) -> None:
    """Check a complete stream against every invariant; raise ``EventProtocolError`` if it breaks one.

    ``left_to_caller``: ids of client calls the stream leaves for the caller to answer (calls
    of a provider-defined tool without a handler), which have no ``tool-result``.
    """
    rules = EventRules(repair=False, left_to_caller=left_to_caller)
    events = list(events)
    for index, event in enumerate(events):
        try:
            rules.feed(event)
        except RuleViolation as broken:
            raise EventProtocolError(index, broken.rule, broken.message, event) from None
    try:
        rules.end_stream()
    except RuleViolation as broken:
        raise EventProtocolError(len(events), broken.rule, broken.message) from None


def _counts(usage: Usage | None) -> dict[str, Any] | None:
    return None if usage is None else usage.model_dump(exclude={"provider_metadata"}, exclude_none=True)
