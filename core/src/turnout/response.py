"""``Response``: a whole stream collected, what ``Runtime.generate`` returns.

Besides the text and the tool calls it holds what a follow-up request needs: ``messages`` (the
assistant turn of each step, reasoning continuation state and tool results included, ready to
append: ``LLMRequest(messages=[*previous.messages, user("…")])``), ``response_id`` (for
``previousResponseId``), and ``output``, the parsed structured output when the request asked
for one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from turnout.errors import OutputValidationError
from turnout.events import (
    Finish,
    FinishReason,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    StepFinish,
    StepStart,
    TextDelta,
    ToolCall,
    ToolError,
    ToolResult,
    Usage,
)
from turnout.history import AssistantMessageBuilder, tool_results_message
from turnout.request import Message, ResponseFormat

__all__ = ["Response"]


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
    messages: list[Message] = Field(default_factory=list)
    """This turn as messages to append to the next request: each step's assistant message
    (text, reasoning with its continuation state, tool calls), then its tool results."""
    response_id: str | None = None
    """The provider's response id (``finish``'s ``responseId``), for ``previousResponseId``."""
    output: Any = None
    """The parsed structured output (an instance of the model class when one was given)."""

    @classmethod
    def from_events(
        cls,
        events: Iterable[LLMEvent],
        *,
        runtime: str | None = None,
        response_format: ResponseFormat | None = None,
    ) -> Response:
        """Collect events into a response; with ``response_format``, parse the text into ``output``.

        :raises OutputValidationError: the text is not JSON, or does not fit the model class.
        """
        events = list(events)
        text: list[str] = []
        reasoning: list[str] = []
        response = cls(events=events, runtime=runtime)
        builder: AssistantMessageBuilder | None = None
        results: list[ToolError | ToolResult] = []
        for event in events:
            if isinstance(event, StepStart):
                response._flush_results(results)
                builder = AssistantMessageBuilder()
            elif builder is not None:
                builder.add(event)
            if isinstance(event, StepFinish) and builder is not None:
                message = builder.message()
                if message.content:
                    response.messages.append(message)
                builder = None
            elif isinstance(event, ToolResult | ToolError) and builder is None:
                results.append(event)
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
            elif isinstance(event, Finish | StepFinish):
                response.response_id = _response_id(event) or response.response_id
                if isinstance(event, Finish):
                    response.usage = event.usage
                    response.finish_reason = event.reason
        response._flush_results(results)
        response.text = "".join(text)
        response.reasoning = "".join(reasoning)
        if response_format is not None:
            response.output = parse_output(response.text, response_format)
        return response

    def _flush_results(self, results: list[ToolError | ToolResult]) -> None:
        if results:
            message = tool_results_message(results)
            if message.content:
                self.messages.append(message)
            results.clear()


def _response_id(event: Finish | StepFinish) -> str | None:
    for values in (event.provider_metadata or {}).values():
        if isinstance(value := values.get("responseId"), str):
            return value
    return None


def parse_output(text: str, response_format: ResponseFormat) -> Any:
    """``text`` parsed as ``response_format`` asks: a model instance, or plain JSON data.

    :raises OutputValidationError: carrying ``text``, when it does not parse or validate.
    """
    if response_format.output_type is not None:
        try:
            return response_format.output_type.model_validate_json(text)
        except ValidationError as exc:
            raise OutputValidationError(
                f"the structured output does not validate as {response_format.output_type.__name__}: "
                f"{exc.error_count()} error(s), first: {exc.errors()[0]['msg']}",
                raw=text,
            ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise OutputValidationError(f"the structured output is not valid JSON: {exc}", raw=text) from None
