"""The turnout-otel plugin: OpenTelemetry spans for every request, step and host tool call.

Written as any third-party plugin would be: a manifest that owns no runtime, and two wrappers,
one on the request hook (``turnout_stream_request``: the ``invoke_agent`` span and the
``execute_tool`` spans) and one on the streaming hook (``turnout_open_stream``: one ``chat``
span per provider call). This module stays cheap to import: OpenTelemetry is imported when
the first request is traced, not at plugin discovery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider
    from turnout.plugin_api import LLMEvent, LLMRequest, ResolvedModel, WireRequest

    from turnout_otel.spans import RequestTrace

__all__ = ["OpenTelemetryTracing", "tracing"]

Wrapper = Generator[None, "AsyncIterator[LLMEvent]", "AsyncIterator[LLMEvent]"]


class OpenTelemetryTracing:
    """The plugin: GenAI semantic-convention spans through ``tracer_provider``.

    :param tracer_provider: where spans go; ``None`` (the installed plugin) uses the global one
        set with ``opentelemetry.trace.set_tracer_provider``, even if it is set later.
    """

    turnout_manifest = Manifest(hooks_version=HOOKS_VERSION)
    """Owns no runtime: it only observes."""

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        self.__name__ = "otel"
        self._tracer_provider = tracer_provider
        self._tracer: Tracer | None = None
        self._open_requests: dict[str, RequestTrace] = {}

    @property
    def tracer(self) -> Tracer:
        """The tracer of instrumentation scope ``turnout_otel`` (created on first use)."""
        if self._tracer is None:
            from opentelemetry import trace

            self._tracer = trace.get_tracer("turnout_otel", tracer_provider=self._tracer_provider)
        return self._tracer

    @hookimpl(wrapper=True)
    def turnout_stream_request(self, request: LLMRequest, request_id: str) -> Wrapper:
        """Trace the whole request: its span opens when the stream is first read."""
        events = yield
        from turnout_otel.spans import trace_request

        return trace_request(self.tracer, request, request_id, self._open_requests, events)

    @hookimpl(wrapper=True)
    def turnout_open_stream(
        self, wire: WireRequest, model: ResolvedModel, runtime: str, request_id: str, step: int
    ) -> Wrapper:
        """Trace one provider call, as a child of its request's span."""
        events = yield
        from turnout_otel.spans import trace_step

        return trace_step(self.tracer, self._open_requests.get(request_id), wire, model, runtime, step, events)


tracing = OpenTelemetryTracing()
"""The instance the ``turnout`` entry point ``otel`` registers (spans go to the global provider)."""
