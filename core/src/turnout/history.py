"""Turning one step's events back into messages, for the follow-up request of a tool loop."""

from __future__ import annotations

from turnout.events import LLMEvent, ToolError, ToolResult
from turnout.request import (
    Message,
    Part,
    ProviderMetadata,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    ToolResultValue,
)

__all__ = ["AssistantMessageBuilder", "tool_results_message"]


def _merge(a: ProviderMetadata | None, b: ProviderMetadata | None) -> ProviderMetadata | None:
    if not a:
        return b
    if not b:
        return a
    merged = {provider: dict(values) for provider, values in a.items()}
    for provider, values in b.items():
        merged.setdefault(provider, {}).update(values)
    return merged


class AssistantMessageBuilder:
    """Collects a step's text, reasoning, tool calls and hosted tool results, in order."""

    def __init__(self) -> None:
        self._parts: list[Part | None] = []
        self._text: dict[str, tuple[int, list[str], ProviderMetadata | None]] = {}
        self._reasoning: dict[str, tuple[int, list[str], ProviderMetadata | None]] = {}

    def add(self, event: LLMEvent) -> None:
        """Feed one event of the step."""
        kind = event.type
        if kind in ("text-start", "reasoning-start"):
            blocks = self._text if kind == "text-start" else self._reasoning
            blocks[event.id] = (len(self._parts), [], event.provider_metadata)  # type: ignore[union-attr]
            self._parts.append(None)
        elif kind in ("text-delta", "reasoning-delta"):
            blocks = self._text if kind == "text-delta" else self._reasoning
            blocks[event.id][1].append(event.text)  # type: ignore[union-attr]
        elif kind in ("text-end", "reasoning-end"):
            blocks = self._text if kind == "text-end" else self._reasoning
            position, chunks, start_meta = blocks.pop(event.id)  # type: ignore[union-attr]
            metadata = _merge(start_meta, event.provider_metadata)
            text = "".join(chunks)
            self._parts[position] = (
                TextPart(text=text, provider_metadata=metadata) if kind == "text-end"
                else ReasoningPart(text=text, provider_metadata=metadata)
            )
        elif kind == "tool-call":
            self._parts.append(ToolCallPart(
                id=event.id, name=event.name, input=event.input,  # type: ignore[union-attr]
                provider_executed=event.provider_executed, provider_metadata=event.provider_metadata,  # type: ignore[union-attr]
            ))
        elif kind == "tool-result" and event.provider_executed:  # type: ignore[union-attr]
            self._parts.append(ToolResultPart(
                id=event.id, name=event.name, result=event.result,  # type: ignore[union-attr]
                provider_executed=True, provider_metadata=event.provider_metadata,
            ))

    def message(self) -> Message:
        """The assistant message (empty text blocks dropped)."""
        parts = [p for p in self._parts if p is not None and not (isinstance(p, TextPart) and not p.text)]
        return Message(role="assistant", content=parts)


def tool_results_message(events: list[ToolError | ToolResult]) -> Message:
    """The tool message answering a step's client tool calls."""
    parts: list[Part] = [
        ToolResultPart(id=e.id, name=e.name, result=ToolResultValue.model_validate(e.result.model_dump()))
        for e in events
        if isinstance(e, ToolResult)
    ]
    return Message(role="tool", content=parts)
