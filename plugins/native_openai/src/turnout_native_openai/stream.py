"""OpenAI Responses SSE frames → turnout events, for one provider call.

``parse_responses_stream`` turns the frames of one ``POST /responses`` stream into content
events followed by one ``step-finish`` (the core numbers steps and emits ``finish``):

- text (``output_text``) and refusals become text blocks keyed by the output item id; a
  refusal's events carry ``{"openai": {"refusal": True}}``;
- each reasoning summary part is its own reasoning block ``<item id>:<summary index>``; blocks
  of an item close at its ``output_item.done`` with ``{"openai": {"itemId",
  "reasoningEncryptedContent"}}``, the state a follow-up request sends back;
- function calls stream as ``tool-input-start → tool-input-delta* → tool-input-end →
  tool-call``; the ``arguments`` of ``output_item.done`` are authoritative;
- hosted tools (web search, file search, code interpreter, image generation, MCP, a shell in a
  hosted container, a server tool search) become a ``tool-call`` + ``tool-result`` pair with
  ``provider_executed``, in stream order; an MCP approval request is a ``provider_executed``
  ``tool-call`` without a result;
- tools OpenAI defines but the client runs (shell, local shell, apply patch, computer use,
  custom tools, a client tool search) are client tool calls, typed input from the finished
  item (``action``, ``operation``, ``{"input": <text>}`` for a custom tool), metadata
  ``{"openai": {"itemId", "itemType"}}`` so the output goes back as the matching item;
- message annotations (URL, file and container file citations) become ``source`` events
  before the message's ``text-end``;
- ``response.completed`` / ``.incomplete`` / ``.failed`` end the step; nothing after the first
  of them is read. ``error`` and ``response.failed`` become one ``provider-error``; a call whose
  arguments never completed (or are not JSON) ends its input and becomes a ``tool-error``
  (the core answers it with an error ``tool-result``), never a call with guessed input;
- a refusal is text (marked ``{"openai": {"refusal": true}}``) and, unless a tool was called
  or the output was cut off, finishes the step with ``content-filter``.

Malformed frames, and a stream that ends before a terminal event, raise ``StreamDecodeError``.
Unknown event types are ignored.
"""

from __future__ import annotations

import json
import re
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
    redact_text,
    secrets_in_headers,
)

if TYPE_CHECKING:
    from turnout.plugin_api import HTTPClient, WireRequest

__all__ = ["finish_reason", "parse_responses_stream", "stream_events", "usage_from_response"]

_TEXT_DELTA = "response.output_text.delta"
_ARGUMENTS_DELTA = "response.function_call_arguments.delta"
_FRAME_EXCERPT = 500

# Hosted tools the provider runs: item type → (tool name, input from the item).
_HOSTED: dict[str, tuple[str, Any]] = {
    "web_search_call": ("web_search", lambda item: item.get("action") or {}),
    "web_search_preview_call": ("web_search_preview", lambda item: item.get("action") or {}),
    "file_search_call": ("file_search", lambda item: {"queries": item.get("queries")}),
    "code_interpreter_call": (
        "code_interpreter",
        lambda item: {"code": item.get("code"), "container_id": item.get("container_id")},
    ),
    "image_generation_call": ("image_generation", lambda item: {}),
    "mcp_call": (
        "mcp",
        lambda item: {
            "server_label": item.get("server_label"),
            "name": item.get("name"),
            "arguments": item.get("arguments"),
        },
    ),
}

# Tools OpenAI defines but the client runs: item type → (tool name, the typed input, output item
# type). A custom (freeform) tool is called by its own name; its input is the text the model wrote.
CLIENT_TOOLS: dict[str, tuple[str | None, Any, str]] = {
    "shell_call": ("shell", lambda item: item.get("action") or {}, "shell_call_output"),
    "local_shell_call": ("local_shell", lambda item: item.get("action") or {}, "local_shell_call_output"),
    "apply_patch_call": ("apply_patch", lambda item: item.get("operation") or {}, "apply_patch_call_output"),
    "computer_call": ("computer_use", lambda item: item.get("action") or {}, "computer_call_output"),
    "custom_tool_call": (None, lambda item: {"input": item.get("input") or ""}, "custom_tool_call_output"),
    "tool_search_call": ("tool_search", lambda item: item.get("arguments") or {}, "tool_search_output"),
}
"""Item type → (tool name, or ``None`` for the item's own name; input from the item; output item type)."""

