"""The echo service's event stream → turnout events.

The service sends server-sent events: ``start`` (``{"id"}``), ``delta`` (``{"text"}``), then
``done`` (``{"finish_reason", "usage"}``) or ``error`` (``{"message", "code"}``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any

from turnout.errors import StreamDecodeError
from turnout.plugin_api import (
    FinishReason,
    LLMEvent,
    ProviderError,
    SSEFrame,
    StepFinish,
    StepStart,
    TextDelta,
    TextEnd,
    TextStart,
    Usage,
    WireRequest,
    aiter_sse,
)

if TYPE_CHECKING:
    from turnout.plugin_api import HTTPClient

_REASONS: dict[str, FinishReason] = {"stop": "stop", "length": "length"}


async def stream_events(wire: WireRequest, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Send ``wire`` and yield the events of the echo stream."""
    async with http.stream(wire) as response:
        async for event in parse_echo_stream(aiter_sse(response.aiter_bytes())):
            yield event


def _data(frame: SSEFrame) -> dict[str, Any]:
    try:
        data = json.loads(frame.data)
    except ValueError:
        raise StreamDecodeError("the echo service sent invalid JSON", frame=frame.data[:200]) from None
    if not isinstance(data, dict):
        raise StreamDecodeError("the echo service sent a non-object event", frame=frame.data[:200])
    return data


async def parse_echo_stream(frames: AsyncIterable[SSEFrame]) -> AsyncIterator[LLMEvent]:
    """Turn echo SSE frames into one step of events."""
    yield StepStart()
    block_id = "text-0"
    opened = False
    async for frame in frames:
        data = _data(frame)
        if frame.event == "start":
            block_id = str(data.get("id") or block_id)
        elif frame.event == "delta":
            if not opened:
                opened = True
                yield TextStart(id=block_id)
            yield TextDelta(id=block_id, text=str(data.get("text", "")))
        elif frame.event == "error":
            yield ProviderError(message=str(data.get("message", "echo error")), code=data.get("code"))
            return
        elif frame.event == "done":
            if opened:
                yield TextEnd(id=block_id)
            usage = data.get("usage") or {}
            inputs, outputs = usage.get("input_tokens"), usage.get("output_tokens")
            yield StepFinish(
                reason=_REASONS.get(str(data.get("finish_reason")), "unknown"),
                usage=Usage(
                    input_tokens=inputs,
                    output_tokens=outputs,
                    total_tokens=inputs + outputs if inputs is not None and outputs is not None else None,
                ),
            )
            return
    raise StreamDecodeError("the echo stream ended before its done event")
