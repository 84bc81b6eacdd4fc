"""The spans' lifecycle: one ``invoke_agent`` span per request, one ``chat`` span per step, one
``execute_tool`` span per host tool call, each ended exactly once, whatever ends the stream.

Imported by the plugin's hooks on first use, so OpenTelemetry is not imported at discovery.
Spans are parented explicitly (step and tool spans under their request span, the request span
under whatever span is current when the request starts); none is made current, since an async
generator cannot attach a context across its ``yield``s safely.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from turnout.plugin_api import Finish, ProviderError, StepFinish, ToolCall, ToolError, ToolResult, redact_text

from turnout_otel.attributes import (
    ERROR_TYPE,
    FINISH_REASONS,
    OPERATION,
    chat_attributes,
    error_type,
    finish_attributes,
    model_attributes,
    tool_attributes,
    usage_attributes,
)

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer
    from turnout.plugin_api import LLMEvent, LLMRequest, ResolvedModel, WireRequest

__all__ = ["RequestTrace", "trace_request", "trace_step"]

CLOSED_EARLY = "the stream was closed before it finished"


class RequestTrace:
    """The spans of one request: its ``invoke_agent`` span and its open ``execute_tool`` spans."""

    def __init__(self, tracer: Tracer, request: LLMRequest) -> None:
        self.tracer = tracer
        self.request = request
        self.span = tracer.start_span("invoke_agent", kind=SpanKind.INTERNAL, attributes={OPERATION: "invoke_agent"})
        self.context = trace.set_span_in_context(self.span)
        self.secrets: list[str] = []
        """Credentials of the models this request used, redacted from every message recorded."""
        self._failed = False
        self._ended = False
        self._calls: list[ToolCall] = []
        self._tools: dict[str, Span] = {}

    def step_opened(self, model: ResolvedModel, runtime: str) -> None:
        """A step of this request opens: the request span learns the provider, model and runtime."""
        self.span.set_attributes(model_attributes(model, runtime))
        if model.api_key is not None:
            self.secrets.append(model.api_key.get_secret_value())

    def observe(self, event: LLMEvent) -> None:
        """Record one event of the request's stream."""
        if isinstance(event, ToolCall) and not event.provider_executed:
            self._calls.append(event)
        elif isinstance(event, ProviderError):
            self._failed = True
            fail(self.span, event.code or "provider_error", event.message, self.secrets)
        elif isinstance(event, ToolError) and event.id in self._tools:
            fail(self._tools[event.id], "tool_error", event.message, self.secrets)
        elif isinstance(event, ToolResult) and event.id in self._tools:
            self._tools.pop(event.id).end()
        elif isinstance(event, Finish):
            self.span.set_attributes({FINISH_REASONS: (event.reason,), **usage_attributes(event.usage)})
            if event.reason == "error" and not self._failed:
                fail(self.span, "_OTHER", "the request finished with an error", self.secrets)
            self.end(None)  # the request is complete, whatever the consumer does next

    def tools_starting(self) -> None:
        """The core is about to run the host tools the last step called: their spans start."""
        for call in self._calls:
            self._tools[call.id] = self.tracer.start_span(
                f"execute_tool {call.name}",
                context=self.context,
                kind=SpanKind.INTERNAL,
                attributes=tool_attributes(call.name, call.id),
            )
        self._calls.clear()

    def end(self, error: BaseException | None) -> None:
        """End the tool spans still open and the request span (once); ``error`` is what ended it."""
        if self._ended:
            return
        self._ended = True
        for span in self._tools.values():
            if error is not None:
                fail_with(span, error, self.secrets)
            span.end()
        self._tools.clear()
        if error is not None:
            fail_with(self.span, error, self.secrets)
        self.span.end()


async def trace_request(
    tracer: Tracer,
    request: LLMRequest,
    request_id: str,
    open_requests: dict[str, RequestTrace],
    events: AsyncIterator[LLMEvent],
) -> AsyncIterator[LLMEvent]:
    """Pass the request's events on, recording them; the spans end when the stream does.

    While it runs, the request's trace is in ``open_requests`` under ``request_id``, where its
    steps find their parent.
    """
    request_trace = open_requests[request_id] = RequestTrace(tracer, request)
    error: BaseException | None = None
    try:
        async for event in events:
            request_trace.observe(event)
            yield event
            if isinstance(event, StepFinish):
                request_trace.tools_starting()
    except BaseException as exc:
        error = exc
        raise
    finally:
        del open_requests[request_id]
        try:
            await _aclose(events)
        finally:
            request_trace.end(error)


async def trace_step(
    tracer: Tracer,
    parent: RequestTrace | None,
    wire: WireRequest,
    model: ResolvedModel,
    runtime: str,
    step: int,
    events: AsyncIterator[LLMEvent],
) -> AsyncIterator[LLMEvent]:
    """Pass one step's events on inside a ``chat`` span (a child of the request's span)."""
    if parent is not None:
        parent.step_opened(model, runtime)
    secrets = [model.api_key.get_secret_value()] if model.api_key is not None else []
    span = tracer.start_span(
        f"chat {model.api_id}",
        context=parent.context if parent is not None else None,
        kind=SpanKind.CLIENT,
        attributes=chat_attributes(model, runtime, wire.url, step, parent.request.generation if parent else None),
    )
    failed = ended = False
    try:
        async for event in events:
            if isinstance(event, ProviderError):
                failed = True
                fail(span, event.code or "provider_error", event.message, secrets)
            elif isinstance(event, StepFinish):
                span.set_attributes(finish_attributes(event))
                if event.reason == "error" and not failed:
                    fail(span, "_OTHER", "the step finished with an error", secrets)
                ended = True
                span.end()  # the response is complete: the core runs the tools next
            yield event
    except BaseException as exc:
        if not ended:
            fail_with(span, exc, secrets)
        raise
    finally:
        try:
            await _aclose(events)
        finally:
            if not ended:
                span.end()


def fail(span: Span, kind: str, message: str, secrets: Iterable[str]) -> None:
    """Mark ``span`` as failed: ``error.type`` and an error status with the (redacted) message."""
    span.set_attribute(ERROR_TYPE, kind)
    span.set_status(Status(StatusCode.ERROR, redact_text(message, secrets)))


def fail_with(span: Span, error: BaseException, secrets: Iterable[str]) -> None:
    """Mark ``span`` as failed by an exception (an ``exception`` event, message redacted)."""
    closed = isinstance(error, GeneratorExit)
    message = CLOSED_EARLY if closed else redact_text(str(error), secrets)
    if not closed:
        span.add_event("exception", {"exception.type": error_type(error), "exception.message": message})
    fail(span, error_type(error), message, ())


async def _aclose(events: AsyncIterator[LLMEvent]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()