# Approval requests the host answers (``mcp_approval_response``); reported as provider-executed calls.
_APPROVALS: dict[str, tuple[str, Any]] = {
    "mcp_approval_request": (
        "mcp",
        lambda item: {
            "server_label": item.get("server_label"),
            "name": item.get("name"),
            "arguments": item.get("arguments"),
        },
    ),
}

_OVERFLOW = re.compile(
    r"context_length_exceeded|maximum context length|exceeds the context window|"
    r"prompt is too long|too many tokens|request entity too large",
    re.IGNORECASE,
)
_RETRYABLE_CODES = frozenset({"server_error", "rate_limit_exceeded", "internal_error", "overloaded"})


def usage_from_response(response: Mapping[str, Any]) -> Usage | None:
    """Map a Responses ``response`` object's ``usage`` to ``Usage`` (``None`` when absent).

    Works for the ``response`` of a terminal stream event and for a non-streaming body alike.
    Input includes cache reads; output includes reasoning; nothing unknown is made up.
    """
    raw = response.get("usage")
    if not isinstance(raw, Mapping):
        return None
    input_tokens = _count(raw.get("input_tokens"))
    output_tokens = _count(raw.get("output_tokens"))
    input_details = raw.get("input_tokens_details")
    output_details = raw.get("output_tokens_details")
    cached = _count(input_details.get("cached_tokens")) if isinstance(input_details, Mapping) else None
    reasoning = _count(output_details.get("reasoning_tokens")) if isinstance(output_details, Mapping) else None
    total = _count(raw.get("total_tokens"))
    if total is None and (input_tokens is not None or output_tokens is not None):
        total = (input_tokens or 0) + (output_tokens or 0)
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        non_cached_input_tokens=None if input_tokens is None else max(0, input_tokens - (cached or 0)),
        cache_read_input_tokens=cached,
        reasoning_tokens=reasoning,
        total_tokens=total,
        provider_metadata={"openai": dict(raw)},
    )


def finish_reason(response: Mapping[str, Any], *, called_function: bool, refused: bool = False) -> FinishReason:
    """Map ``response.incomplete_details.reason`` to a finish reason.

    No reason: ``tool-calls`` when a client tool call finished, else ``content-filter`` when
    the model refused (the refusal rule, see ``docs/events.md``), else ``stop``;
    ``max_output_tokens`` → ``length``; ``content_filter`` → ``content-filter``; anything else
    → ``tool-calls`` after a function call, else ``unknown``.
    """
    details = response.get("incomplete_details")
    reason = details.get("reason") if isinstance(details, Mapping) else None
    if not reason:
        return "tool-calls" if called_function else "content-filter" if refused else "stop"
    if reason == "max_output_tokens":
        return "length"
    if reason == "content_filter":
        return "content-filter"
    return "tool-calls" if called_function else "unknown"


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(slots=True)
class _PendingCall:
    call_id: str
    name: str
    item_id: str
    parts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _ReasoningItem:
    item_id: str
    open_blocks: list[str] = field(default_factory=list)


