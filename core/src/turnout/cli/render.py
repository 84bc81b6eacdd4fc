"""Printing an event stream: live for people, one JSON object per line for programs."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from turnout.events import Finish, LLMEvent, Usage

if TYPE_CHECKING:
    from turnout.request import LLMRequest
    from turnout.runtime import Runtime

__all__ = ["EventPrinter", "format_usage", "print_json", "print_stream"]

DIM, RESET = "\x1b[2m", "\x1b[0m"


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
    """Prints events as they arrive: JSON lines (``as_json``) or live text for a terminal."""

    def __init__(self, *, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self._color = not as_json and self.out.isatty()
        self._in_line = False

    def __call__(self, event: LLMEvent) -> None:
        """Print one event."""
        if self.as_json:
            self.out.write(json.dumps(event.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")
            self.out.flush()
            return
        kind = event.type
        if kind == "text-delta":
            self._write(event.text)  # type: ignore[union-attr]
        elif kind == "reasoning-delta":
            self._write(f"{DIM}{event.text}{RESET}" if self._color else event.text)  # type: ignore[union-attr]
        elif kind in ("text-end", "reasoning-end"):
            self._newline()
        elif kind == "tool-call":
            hosted = " (provider-executed)" if event.provider_executed else ""  # type: ignore[union-attr]
            self._line(f"→ tool call {event.name}({json.dumps(event.input, ensure_ascii=False)}){hosted}")  # type: ignore[union-attr]
        elif kind == "tool-result":
            result = event.result  # type: ignore[union-attr]
            shown = json.dumps(result.value, ensure_ascii=False, default=str)
            shown = shown if len(shown) <= 200 else shown[:197] + "..."
            self._line(f"← tool result {event.name}: {'error: ' if result.type == 'error' else ''}{shown}")  # type: ignore[union-attr]
        elif kind == "tool-error":
            self._line(f"! tool error {event.name}: {event.message}")  # type: ignore[union-attr]
        elif kind == "provider-error":
            self._line(f"! provider error: {event.message}")  # type: ignore[union-attr]
        elif kind == "finish":
            self._line(f"[finish: {event.reason}] {format_usage(event.usage)}")  # type: ignore[union-attr]

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
        self._in_line = not text.endswith("\n")

    def _newline(self) -> None:
        if self._in_line:
            self.out.write("\n")
            self._in_line = False

    def _line(self, text: str) -> None:
        self._newline()
        self.out.write(text + "\n")
        self.out.flush()


def print_stream(runtime: Runtime, request: LLMRequest, *, max_steps: int, printer: EventPrinter) -> int:
    """Stream ``request`` through ``runtime``, printing each event; the exit code (1 if it ended in error)."""

    async def stream() -> str:
        reason = "unknown"
        try:
            async for event in runtime.stream(request, max_steps=max_steps):
                printer(event)
                if isinstance(event, Finish):
                    reason = event.reason
        finally:
            await runtime.aclose()
        return reason

    return 1 if asyncio.run(stream()) == "error" else 0
