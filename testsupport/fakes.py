"""A scripted runtime plugin for core tests: streams the events it is given."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import turnout
from turnout import LLMEvent, Verdict


class ScriptedRuntime:
    """A plugin owning runtime ``runtime`` that streams one scripted step per provider call."""

    def __init__(
        self,
        steps: Sequence[Sequence[LLMEvent]] | Callable[[int], Sequence[LLMEvent]],
        runtime: str = "scripted",
        priority: int = turnout.Priority.DEFAULT,
        fail_lowering: Exception | None = None,
        fail_stream: Exception | None = None,
    ) -> None:
        self.steps = steps
        self.runtime = runtime
        self.priority = priority
        self.fail_lowering = fail_lowering
        self.fail_stream = fail_stream
        self.requests: list[turnout.LLMRequest] = []
        self.closed = 0
        self.__name__ = f"scripted-{runtime}"
        self.turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION, runtimes=(runtime,))

    @turnout.hookimpl
    def turnout_check_support(self, request: turnout.LLMRequest) -> Verdict:
        return Verdict(self.runtime, True, "scripted", priority=self.priority)

    @turnout.hookimpl
    def turnout_lower_request(self, request: turnout.LLMRequest) -> turnout.WireRequest:
        if self.fail_lowering is not None:
            raise self.fail_lowering
        self.requests.append(request)
        return turnout.WireRequest(url="https://api.openai.com/v1/scripted", json={"n": len(self.requests)})

    @turnout.hookimpl
    def turnout_open_stream(self, wire: turnout.WireRequest) -> AsyncIterator[LLMEvent]:
        index = wire.json_body["n"] - 1
        events = self.steps(index) if callable(self.steps) else self.steps[index]
        return self._stream(list(events))

    async def _stream(self, events: list[LLMEvent]) -> AsyncIterator[LLMEvent]:
        try:
            if self.fail_stream is not None:
                raise self.fail_stream
            for event in events:
                yield event
        finally:
            self.closed += 1


def text_step(text: str, reason: Any = "stop", usage: turnout.Usage | None = None) -> list[LLMEvent]:
    """A step that says ``text`` in one block."""
    return [
        turnout.TextDelta(id="t", text=text),
        turnout.StepFinish(
            reason=reason, usage=usage or turnout.Usage(input_tokens=3, output_tokens=2, total_tokens=5)
        ),
    ]


def call_step(name: str, args: str, call_id: str = "call_1") -> list[LLMEvent]:
    """A step that calls tool ``name`` with raw JSON ``args``."""
    import json

    return [
        turnout.ToolInputStart(id=call_id, name=name),
        turnout.ToolInputDelta(id=call_id, name=name, text=args),
        turnout.ToolInputEnd(id=call_id, name=name),
        turnout.ToolCall(id=call_id, name=name, input=json.loads(args)),
        turnout.StepFinish(reason="tool-calls", usage=turnout.Usage(input_tokens=10, output_tokens=5, total_tokens=15)),
    ]


def runtime_with(*plugins: object, native: bool | None = None, config: dict[str, Any] | None = None) -> turnout.Runtime:
    """A Runtime with only the given plugins and an OpenAI key configured."""
    base = {"provider": {"openai": {"options": {"apiKey": "sk-test-not-a-real-key-123456"}}}}
    return turnout.Runtime(native=native, config=config or base, plugins=plugins, load_entry_points=False)
