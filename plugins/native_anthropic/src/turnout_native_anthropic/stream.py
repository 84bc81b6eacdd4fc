"""Anthropic Messages SSE frames → turnout events, for one provider call.

``parse_messages_stream`` turns the frames of one ``POST /messages`` stream into content events
followed by one ``step-finish`` (the core numbers steps and emits ``finish``). Blocks are keyed
by their stream ``index``; block ids are ``<message id>:<index>``.

- ``text`` blocks become text blocks; each citation (``citations_delta``) becomes a ``source``
  event tied to its block (``text_id``), in stream order: web search results are ``url``
  sources, document locations ``file`` sources; the raw citation is its ``provider_metadata``;
- ``thinking`` blocks become reasoning blocks whose ``reasoning-end`` carries
  ``{"anthropic": {"signature": …}}``; ``redacted_thinking`` becomes an empty reasoning block
  carrying ``{"anthropic": {"redactedData": …}}`` — the state a follow-up request sends back;
- ``tool_use`` streams as ``tool-input-start → tool-input-delta* → tool-input-end → tool-call``;
  arguments that are not JSON end in a ``tool-error`` for that call, never a guessed input;
- server tools (``server_tool_use``: web search, web fetch, code execution, tool search …;
  ``mcp_tool_use``) become a ``provider_executed`` ``tool-call`` when their block stops, and every
  ``*_tool_result`` block (``mcp_tool_result`` too) a ``provider_executed`` ``tool-result``, in
  stream order; ``{"anthropic": {"blockType": …}}`` names the block so it can be sent back;
- ``message_delta`` carries the stop reason and the final usage; ``message_stop`` ends the step
  (nothing after it is read); ``ping`` is ignored; an ``error`` event becomes ``provider-error``.

Usage: input is inclusive of cache reads and writes; the raw usage (``cache_creation`` details
included) is kept under ``provider_metadata``. Malformed frames, and a stream that ends before
``message_stop`` without an error, raise ``StreamDecodeError``. Unknown event and block types are
ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import from_json
from turnout.errors import StreamDecodeError
from turnout.plugin_api import (
    FinishReason,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    Source,
    StepFinish,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolInputDelta,
    ToolInputEnd,
    ToolInputStart,
    ToolResult,
    ToolResultValue,
    Usage,
    excerpt,
    is_context_overflow,
)

if TYPE_CHECKING:
    from turnout.plugin_api import HTTPClient, WireRequest

__all__ = ["STOP_REASONS", "finish_reason", "parse_messages_stream", "stream_events", "usage_from_message"]

_FRAME_EXCERPT = 500
_RETRYABLE_ERRORS = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})
_COUNTS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
_SERVER_CALLS = frozenset({"server_tool_use", "mcp_tool_use"})

STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool-calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content-filter",
}
"""Anthropic ``stop_reason`` → finish reason (``pause_turn`` and anything else: ``unknown``)."""


def finish_reason(stop_reason: str | None) -> FinishReason:
    """Map a ``stop_reason`` to a finish reason."""
    return STOP_REASONS.get(stop_reason or "", "unknown")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def usage_from_message(raw: Mapping[str, Any] | None) -> Usage | None:
    """Map the message's (final) ``usage`` to ``Usage`` (``None`` when absent).

    ``input_tokens`` is the sum of Anthropic's uncached input, cache reads and cache writes;
    server-side compaction iterations, which Anthropic leaves out of the top-level counts, are
    added back (they are billed for the same model). Reasoning tokens come from
    ``output_tokens_details.thinking_tokens`` when reported.
    """
    if not isinstance(raw, Mapping):
        return None
    counts = {key: _count(raw.get(key)) for key in _COUNTS}
    for iteration in raw.get("iterations") or ():
        if isinstance(iteration, Mapping) and iteration.get("type") == "compaction":
            for key in _COUNTS:
                extra = _count(iteration.get(key))
                if extra is not None:
                    counts[key] = (counts[key] or 0) + extra
    uncached, output = counts["input_tokens"], counts["output_tokens"]
    read, write = counts["cache_read_input_tokens"], counts["cache_creation_input_tokens"]
    known = [value for value in (uncached, read, write) if value is not None]
    total_input = sum(known) if known else None
    details = raw.get("output_tokens_details")
    reasoning = _count(details.get("thinking_tokens")) if isinstance(details, Mapping) else None
    total = None if total_input is None and output is None else (total_input or 0) + (output or 0)
    return Usage(
        input_tokens=total_input,
        output_tokens=output,
        non_cached_input_tokens=uncached,
        cache_read_input_tokens=read,
        cache_write_input_tokens=write,
        reasoning_tokens=reasoning,
        total_tokens=total,
        provider_metadata={"anthropic": dict(raw)},
    )


@dataclass(slots=True)
class _Block:
    """One open content block."""

    kind: str  # the Anthropic block type
    id: str  # our block id, or the tool call id
    name: str = ""
    start: dict[str, Any] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)  # input JSON fragments, compaction text
    signature: str | None = None


class _MessagesStream:
    """The parser state of one stream; every method handles one (rarer) event type."""

    def __init__(self) -> None:
        self.message_id = "msg"
        self.model: str | None = None
        self.blocks: dict[int, _Block] = {}
        self.call_names: dict[str, str] = {}  # server tool call id → name, for their results
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.metadata: dict[str, Any] = {}
        self.compaction: list[str] = []
        self.sources = 0  # sources emitted in this step, for their ids
        self.error_reported = False
        self.done = False

    # -- message ----------------------------------------------------------------------------

    def message_start(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        message = event.get("message") or {}
        self.message_id = message.get("id") or self.message_id
        self.model = message.get("model")
        if isinstance(message.get("usage"), Mapping):
            self.usage.update(message["usage"])
        return iter(())

    def message_delta(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        delta = event.get("delta") or {}
        if delta.get("stop_reason"):
            self.stop_reason = delta["stop_reason"]
        if delta.get("stop_sequence") is not None:
            self.metadata["stopSequence"] = delta["stop_sequence"]
        if delta.get("container") is not None:
            self.metadata["container"] = delta["container"]
        if event.get("context_management") is not None:
            self.metadata["contextManagement"] = event["context_management"]
        if isinstance(event.get("usage"), Mapping):  # cumulative: the latest value of each key wins
            self.usage.update(event["usage"])
        return iter(())

    def message_stop(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        self.done = True
        yield from self.close_all()
        metadata: dict[str, Any] = {"messageId": self.message_id}
        if self.model:
            metadata["model"] = self.model
        if self.stop_reason:
            metadata["stopReason"] = self.stop_reason
        metadata.update(self.metadata)
        if self.compaction:
            metadata["compaction"] = list(self.compaction)
        yield StepFinish(
            reason=finish_reason(self.stop_reason),
            usage=usage_from_message(self.usage) if self.usage else None,
            paused=self.stop_reason == "pause_turn" or None,
            provider_metadata={"anthropic": metadata},
        )

    def error(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        if self.error_reported:
            return
        self.error_reported = True
        nested = event.get("error")
        error: Mapping[str, Any] = nested if isinstance(nested, Mapping) else event
        code = error.get("type") if isinstance(error.get("type"), str) and error.get("type") != "error" else None
        message = error.get("message") if isinstance(error.get("message"), str) else None
        text = f"{code}: {message}" if code and message else message or code or "Anthropic Messages stream error"
        overflow = is_context_overflow(200, message, code)
        yield ProviderError(
            message=text,
            code="context-overflow" if overflow else code,
            retryable=True if code in _RETRYABLE_ERRORS else None,
            provider_metadata={"anthropic": {"messageId": self.message_id}},
        )

    def ended(self) -> Iterator[LLMEvent]:
        """The byte stream ended without ``message_stop``."""
        if not self.error_reported:
            raise StreamDecodeError("Anthropic Messages stream ended before message_stop")
        yield from self.close_all()
        yield StepFinish(reason="error", usage=usage_from_message(self.usage) if self.usage else None)

    # -- content blocks ---------------------------------------------------------------------

    def block_start(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        index = event["index"]
        start = event["content_block"]
        kind = start["type"]
        block_id = f"{self.message_id}:{index}"
        if kind == "text":
            self.blocks[index] = _Block(kind, block_id)
            yield TextStart(id=block_id)
            for citation in start.get("citations") or ():
                yield self.source(block_id, citation)
            if start.get("text"):
                yield TextDelta(id=block_id, text=start["text"])
        elif kind == "thinking":
            self.blocks[index] = _Block(kind, block_id, signature=start.get("signature") or None)
            yield ReasoningStart(id=block_id)
            if start.get("thinking"):
                yield ReasoningDelta(id=block_id, text=start["thinking"])
        elif kind == "redacted_thinking":
            self.blocks[index] = _Block(kind, block_id, start=start)
            yield ReasoningStart(id=block_id)
        elif kind == "tool_use":
            block = self.blocks[index] = _Block(kind, start["id"], name=start["name"], start=start)
            yield ToolInputStart(id=block.id, name=block.name)
        elif kind in _SERVER_CALLS:
            self.blocks[index] = _Block(kind, start["id"], name=start["name"], start=start)
            self.call_names[start["id"]] = start["name"]
        elif kind.endswith("_tool_result"):
            yield self.server_result(start)
        elif kind == "compaction":
            block = self.blocks[index] = _Block(kind, block_id)
            if start.get("content"):
                block.parts.append(start["content"])

    def server_result(self, block: Mapping[str, Any]) -> ToolResult:
        """A provider-executed tool's result (every ``*_tool_result`` block arrives whole)."""
        kind = block["type"]
        call_id = block.get("tool_use_id") or ""
        content = block.get("content")
        failed = block.get("is_error") is True or (
            isinstance(content, Mapping) and str(content.get("type", "")).endswith("_error")
        )
        metadata: dict[str, Any] = {"blockType": kind}
        if "is_error" in block:
            metadata["isError"] = block["is_error"]
        return ToolResult(
            id=call_id,
            name=self.call_names.get(call_id) or kind.removesuffix("_tool_result"),
            result=ToolResultValue(type="error" if failed else "json", value=content),
            provider_executed=True,
            provider_metadata={"anthropic": metadata},
        )

    def block_stop(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        block = self.blocks.pop(event["index"], None)
        if block is None:
            return
        kind = block.kind
        if kind == "text":
            yield TextEnd(id=block.id)
        elif kind == "thinking":
            yield ReasoningEnd(id=block.id, provider_metadata={"anthropic": {"signature": block.signature}})
        elif kind == "redacted_thinking":
            yield ReasoningEnd(id=block.id, provider_metadata={"anthropic": {"redactedData": block.start.get("data")}})
        elif kind == "tool_use":
            yield from self.finish_call(block)
        elif kind in _SERVER_CALLS:
            yield self.server_call(block)
        elif kind == "compaction":
            self.compaction.append("".join(block.parts))

    def finish_call(self, block: _Block) -> Iterator[LLMEvent]:
        yield ToolInputEnd(id=block.id, name=block.name)
        text = "".join(block.parts)
        if not text.strip():
            parsed = block.start.get("input") or {}
        else:
            try:
                parsed = from_json(text)
            except ValueError:
                yield ToolError(
                    id=block.id,
                    name=block.name,
                    message=f"the arguments of tool call {block.name} are not valid JSON ({len(text.encode())} bytes)",
                )
                return
        yield ToolCall(id=block.id, name=block.name, input=parsed)

    def server_call(self, block: _Block) -> ToolCall:
        text = "".join(block.parts)
        parsed: Any = block.start.get("input") or {}
        if text.strip():
            try:
                parsed = from_json(text)
            except ValueError:
                parsed = text  # the provider ran it; its arguments are shown as sent
        metadata: dict[str, Any] = {"blockType": block.kind}
        for key, name in (("server_name", "serverName"), ("caller", "caller")):
            if block.start.get(key) is not None:
                metadata[name] = block.start[key]
        return ToolCall(
            id=block.id,
            name=block.name,
            input=parsed,
            provider_executed=True,
            provider_metadata={"anthropic": metadata},
        )

    def other_delta(self, block: _Block, delta: Mapping[str, Any]) -> Iterator[LLMEvent]:
        """Citations (a ``source`` each); signatures and compaction summaries (kept for the block's end)."""
        kind = delta.get("type")
        if kind == "citations_delta" and isinstance(delta.get("citation"), Mapping):
            yield self.source(block.id, delta["citation"])
        elif kind == "signature_delta":
            block.signature = (block.signature or "") + (delta.get("signature") or "")
        elif kind == "compaction_delta" and delta.get("content"):
            block.parts.append(delta["content"])

    def source(self, text_id: str, citation: Mapping[str, Any]) -> Source:
        """A citation of text block ``text_id`` as a ``source``: a web page, else a document."""
        self.sources += 1
        url = citation.get("url") or citation.get("source")
        title = citation.get("title") or citation.get("document_title")
        return Source(
            id=f"{text_id}:source-{self.sources}",
            kind="url" if isinstance(url, str) else "file",
            url=url if isinstance(url, str) else None,
            file_id=citation.get("file_id") if isinstance(citation.get("file_id"), str) else None,
            title=title if isinstance(title, str) else None,
            text_id=text_id,
            cited_text=citation.get("cited_text") if isinstance(citation.get("cited_text"), str) else None,
            provider_metadata={"anthropic": dict(citation)},
        )

    def close_all(self) -> Iterator[LLMEvent]:
        """Blocks left open when the message ends (only after an error in practice)."""
        for index in list(self.blocks):
            block = self.blocks[index]
            if block.kind == "tool_use":
                del self.blocks[index]
                yield ToolInputEnd(id=block.id, name=block.name)
                yield ToolError(id=block.id, name=block.name, message=f"tool call {block.name} was cut off")
            else:
                yield from self.block_stop({"index": index})


_MESSAGES_HANDLERS: dict[str, Callable[[_MessagesStream, dict[str, Any]], Iterable[LLMEvent]]] = {
    "message_start": _MessagesStream.message_start,
    "content_block_start": _MessagesStream.block_start,
    "content_block_stop": _MessagesStream.block_stop,
    "message_delta": _MessagesStream.message_delta,
    "message_stop": _MessagesStream.message_stop,
    "error": _MessagesStream.error,
}
"""The handlers of the rarer event types: functions of the state and the event (one table for
every stream: a table of bound methods per stream was a reference cycle left to the collector)."""


def parse_messages_stream(frames: AsyncIterable[Any]) -> AsyncIterator[LLMEvent]:
    """Events of one Messages stream, from SSE frames (objects with a ``data`` string)."""
    return _parse_events(frames, lambda frame: (frame.data,))


async def _parse_events(sources: AsyncIterable[Any], split: Callable[[Any], Iterable[str]]) -> AsyncIterator[LLMEvent]:
    """Events of one Messages stream: ``split`` turns each source (an SSE frame, or a body chunk
    with ``SSEDecoder.feed_data``) into the ``data`` strings it carries.

    The hot path (text, argument and thinking deltas, nearly every event) costs one JSON decode,
    two comparisons, one event and one ``yield``; everything else goes through a handler table.
    """
    state = _MessagesStream()
    handlers = _MESSAGES_HANDLERS
    blocks = state.blocks
    data = ""
    try:
        async for source in sources:
            for data in split(source):
                try:
                    event = from_json(data)
                    kind = event["type"]
                except (ValueError, TypeError, KeyError):
                    if not data.strip():
                        continue
                    raise StreamDecodeError(
                        "Invalid Anthropic Messages stream event", frame=excerpt(data, _FRAME_EXCERPT)
                    ) from None
                if kind == "content_block_delta":
                    block = blocks.get(event["index"])
                    if block is None:
                        continue  # a block type this parser does not map
                    delta = event["delta"]
                    delta_kind = delta["type"]
                    if delta_kind == "text_delta":
                        if delta["text"]:
                            yield TextDelta(id=block.id, text=delta["text"])
                    elif delta_kind == "input_json_delta":
                        fragment = delta["partial_json"]
                        if fragment:
                            block.parts.append(fragment)
                            if block.kind == "tool_use":
                                yield ToolInputDelta(id=block.id, name=block.name, text=fragment)
                    elif delta_kind == "thinking_delta":
                        if delta["thinking"]:
                            yield ReasoningDelta(id=block.id, text=delta["thinking"])
                    else:
                        for produced in state.other_delta(block, delta):
                            yield produced
                    continue
                handler = handlers.get(kind)
                if handler is not None:
                    for produced in handler(state, event):
                        yield produced
                    if state.done:
                        return
    except (ValidationError, KeyError, TypeError, AttributeError) as exc:
        raise StreamDecodeError(
            f"Invalid Anthropic Messages stream event ({type(exc).__name__})", frame=excerpt(data, _FRAME_EXCERPT)
        ) from None
    for produced in state.ended():
        yield produced


async def stream_events(wire: WireRequest, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Send ``wire`` through the core's HTTP client and parse the Messages stream it returns.

    HTTP error statuses (rate limits with Anthropic's reset headers included) and transport
    failures are raised by ``http.stream`` as typed errors; leaving the iteration early closes
    the connection.
    """
    from turnout.plugin_api import SSEDecoder

    async with http.stream(wire) as response:
        async for event in _parse_events(response.aiter_bytes(), SSEDecoder().feed_data):
            yield event
