"""Turning one step's events back into messages, for the follow-up request of a tool loop."""

from __future__ import annotations

from turnout.events import (
    LLMEvent,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolResult,
)
from turnout.request import (
    Message,
    Part,
    ProviderMetadata,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
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
        if isinstance(event, TextStart | ReasoningStart):
            blocks = self._text if isinstance(event, TextStart) else self._reasoning
            blocks[event.id] = (len(self._parts), [], event.provider_metadata)
            self._parts.append(None)
        elif isinstance(event, TextDelta | ReasoningDelta):
            (self._text if isinstance(event, TextDelta) else self._reasoning)[event.id][1].append(event.text)
        elif isinstance(event, TextEnd | ReasoningEnd):
            blocks = self._text if isinstance(event, TextEnd) else self._reasoning
            position, chunks, start_meta = blocks.pop(event.id)
            metadata = _merge(start_meta, event.provider_metadata)
            text = "".join(chunks)
            self._parts[position] = (
                TextPart(text=text, provider_metadata=metadata)
                if isinstance(event, TextEnd)
                else ReasoningPart(text=text, provider_metadata=metadata)
            )
        elif isinstance(event, ToolCall):
            self._parts.append(
                ToolCallPart(
                    id=event.id,
                    name=event.name,
                    input=event.input,
                    provider_executed=event.provider_executed,
                    provider_metadata=event.provider_metadata,
                )
            )
        elif isinstance(event, ToolResult) and event.provider_executed:
            self._parts.append(
                ToolResultPart(
                    id=event.id,
                    name=event.name,
                    result=event.result,
                    provider_executed=True,
                    provider_metadata=event.provider_metadata,
                )
            )

    def message(self) -> Message:
        """The assistant message (empty text blocks dropped)."""
        parts = [p for p in self._parts if p is not None and not (isinstance(p, TextPart) and not p.text)]
        return Message(role="assistant", content=parts)


def tool_results_message(events: list[ToolError | ToolResult]) -> Message:
    """The tool message answering a step's client tool calls."""
    parts: list[Part] = [
        ToolResultPart(id=e.id, name=e.name, result=e.result) for e in events if isinstance(e, ToolResult)
    ]
    return Message(role="tool", content=parts)