class _ResponsesStream:
    """The parser state of one stream; every method handles one (rare) event type."""

    def __init__(self) -> None:
        self.text_block: str | None = None  # the text block deltas currently go to
        self.text_open: dict[str, bool] = {}  # open text block id → is a refusal
        self.reasoning: dict[str, _ReasoningItem] = {}  # open reasoning items by item id
        self.reasoning_open: set[str] = set()  # open reasoning block ids
        self.calls: dict[str, _PendingCall] = {}  # unfinished function calls by item id
        self.broken: list[tuple[_PendingCall, str]] = []  # finalized calls with unparsable input
        self.hosted_pending: dict[str | None, list[tuple[str, str]]] = {}  # output key → (call id, name)
        self.called_function = False
        self.refused = False
        self.error_reported = False
        self.done = False

    # -- text -------------------------------------------------------------------------------

    def open_text(self, block: str, *, refusal: bool = False) -> Iterator[LLMEvent]:
        """Make ``block`` the current text block, opening it on its first delta."""
        self.text_block = block
        if block not in self.text_open:
            self.text_open[block] = refusal
            yield TextStart(id=block, provider_metadata=_text_metadata(block, refusal))

    def close_text(self, block: str) -> Iterator[LLMEvent]:
        refusal = self.text_open.pop(block)
        if self.text_block == block:
            self.text_block = None
        yield TextEnd(id=block, provider_metadata=_text_metadata(block, refusal))

    def refusal_delta(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        delta = _text_of(event.get("delta"))
        if delta:
            self.refused = True
            block = event.get("item_id") or "text-0"
            yield from self.open_text(block, refusal=True)
            yield TextDelta(id=block, text=delta, provider_metadata={"openai": {"refusal": True}})

    # -- reasoning --------------------------------------------------------------------------

    def open_reasoning(self, item_id: str, block: str) -> Iterator[LLMEvent]:
        item = self.reasoning.get(item_id)
        if item is None:
            item = self.reasoning[item_id] = _ReasoningItem(item_id)
        if block not in self.reasoning_open:
            self.reasoning_open.add(block)
            item.open_blocks.append(block)
            yield ReasoningStart(id=block, provider_metadata={"openai": {"itemId": item_id}})

    def reasoning_delta(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        delta = _text_of(event.get("delta"))
        if delta:
            item_id = event.get("item_id") or "reasoning-0"
            block = f"{item_id}:{event.get('summary_index') or 0}"
            if block not in self.reasoning_open:
                yield from self.open_reasoning(item_id, block)
            yield ReasoningDelta(id=block, text=delta)

    def reasoning_text_delta(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        delta = _text_of(event.get("delta"))
        if delta:
            item_id = event.get("item_id") or "reasoning-0"
            block = f"{item_id}:{event.get('content_index') or 0}"
            if block not in self.reasoning_open:
                yield from self.open_reasoning(item_id, block)
            yield ReasoningDelta(id=block, text=delta)

    def reasoning_part_added(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        item_id = event.get("item_id") or "reasoning-0"
        yield from self.open_reasoning(item_id, f"{item_id}:{event.get('summary_index') or 0}")

    def close_reasoning(self, item_id: str, encrypted: str | None) -> Iterator[LLMEvent]:
        if item_id not in self.reasoning:  # nothing streamed: still one block, so the state can go back
            yield from self.open_reasoning(item_id, f"{item_id}:0")
        item = self.reasoning.pop(item_id)
        metadata = {"openai": {"itemId": item_id, "reasoningEncryptedContent": encrypted}}
        for block in item.open_blocks:
            self.reasoning_open.discard(block)
            yield ReasoningEnd(id=block, provider_metadata=metadata)

    # -- output items -----------------------------------------------------------------------

    def item_added(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        item = event.get("item") or {}
        kind = item.get("type")
        if kind == "function_call" and item.get("id"):
            call = self.register_call(item)
            yield ToolInputStart(
                id=call.call_id,
                name=call.name,
                provider_metadata={"openai": {"itemId": call.item_id}},
            )
        elif kind == "reasoning" and item.get("id"):
            yield from self.open_reasoning(item["id"], f"{item['id']}:0")

    def register_call(self, item: Mapping[str, Any]) -> _PendingCall:
        item_id = item["id"]
        call = _PendingCall(call_id=item.get("call_id") or item_id, name=item.get("name") or "", item_id=item_id)
        if item.get("arguments"):
            call.parts.append(item["arguments"])
        self.calls[item_id] = call
        return call

    def item_done(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        item = event.get("item") or {}
        kind = item.get("type")
        if kind == "message":
            block = item.get("id")
            yield from _sources(item)
            if block in self.text_open:
                yield from self.close_text(block)
        elif kind == "function_call":
            yield from self.finish_call(item)
        elif kind == "reasoning" and item.get("id"):
            yield from self.close_reasoning(item["id"], item.get("encrypted_content"))
        elif kind in _HOSTED:
            name, make_input = _HOSTED[kind]
            item_id = item.get("id") or ""
            metadata = {"openai": {"itemId": item_id}}
            yield ToolCall(
                id=item_id,
                name=name,
                input=make_input(item),
                provider_executed=True,
                provider_metadata=metadata,
            )
            error = item.get("error")
            result = ToolResultValue(type="error", value=error) if error else ToolResultValue(type="json", value=item)
            yield ToolResult(
                id=item_id,
                name=name,
                result=result,
                provider_executed=True,
                provider_metadata=metadata,
            )
        elif kind in CLIENT_TOOLS:
            if _client_executed(item):
                yield from self.finish_client_item(item)
            else:
                yield from self.hosted_client_kind(item)
        elif kind in _OUTPUT_OF_HOSTED:
            yield from self.hosted_output(item)
        elif kind in _APPROVALS:
            name, make_input = _APPROVALS[kind]
            item_id = item.get("id") or ""
            yield ToolCall(
                id=item_id,
                name=name,
                input=make_input(item),
                provider_executed=True,
                provider_metadata={"openai": {"itemId": item_id, "itemType": kind}},
            )

    def finish_client_item(self, item: Mapping[str, Any]) -> Iterator[LLMEvent]:
        """A client-executed tool call (shell, apply patch, custom …), from its finished item
        (the only authoritative one: a call id may change between ``added`` and ``done``)."""
        name, make_input, _ = CLIENT_TOOLS[item["type"]]
        call_id = item.get("call_id") or item.get("id") or ""
        tool = name or item.get("name") or ""
        value = make_input(item)
        metadata = _client_metadata(item)
        self.called_function = True
        yield ToolInputStart(id=call_id, name=tool, provider_metadata=metadata)
        yield ToolInputDelta(id=call_id, name=tool, text=json.dumps(value, ensure_ascii=False))
        yield ToolInputEnd(id=call_id, name=tool, provider_metadata=metadata)
        yield ToolCall(id=call_id, name=tool, input=value, provider_metadata=metadata)

    def hosted_client_kind(self, item: Mapping[str, Any]) -> Iterator[LLMEvent]:
        """A client tool kind the provider ran itself (a container shell, a server tool search)."""
        name, make_input, _ = CLIENT_TOOLS[item["type"]]
        item_id = item.get("id") or ""
        call_id = item.get("call_id") or item_id
        tool = name or item.get("name") or ""
        self.hosted_pending.setdefault(item.get("call_id"), []).append((call_id, tool))
        yield ToolCall(
            id=call_id,
            name=tool,
            input=make_input(item),
            provider_executed=True,
            provider_metadata={"openai": {"itemId": item_id, "itemType": item["type"]}},
        )

    def hosted_output(self, item: Mapping[str, Any]) -> Iterator[LLMEvent]:
        """The output item of a call the provider ran: the ``tool-result`` of that call."""
        pending = self.hosted_pending.get(item.get("call_id"))
        if not pending:
            return  # an output for a call this stream did not make: nothing to pair it with
        call_id, name = pending.pop(0)
        error = item.get("error")
        yield ToolResult(
            id=call_id,
            name=name,
            result=ToolResultValue(type="error", value=error) if error else ToolResultValue(type="json", value=item),
            provider_executed=True,
            provider_metadata={"openai": {"itemId": item.get("id") or "", "itemType": item["type"]}},
        )

    def finish_call(self, item: Mapping[str, Any]) -> Iterator[LLMEvent]:
        item_id = item.get("id")
        if not item_id or not item.get("name"):
            raise StreamDecodeError("OpenAI Responses function call item without id or name")
        call = self.calls.pop(item_id, None)
        if call is None:
            call = self.register_call(item)
            del self.calls[item_id]
            yield ToolInputStart(id=call.call_id, name=call.name, provider_metadata={"openai": {"itemId": item_id}})
        arguments = item.get("arguments")
        text = arguments if isinstance(arguments, str) else "".join(call.parts)
        try:
            parsed = from_json(text) if text.strip() else {}
        except ValueError:
            self.broken.append((call, text))
            return  # reported as truncated at the terminal event; never a guessed call
        self.called_function = True
        metadata = {"openai": {"itemId": item_id}}
        yield ToolInputEnd(id=call.call_id, name=call.name, provider_metadata=metadata)
        yield ToolCall(id=call.call_id, name=call.name, input=parsed, provider_metadata=metadata)

    # -- terminal events --------------------------------------------------------------------

    def close_all(self) -> Iterator[LLMEvent]:
        for item_id in list(self.reasoning):
            yield from self.close_reasoning(item_id, None)
        for block in list(self.text_open):
            yield from self.close_text(block)

    def malformed(self, terminal: str, response: Mapping[str, Any]) -> Iterator[LLMEvent]:
        """A ``tool-error`` for each call whose arguments never became valid JSON (cut off by
        the output limit, or the stream ended): never a call with guessed input. The core then
        answers the call with an error ``tool-result`` the model can read."""
        details = response.get("incomplete_details")
        incomplete = details.get("reason") if isinstance(details, Mapping) else None
        unfinished = [(call, "".join(call.parts), False) for call in self.calls.values()]
        finalized = [(call, text, True) for call, text in self.broken]
        for call, text, item_finalized in finalized + unfinished:
            if terminal == "response.incomplete":
                cause, what = "provider-truncated", "were cut off"
            elif terminal == "response.completed":
                cause, what = "incomplete-buffer", "are not valid JSON"
            else:
                cause, what = "stream-ended", "never completed (the stream ended)"
            size = len(text.encode())
            reason = f", reason={incomplete}" if incomplete else ""
            failure: dict[str, Any] = {
                "toolArgumentFailure": cause,
                "argumentBytes": size,
                "terminalEvent": terminal,
                "itemFinalized": item_finalized,
                "itemId": call.item_id,
            }
            if incomplete:
                failure["incompleteReason"] = incomplete
            metadata = {"openai": failure}
            yield ToolInputEnd(id=call.call_id, name=call.name, provider_metadata={"openai": {"itemId": call.item_id}})
            yield ToolError(
                id=call.call_id,
                name=call.name,
                message=f"the arguments of tool call {call.name} {what} ({size} bytes, {terminal}{reason})",
                provider_metadata=metadata,
            )
        self.calls.clear()
        self.broken.clear()

    def completed(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        response = event.get("response") or {}
        self.done = True
        yield from self.close_all()
        broken = bool(self.calls or self.broken)
        reason = finish_reason(response, called_function=self.called_function or broken, refused=self.refused)
        if broken:
            yield from self.malformed(event["type"], response)
        yield StepFinish(
            reason=reason,
            usage=usage_from_response(response),
            provider_metadata=_step_metadata(response),
        )

    def failed(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        response = event.get("response") or {}
        self.done = True
        yield from self.close_all()
        yield from self.malformed("response.failed", response)
        if not self.error_reported:
            yield _provider_error(event, "OpenAI Responses response failed")
        yield StepFinish(
            reason="error",
            usage=usage_from_response(response),
            provider_metadata=_step_metadata(response),
        )

    def error(self, event: dict[str, Any]) -> Iterator[LLMEvent]:
        if not self.error_reported:
            self.error_reported = True
            yield _provider_error(event, "OpenAI Responses stream error")

    def ended(self) -> Iterator[LLMEvent]:
        """The byte stream ended without a terminal event."""
        if not self.error_reported:
            raise StreamDecodeError(
                "OpenAI Responses stream ended before response.completed, response.incomplete or response.failed"
            )
        yield from self.close_all()
        yield from self.malformed("error", {})
        yield StepFinish(reason="error")


_RESPONSES_HANDLERS: dict[str, Callable[[_ResponsesStream, dict[str, Any]], Iterable[LLMEvent]]] = {
    "response.refusal.delta": _ResponsesStream.refusal_delta,
    "response.reasoning_summary_text.delta": _ResponsesStream.reasoning_delta,
    "response.reasoning_summary.delta": _ResponsesStream.reasoning_delta,
    "response.reasoning_text.delta": _ResponsesStream.reasoning_text_delta,
    "response.reasoning_summary_part.added": _ResponsesStream.reasoning_part_added,
    "response.output_item.added": _ResponsesStream.item_added,
    "response.output_item.done": _ResponsesStream.item_done,
    "response.completed": _ResponsesStream.completed,
    "response.incomplete": _ResponsesStream.completed,
    "response.failed": _ResponsesStream.failed,
    "error": _ResponsesStream.error,
}
"""The handlers of the rarer event types: functions of the state and the event (one table for
every stream: a table of bound methods per stream was a reference cycle left to the collector)."""


def _sources(item: Mapping[str, Any]) -> Iterator[Source]:
    """A ``source`` for each annotation of a finished message item (URL and file citations)."""
    block = item.get("id") or "text-0"
    content = item.get("content")
    for part_index, part in enumerate(content if isinstance(content, list) else ()):
        notes = part.get("annotations") if isinstance(part, Mapping) else None
        for index, note in enumerate(notes if isinstance(notes, list) else ()):
            if not isinstance(note, Mapping):
                continue
            url, file_id = note.get("url"), note.get("file_id")
            if not isinstance(url, str) and not isinstance(file_id, str):
                continue  # an annotation that cites nothing (nothing to show)
            start = note.get("start_index", note.get("index"))
            end = note.get("end_index")
            title = note.get("title", note.get("filename"))
            yield Source(
                id=f"{block}:{part_index}:{index}",
                kind="url" if isinstance(url, str) else "file",
                url=url if isinstance(url, str) else None,
                file_id=file_id if isinstance(file_id, str) and not isinstance(url, str) else None,
                title=title if isinstance(title, str) else None,
                text_id=block,
                start=start if isinstance(start, int) else None,
                end=end if isinstance(end, int) else None,
                provider_metadata={"openai": dict(note)},
            )


_OUTPUT_OF_HOSTED = frozenset(output for _, _, output in CLIENT_TOOLS.values())


def _client_executed(item: Mapping[str, Any]) -> bool:
    """Whether the client runs this tool item (a shell in a hosted container, or a tool search
    with ``execution: server``, is run by the provider)."""
    environment = item.get("environment")
    if isinstance(environment, Mapping) and environment.get("type") not in (None, "local"):
        return False
    return item.get("execution") != "server"


def _client_metadata(item: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"openai": {"itemId", "itemType"}}`` (and pending safety checks of a computer call)."""
    openai: dict[str, Any] = {"itemId": item.get("id") or "", "itemType": item["type"]}
    if item.get("pending_safety_checks"):
        openai["pendingSafetyChecks"] = item["pending_safety_checks"]
    return {"openai": openai}


def _text_metadata(block: str, refusal: bool) -> dict[str, dict[str, Any]]:
    return {"openai": {"itemId": block, "refusal": True}} if refusal else {"openai": {"itemId": block}}


def _step_metadata(response: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
    metadata = {
        key: response[field_name]
        for key, field_name in (("responseId", "id"), ("serviceTier", "service_tier"))
        if response.get(field_name) is not None
    }
    return {"openai": metadata} if metadata else None


def _provider_error(event: Mapping[str, Any], fallback: str) -> ProviderError:
    """``<code>: <message>`` from the event, its ``error`` object, or its ``response.error``."""
    code = message = None
    response = event.get("response")
    for source in (
        event,
        event.get("error"),
        response.get("error") if isinstance(response, Mapping) else None,
    ):
        if isinstance(source, Mapping):
            code = code or (source.get("code") if isinstance(source.get("code"), str) else None)
            message = message or (source.get("message") if isinstance(source.get("message"), str) else None)
    text = f"{code}: {message}" if code and message else message or code or fallback
    classification = "context-overflow" if _OVERFLOW.search(f"{code or ''} {message or ''}") else code
    return ProviderError(
        message=redact_text(text),
        code=classification,
        retryable=True if code in _RETRYABLE_CODES else None,
        provider_metadata={"openai": {"responseId": response["id"]}}
        if isinstance(response, Mapping) and response.get("id")
        else None,
    )


def _text_of(delta: Any) -> str | None:
    """A frame's text ``delta``, checked: events are built without validation, the frame is the edge."""
    if delta is None or isinstance(delta, str):
        return delta
    raise TypeError(f"delta is {type(delta).__name__}, not a string")


def parse_responses_stream(frames: AsyncIterable[Any]) -> AsyncIterator[LLMEvent]:
    """Events of one Responses stream, from SSE frames (objects with a ``data`` string)."""
    return _parse_events(frames, lambda frame: (frame.data,))


async def _parse_events(sources: AsyncIterable[Any], split: Callable[[Any], Iterable[str]]) -> AsyncIterator[LLMEvent]:
    """Events of one Responses stream: ``split`` turns each source (an SSE frame, or a body chunk
    with ``SSEDecoder.feed_data``) into the ``data`` strings it carries.

    The hot path (text and argument deltas, nearly every event) costs one JSON decode, one
    comparison, one event and one ``yield``; everything else goes through a handler table.
    """
    state = _ResponsesStream()
    handlers = _RESPONSES_HANDLERS
    calls = state.calls
    data = ""
    try:
        async for source in sources:
            for data in split(source):
                try:
                    event = from_json(data)
                    kind = event["type"]
                except (ValueError, TypeError, KeyError):
                    if not data.strip() or data.strip() == "[DONE]":
                        continue
                    raise StreamDecodeError(
                        "Invalid OpenAI Responses stream event", frame=excerpt(data, _FRAME_EXCERPT)
                    ) from None
                if kind == _TEXT_DELTA:
                    delta = event["delta"]
                    if delta:
                        if delta.__class__ is not str:  # events are not validated: the frame is the edge
                            raise TypeError("delta is not a string")
                        block = event.get("item_id") or "text-0"
                        if block != state.text_block:
                            for opened in state.open_text(block):
                                yield opened
                        yield TextDelta(id=block, text=delta)
                    continue
                if kind == _ARGUMENTS_DELTA:
                    delta = event["delta"]
                    if delta:
                        if delta.__class__ is not str:
                            raise TypeError("delta is not a string")
                        call = calls.get(event.get("item_id"))
                        if call is None:
                            raise StreamDecodeError(
                                "OpenAI Responses tool argument delta is missing its tool call",
                                frame=excerpt(data, _FRAME_EXCERPT),
                            )
                        call.parts.append(delta)
                        yield ToolInputDelta(id=call.call_id, name=call.name, text=delta)
                    continue
                handler = handlers.get(kind)
                if handler is not None:
                    for produced in handler(state, event):
                        yield produced
                    if state.done:
                        return
    except (ValidationError, KeyError, TypeError, AttributeError) as exc:
        raise StreamDecodeError(
            f"Invalid OpenAI Responses stream event ({type(exc).__name__})", frame=excerpt(data, _FRAME_EXCERPT)
        ) from None
    for produced in state.ended():
        yield produced


async def stream_events(wire: WireRequest, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Send ``wire`` through the core's HTTP client and parse the Responses stream it returns.

    HTTP error statuses and transport failures are raised by ``http.stream`` as typed errors;
    leaving the iteration early closes the connection.
    """
    from turnout.plugin_api import SSEDecoder

    secrets = secrets_in_headers(wire.headers)
    async with http.stream(wire) as response:
        async for event in _parse_events(response.aiter_bytes(), SSEDecoder().feed_data):
            if isinstance(event, ProviderError):  # the provider may echo the key it was sent
                event = event.model_copy(update={"message": redact_text(event.message, secrets)})
            yield event
