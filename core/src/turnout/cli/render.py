"""Printing an event stream: live for people, one JSON object per line for programs."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from turnout.events import (
    Finish,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    StepStart,
    TextDelta,
    ToolCall,
    ToolError,
    ToolResult,
    Usage,
)

if TYPE_CHECKING:
    from turnout.request import LLMRequest
    from turnout.runtime import Runtime

__all__ = ["EventPrinter", "Spinner", "StreamOutcome", "format_usage", "print_json", "stream_and_print", "use_color"]

DIM, RESET = "\x1b[2m", "\x1b[0m"


def use_color(out: TextIO) -> bool:
    """Colour only on a terminal, and never when ``$NO_COLOR`` is set (https://no-color.org)."""
    return out.isatty() and not os.environ.get("NO_COLOR")


def print_json(data: Any, out: TextIO | None = None) -> None:
    """Print data as indented JSON."""
    print(json.dumps(data, indent=2, ensure_ascii=False), file=out or sys.stdout)


def format_usage(usage: Usage | None) -> str:
    """``usage: 12 in (3 cached), 40 out (10 reasoning), 52 total``."""
    if usage is None:
        return "usage: not reported"
    parts = [f"{usage.input_tokens if usage.input_tokens is not None else '?'} in"]
    if usage.cache_read_input_tokens:
        parts[-1] += f" ({usage.cache_read_input_tokens} cached)"
    out = f"{usage.output_tokens if usage.output_tokens is not None else '?'} out"
    if usage.reasoning_tokens:
        out += f" ({usage.reasoning_tokens} reasoning)"
    parts.append(out)
    if usage.total_tokens is not None:
        parts.append(f"{usage.total_tokens} total")
    if usage.cost is not None:
        parts.append(f"${usage.cost:.6f}")
    return "usage: " + ", ".join(parts)


class EventPrinter:
    """Prints events as they arrive: JSON lines (``as_json``) or live text for a terminal.

    Live text: reasoning dim (when colour is on), each reasoning or text block its own
    paragraph (an OpenAI reasoning summary's parts are separate blocks), tool calls and results
    on their own lines, then a ``[finish: …] usage: …`` line.
    """

    def __init__(self, *, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self._color = not as_json and use_color(self.out)
        self._in_line = False
        self._block: str | None = None
        self.ended = False
        """Whether the terminal line (``finish``) was printed."""

    def __call__(self, event: LLMEvent) -> None:
        """Print one event."""
        if self.as_json:
            self.out.write(json.dumps(event.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")
            self.out.flush()
            self.ended = isinstance(event, Finish)
            return
        match event:
            case TextDelta(id=block, text=text):
                self._delta(block, text, dim=False)
            case ReasoningDelta(id=block, text=text):
                self._delta(block, text, dim=True)
            case ToolCall(name=name, input=arguments, provider_executed=hosted):
                suffix = " (provider-executed)" if hosted else ""
                self._line(f"→ tool call {name}({json.dumps(arguments, ensure_ascii=False)}){suffix}")
            case ToolResult(name=name, result=result):
                shown = json.dumps(result.value, ensure_ascii=False, default=str)
                shown = shown if len(shown) <= 200 else shown[:197] + "..."
                self._line(f"← tool result {name}: {'error: ' if result.type == 'error' else ''}{shown}")
            case ToolError(name=name, message=message):
                self._line(f"! tool error {name}: {message}")
            case ProviderError(message=message):
                self._line(f"! provider error: {message}")
            case Finish(reason=reason, usage=usage):
                self._line(f"[finish: {reason}] {format_usage(usage)}")
                self.ended = True

    def _delta(self, block: str, text: str, *, dim: bool) -> None:
        if block != self._block:
            if self._block is not None:
                self._newline()
                self.out.write("\n")  # a blank line between blocks
            self._block = block
        self.out.write(f"{DIM}{text}{RESET}" if dim and self._color else text)
        self.out.flush()
        self._in_line = not text.endswith("\n")

    def _newline(self) -> None:
        if self._in_line:
            self.out.write("\n")
            self._in_line = False

    def _line(self, text: str) -> None:
        self._newline()
        self._block = None
        self.out.write(text + "\n")
        self.out.flush()


class Spinner:
    """A spinner on a terminal's stderr while waiting for the first event with content."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, label: str, out: TextIO | None = None, interval: float = 0.1) -> None:
        self.label = label
        self.out = out or sys.stderr
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start spinning (only when ``out`` is a terminal)."""
        if self.out.isatty():
            self._task = asyncio.get_running_loop().create_task(self._spin())

    async def _spin(self) -> None:
        frame = 0
        while True:
            self.out.write(f"\r{self.FRAMES[frame % len(self.FRAMES)]} {self.label}")
            self.out.flush()
            frame += 1
            await asyncio.sleep(self.interval)

    def stop(self) -> None:
        """Stop and erase the spinner (idempotent)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
            self.out.write("\r\x1b[K")
            self.out.flush()


@dataclass
class StreamOutcome:
    """What a streamed run produced."""

    events: list[LLMEvent] = field(default_factory=list)
    """Every event, in order."""
    runtime: str | None = None
    """The runtime that handled it."""

    @property
    def exit_code(self) -> int:
        """1 when the stream ended in error, else 0."""
        finish = self.events[-1] if self.events else None
        return 1 if not isinstance(finish, Finish) or finish.reason == "error" else 0


def stream_and_print(
    runtime: Runtime, request: LLMRequest, *, max_steps: int, printer: EventPrinter, spinner: Spinner | None = None
) -> StreamOutcome:
    """Stream ``request`` through ``runtime``, printing each event; closes the runtime."""
    outcome = StreamOutcome()

    async def stream() -> None:
        used: list[str] = []
        if spinner is not None:
            spinner.start()
        try:
            async for event in runtime._observed(request, max_steps, used):
                if spinner is not None and not isinstance(event, StepStart):
                    spinner.stop()
                outcome.events.append(event)
                printer(event)
        finally:
            if spinner is not None:
                spinner.stop()
            outcome.runtime = used[0] if used else None
            await runtime.aclose()

    asyncio.run(stream())
    return outcome
