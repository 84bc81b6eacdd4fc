"""What comes out: the ``LLMEvent`` union, ``Usage``, ``FinishReason`` and ``Response``.

Events are pydantic models discriminated by ``type``. They sit on the per-token hot path, so
they are plain models with few fields; ``event.model_dump(mode="json", exclude_none=True)``
gives stable JSON with ``type`` first and ``None`` fields left out.

The order a stream follows is described (and enforced) in :mod:`turnout.guard`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, Field, TypeAdapter

from turnout.request import ProviderMetadata, ToolResultValue

__all__ = [
    "EVENT_ADAPTER",
    "Finish",
    "FinishReason",
    "LLMEvent",
    "ProviderError",
    "ReasoningDelta",
    "ReasoningEnd",
    "ReasoningStart",
    "Response",
    "StepFinish",
    "StepStart",
    "TextDelta",
    "TextEnd",
    "TextStart",
    "ToolCall",
    "ToolError",
    "ToolInputDelta",
    "ToolInputEnd",
    "ToolInputStart",
    "ToolResult",
    "Usage",
]

FinishReason: TypeAlias = Literal["stop", "length", "tool-calls", "content-filter", "error", "unknown"]
"""Why a step or the whole stream ended."""


def _sum(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class Usage(BaseModel):
    """Token counts for one step (on ``step-finish``) or the whole stream (on ``finish``).

    Unknown counts stay ``None``; nothing is fabricated and nothing is counted twice.
    """

    input_tokens: int | None = None
    """All prompt tokens, cache reads and writes included."""
    output_tokens: int | None = None
    """All output tokens, reasoning included."""
    non_cached_input_tokens: int | None = None
    """The part of the prompt that was neither read from nor written to a cache."""
    cache_read_input_tokens: int | None = None
    """Prompt tokens read from the provider's cache."""
    cache_write_input_tokens: int | None = None
    """Prompt tokens written to the provider's cache."""
    reasoning_tokens: int | None = None
    """The part of ``output_tokens`` spent on hidden reasoning."""
    total_tokens: int | None = None
    """The provider's total, else input + output when either is known."""
    cost: float | None = None
    """Cost in USD when the provider reports it (never a fabricated 0)."""
    provider_metadata: ProviderMetadata | None = None
    """The raw usage payload keyed by provider."""

    def __add__(self, other: Usage) -> Usage:
        """Sum two usages field by field (``None`` + n = n); raw metadata is merged per provider."""
        metadata: ProviderMetadata | None = None
        if self.provider_metadata or other.provider_metadata:
            metadata = {**(self.provider_metadata or {}), **(other.provider_metadata or {})}
        cost = None if self.cost is None and other.cost is None else (self.cost or 0) + (other.cost or 0)
        return Usage(
            input_tokens=_sum(self.input_tokens, other.input_tokens),
            output_tokens=_sum(self.output_tokens, other.output_tokens),
            non_cached_input_tokens=_sum(self.non_cached_input_tokens, other.non_cached_input_tokens),
            cache_read_input_tokens=_sum(self.cache_read_input_tokens, other.cache_read_input_tokens),
            cache_write_input_tokens=_sum(self.cache_write_input_tokens, other.cache_write_input_tokens),
            reasoning_tokens=_sum(self.reasoning_tokens, other.reasoning_tokens),
            total_tokens=_sum(self.total_tokens, other.total_tokens),
            cost=cost,
            provider_metadata=metadata,
        )

    @classmethod
    def total(cls, usages: Iterable[Usage | None]) -> Usage | None:
        """The sum of the given usages, or ``None`` when none is known."""
        result: Usage | None = None
        for usage in usages:
            if usage is not None:
                result = usage if result is None else result + usage
        return result


class StepStart(BaseModel):
    """One provider call ("step") starts producing output."""

    type: Literal["step-start"] = "step-start"
    index: int = 0
    """The step number, counting 0, 1, 2… across the whole stream."""
    provider_metadata: ProviderMetadata | None = None


class TextStart(BaseModel):
    """A visible text block opens."""

    type: Literal["text-start"] = "text-start"
    id: str
    """The block id (OpenAI: the output item id), unique within the stream."""
    provider_metadata: ProviderMetadata | None = None


class TextDelta(BaseModel):
    """More text for block ``id``."""

    type: Literal["text-delta"] = "text-delta"
    id: str
    """The block id."""
    text: str
    """The increment."""
    provider_metadata: ProviderMetadata | None = None


class TextEnd(BaseModel):
    """Text block ``id`` is complete."""

    type: Literal["text-end"] = "text-end"
    id: str
    """The block id."""
    provider_metadata: ProviderMetadata | None = None


class ReasoningStart(BaseModel):
    """A reasoning ("thinking") block opens."""

    type: Literal["reasoning-start"] = "reasoning-start"
    id: str
    """The block id, unique within the stream."""
    provider_metadata: ProviderMetadata | None = None


class ReasoningDelta(BaseModel):
    """More reasoning text for block ``id``."""

    type: Literal["reasoning-delta"] = "reasoning-delta"
    id: str
    """The block id."""
    text: str
    """The increment."""
    provider_metadata: ProviderMetadata | None = None


class ReasoningEnd(BaseModel):
    """Reasoning block ``id`` is complete; its metadata carries the continuation state."""

    type: Literal["reasoning-end"] = "reasoning-end"
    id: str
    """The block id."""
    provider_metadata: ProviderMetadata | None = None


class ToolInputStart(BaseModel):
    """The model started a client tool call; arguments follow as deltas."""

    type: Literal["tool-input-start"] = "tool-input-start"
    id: str
    """The provider's call id."""
    name: str
    """The tool name."""
    provider_metadata: ProviderMetadata | None = None


class ToolInputDelta(BaseModel):
    """A raw, unparsed fragment of a tool call's JSON arguments."""

    type: Literal["tool-input-delta"] = "tool-input-delta"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    text: str
    """The fragment."""
    provider_metadata: ProviderMetadata | None = None


class ToolInputEnd(BaseModel):
    """The arguments of call ``id`` are complete."""

    type: Literal["tool-input-end"] = "tool-input-end"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    provider_metadata: ProviderMetadata | None = None


class ToolCall(BaseModel):
    """A complete tool call with parsed arguments."""

    type: Literal["tool-call"] = "tool-call"
    id: str
    """The provider's call id (hosted tools: the item id)."""
    name: str
    """The tool name."""
    input: Any = None
    """The parsed JSON arguments."""
    provider_executed: bool | None = None
    """True for provider-hosted tools (web search …): the host must not run them."""
    provider_metadata: ProviderMetadata | None = None


class ToolResult(BaseModel):
    """The result of a tool call, from a host tool or a provider-hosted tool."""

    type: Literal["tool-result"] = "tool-result"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    result: ToolResultValue
    """The value (``{"type": "json" | "text" | "error", "value": …}``)."""
    provider_executed: bool | None = None
    """True when the provider ran the tool."""
    provider_metadata: ProviderMetadata | None = None


class ToolError(BaseModel):
    """A tool call failed (unknown tool, invalid input, the tool raised); a result follows."""

    type: Literal["tool-error"] = "tool-error"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    message: str
    """What went wrong, readable."""
    provider_metadata: ProviderMetadata | None = None


class StepFinish(BaseModel):
    """One provider call ended; ``usage`` is that call's own."""

    type: Literal["step-finish"] = "step-finish"
    index: int = 0
    """The step number."""
    reason: FinishReason = "unknown"
    """Why the step ended."""
    usage: Usage | None = None
    """This step's usage, when reported."""
    provider_metadata: ProviderMetadata | None = None


class Finish(BaseModel):
    """The whole stream ended; always the last event, exactly once."""

    type: Literal["finish"] = "finish"
    reason: FinishReason = "unknown"
    """The last step's reason (``error`` after a provider error)."""
    usage: Usage | None = None
    """Usage summed over all steps."""
    provider_metadata: ProviderMetadata | None = None


class ProviderError(BaseModel):
    """An error the provider reported inside a successful (200) stream."""

    type: Literal["provider-error"] = "provider-error"
    message: str
    """The provider's message, prefixed with its code when it sent one."""
    code: str | None = None
    """A classification: the provider's code, or ``truncated``, ``context-overflow`` …"""
    retryable: bool | None = None
    """Whether the same request may succeed when retried."""
    provider_metadata: ProviderMetadata | None = None


LLMEvent: TypeAlias = Annotated[
    StepStart
    | TextStart
    | TextDelta
    | TextEnd
    | ReasoningStart
    | ReasoningDelta
    | ReasoningEnd
    | ToolInputStart
    | ToolInputDelta
    | ToolInputEnd
    | ToolCall
    | ToolResult
    | ToolError
    | StepFinish
    | Finish
    | ProviderError,
    Field(discriminator="type"),
]
"""Any event, discriminated by ``type``."""

EVENT_ADAPTER: TypeAdapter[LLMEvent] = TypeAdapter(LLMEvent)
"""Validates and serializes ``LLMEvent`` values: ``EVENT_ADAPTER.validate_json(line)``."""


class Response(BaseModel):
    """A whole stream collected: what ``Runtime.generate`` returns."""

    text: str = ""
    """All text deltas joined."""
    reasoning: str = ""
    """All reasoning deltas joined."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Every tool call (client and provider-executed)."""
    tool_results: list[ToolResult] = Field(default_factory=list)
    """Every tool result."""
    usage: Usage | None = None
    """Usage summed over all steps (from ``finish``)."""
    finish_reason: FinishReason = "unknown"
    """The reason on ``finish``."""
    errors: list[ProviderError] = Field(default_factory=list)
    """Provider errors reported inside the stream."""
    events: list[LLMEvent] = Field(default_factory=list)
    """Every event, in order."""
    runtime: str | None = None
    """The id of the runtime that produced the stream."""

    @classmethod
    def from_events(cls, events: Iterable[LLMEvent], *, runtime: str | None = None) -> Response:
        """Collect events into a response."""
        events = list(events)
        text: list[str] = []
        reasoning: list[str] = []
        response = cls(events=events, runtime=runtime)
        for event in events:
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
            elif isinstance(event, ToolCall):
                response.tool_calls.append(event)
            elif isinstance(event, ToolResult):
                response.tool_results.append(event)
            elif isinstance(event, ProviderError):
                response.errors.append(event)
            elif isinstance(event, Finish):
                response.usage = event.usage
                response.finish_reason = event.reason
        response.text = "".join(text)
        response.reasoning = "".join(reasoning)
        return response
