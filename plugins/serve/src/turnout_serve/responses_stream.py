"""turnout events → OpenAI Responses stream events and the final ``response`` object.

``ResponsesWriter`` is the reverse of the native plugin's parser. ``start()`` gives
``response.created`` and ``response.in_progress``; ``feed(event)`` gives the wire events for one
turnout event; ``fail(error)`` ends a stream that broke after it started. Every event carries a
``sequence_number`` counting from 0. Output items:

- a text block → a ``message`` item (``output_text``, or ``refusal`` when the block is one);
- the reasoning blocks of one OpenAI item → one ``reasoning`` item, one summary part per block,
  with ``encrypted_content`` from ``reasoning-end`` so the client can send it back;
- a client tool call → a ``function_call`` item, arguments streamed as they come;
- a source citing a text block → an annotation of that text (``url_citation`` /
  ``file_citation``);
- a provider-executed tool → the provider's own item (the native runtime keeps the raw item as
  the result), or a minimal ``<tool>_call`` item.

``finish`` ends with ``response.completed``, ``response.incomplete`` (``length`` →
``max_output_tokens``, ``content-filter`` → ``content_filter``) or ``response.failed`` (after a
provider error). Item ids are the upstream OpenAI ids when there are ones, else generated.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from turnout.plugin_api import (
    Finish,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    Source,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolInputDelta,
    ToolInputStart,
    ToolResult,
    Usage,
)

from turnout_serve.errors import GatewayError

__all__ = ["ResponsesWriter", "responses_usage"]

WireEvent = dict[str, Any]

# OpenAI-defined tools the client runs: the item field that holds the call's input.
_CLIENT_EXECUTED_INPUT = {"apply_patch_call": "operation"}


def new_id(prefix: str) -> str:
    """A fresh id in OpenAI's shape, e.g. ``resp_<32 hex>``."""
    return f"{prefix}_{uuid.uuid4().hex}"


def _openai(metadata: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    return (metadata or {}).get("openai") or {}


def responses_usage(usage: Usage | None) -> dict[str, Any] | None:
    """``Usage`` as a Responses ``usage`` object (``None`` when unknown).

    OpenAI's own usage object, when the runtime kept it, goes back as it came.
    """
    if usage is None:
        return None
    raw = (usage.provider_metadata or {}).get("openai")
    if isinstance(raw, dict) and "input_tokens" in raw and "output_tokens" in raw:
        return raw
    input_tokens = usage.input_tokens or 0
    output_tokens = usage.output_tokens or 0
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cache_read_input_tokens or 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens or 0},
        "total_tokens": usage.total_tokens if usage.total_tokens is not None else input_tokens + output_tokens,
    }


@dataclass(slots=True)
class _Text:
    index: int
    item: dict[str, Any]
    refusal: bool
    chunks: list[str] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Reasoning:
    index: int
    item: dict[str, Any]
    blocks: dict[str, int] = field(default_factory=dict)  # block id → summary index
    open: set[str] = field(default_factory=set)
    chunks: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _Call:
    index: int
    item: dict[str, Any]
    chunks: list[str] = field(default_factory=list)


class ResponsesWriter:
    """Turns one turnout stream into Responses wire events, and keeps the ``response`` object."""

    def __init__(self, model: str, request: dict[str, Any]) -> None:
        self.response: dict[str, Any] = {
            "id": new_id("resp"),
            "object": "response",
            "created_at": int(time.time()),
            "status": "in_progress",
            "error": None,
            "incomplete_details": None,
            "instructions": request.get("instructions"),
            "max_output_tokens": request.get("max_output_tokens"),
            "model": model,
            "output": [],
            "parallel_tool_calls": request.get("parallel_tool_calls", True),
            "previous_response_id": None,
            "temperature": request.get("temperature"),
            "tool_choice": request.get("tool_choice", "auto"),
            "tools": request.get("tools") or [],
            "top_p": request.get("top_p"),
            "usage": None,
            "metadata": request.get("metadata") or {},
        }
        """The response object: in progress until the terminal event, then final."""
        self._sequence = 0
        self._texts: dict[str, _Text] = {}  # open text blocks
        self._text_blocks: dict[str, _Text] = {}  # every text block, for the sources citing one
        self._reasoning: dict[str, _Reasoning] = {}  # by OpenAI item id (or block id)
        self._reasoning_of_block: dict[str, _Reasoning] = {}
        self._calls: dict[str, _Call] = {}
        self._hosted: dict[str, ToolCall] = {}
        self._error: ProviderError | None = None

    # -- plumbing -----------------------------------------------------------------------------

    def _event(self, kind: str, **fields: Any) -> WireEvent:
        event = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return event

    def _snapshot(self) -> dict[str, Any]:
        return {**self.response, "output": list(self.response["output"])}

    def _add_item(self, item: dict[str, Any]) -> tuple[int, WireEvent]:
        index = len(self.response["output"])
        self.response["output"].append(item)
        return index, self._event(
            "response.output_item.added",
            output_index=index,
            item=dict(item, content=[]) if item.get("type") == "message" else dict(item),
        )

    def _item_done(self, index: int, item: dict[str, Any], status: str = "completed") -> WireEvent:
        item["status"] = status
        return self._event("response.output_item.done", output_index=index, item=item)

    def start(self) -> list[WireEvent]:
        """``response.created`` and ``response.in_progress``."""
        return [
            self._event("response.created", response=self._snapshot()),
            self._event("response.in_progress", response=self._snapshot()),
        ]

    # -- events -------------------------------------------------------------------------------

    def feed(self, event: LLMEvent) -> list[WireEvent]:
        """The wire events for one turnout event (often none)."""
        if isinstance(event, TextDelta):
            return self._text_delta(event)
        if isinstance(event, ToolInputDelta):
            call = self._calls.get(event.id)
            if call is None:
                return []
            call.chunks.append(event.text)
            return [
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=call.item["id"],
                    output_index=call.index,
                    delta=event.text,
                )
            ]
        if isinstance(event, ReasoningDelta):
            return self._reasoning_delta(event)
        if isinstance(event, TextStart):
            return self._text_start(event)
        if isinstance(event, TextEnd):
            return self._text_end(event)
        if isinstance(event, ReasoningStart):
            return self._reasoning_start(event)
        if isinstance(event, ReasoningEnd):
            return self._reasoning_end(event)
        if isinstance(event, ToolInputStart):
            return self._call_start(event.id, event.name, _openai(event.provider_metadata).get("itemId"))
        if isinstance(event, ToolCall):
            return self._tool_call(event)
        if isinstance(event, ToolResult):
            return self._tool_result(event) if event.provider_executed else []
        if isinstance(event, ToolError):
            return self._call_failed(event)
        if isinstance(event, Source):
            return self._source(event)
        if isinstance(event, ProviderError):
            self._error = self._error or event
            return []
        if isinstance(event, Finish):
            return self._finish(event)
        return []

    def _text_start(self, event: TextStart) -> list[WireEvent]:
        openai = _openai(event.provider_metadata)
        refusal = bool(openai.get("refusal"))
        item: dict[str, Any] = {
            "id": openai.get("itemId") or new_id("msg"),
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        index, added = self._add_item(item)
        text = self._texts[event.id] = self._text_blocks[event.id] = _Text(index, item, refusal)
        part = {"type": "refusal", "refusal": ""} if refusal else {"type": "output_text", "text": "", "annotations": []}
        return [
            added,
            self._event(
                "response.content_part.added", item_id=item["id"], output_index=text.index, content_index=0, part=part
            ),
        ]

    def _text_delta(self, event: TextDelta) -> list[WireEvent]:
        text = self._texts.get(event.id)
        if text is None:
            return []
        text.chunks.append(event.text)
        kind = "response.refusal.delta" if text.refusal else "response.output_text.delta"
        extra: dict[str, Any] = {} if text.refusal else {"logprobs": []}
        return [
            self._event(
                kind, item_id=text.item["id"], output_index=text.index, content_index=0, delta=event.text, **extra
            )
        ]

    def _text_end(self, event: TextEnd) -> list[WireEvent]:
        text = self._texts.pop(event.id, None)
        if text is None:
            return []
        value = "".join(text.chunks)
        item_id = text.item["id"]
        if text.refusal:
            part: dict[str, Any] = {"type": "refusal", "refusal": value}
            done = self._event(
                "response.refusal.done", item_id=item_id, output_index=text.index, content_index=0, refusal=value
            )
        else:
            part = {"type": "output_text", "text": value, "annotations": text.annotations, "logprobs": []}
            done = self._event(
                "response.output_text.done",
                item_id=item_id,
                output_index=text.index,
                content_index=0,
                text=value,
                logprobs=[],
            )
        text.item["content"] = [part]
        return [
            done,
            self._event(
                "response.content_part.done", item_id=item_id, output_index=text.index, content_index=0, part=part
            ),
            self._item_done(text.index, text.item),
        ]

    def _source(self, event: Source) -> list[WireEvent]:
        """A cited source → an annotation of the text it supports (sources tied to no text are left out)."""
        text = self._text_blocks.get(event.text_id) if event.text_id else None
        if text is None or text.refusal:
            return []
        annotation: dict[str, Any]
        if event.kind == "url":
            annotation = {"type": "url_citation", "url": event.url or "", "title": event.title or ""}
            annotation.update(start_index=event.start or 0, end_index=event.end or 0)
        else:
            annotation = {"type": "file_citation", "file_id": event.file_id or "", "filename": event.title or ""}
            annotation["index"] = event.start or 0
        text.annotations.append(annotation)
        return [
            self._event(
                "response.output_text.annotation.added",
                item_id=text.item["id"],
                output_index=text.index,
                content_index=0,
                annotation_index=len(text.annotations) - 1,
                annotation=annotation,
            )
        ]

    def _reasoning_start(self, event: ReasoningStart) -> list[WireEvent]:
        key = _openai(event.provider_metadata).get("itemId") or event.id
        events: list[WireEvent] = []
        reasoning = self._reasoning.get(key)
        if reasoning is None:
            item: dict[str, Any] = {"id": key if key != event.id else new_id("rs"), "type": "reasoning", "summary": []}
            index, added = self._add_item(item)
            reasoning = self._reasoning[key] = _Reasoning(index, item)
            events.append(added)
        reasoning.blocks[event.id] = len(reasoning.blocks)
        reasoning.open.add(event.id)
        reasoning.chunks[event.id] = []
        self._reasoning_of_block[event.id] = reasoning
        return events

    def _reasoning_delta(self, event: ReasoningDelta) -> list[WireEvent]:
        reasoning = self._reasoning_of_block.get(event.id)
        if reasoning is None:
            return []
        chunks = reasoning.chunks[event.id]
        index = reasoning.blocks[event.id]
        events = []
        if not chunks:
            events.append(
                self._event(
                    "response.reasoning_summary_part.added",
                    item_id=reasoning.item["id"],
                    output_index=reasoning.index,
                    summary_index=index,
                    part={"type": "summary_text", "text": ""},
                )
            )
        chunks.append(event.text)
        events.append(
            self._event(
                "response.reasoning_summary_text.delta",
                item_id=reasoning.item["id"],
                output_index=reasoning.index,
                summary_index=index,
                delta=event.text,
            )
        )
        return events

    def _reasoning_end(self, event: ReasoningEnd) -> list[WireEvent]:
        reasoning = self._reasoning_of_block.pop(event.id, None)
        if reasoning is None:
            return []
        reasoning.open.discard(event.id)
        item = reasoning.item
        encrypted = _openai(event.provider_metadata).get("reasoningEncryptedContent")
        if isinstance(encrypted, str):
            item["encrypted_content"] = encrypted
        events = []
        text = "".join(reasoning.chunks[event.id])
        if text:
            index = reasoning.blocks[event.id]
            part = {"type": "summary_text", "text": text}
            item["summary"].append(part)
            events.append(
                self._event(
                    "response.reasoning_summary_text.done",
                    item_id=item["id"],
                    output_index=reasoning.index,
                    summary_index=index,
                    text=text,
                )
            )
            events.append(
                self._event(
                    "response.reasoning_summary_part.done",
                    item_id=item["id"],
                    output_index=reasoning.index,
                    summary_index=index,
                    part=part,
                )
            )
        if not reasoning.open:
            for key, value in list(self._reasoning.items()):
                if value is reasoning:
                    del self._reasoning[key]
            events.append(self._event("response.output_item.done", output_index=reasoning.index, item=item))
        return events

    def _call_start(self, call_id: str, name: str, item_id: Any) -> list[WireEvent]:
        item = {
            "id": item_id if isinstance(item_id, str) else new_id("fc"),
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id,
            "name": name,
        }
        index, added = self._add_item(item)
        self._calls[call_id] = _Call(index, item)
        return [added]

    def _tool_call(self, event: ToolCall) -> list[WireEvent]:
        if event.provider_executed:
            return self._provider_call(event)
        events = []
        if event.id not in self._calls:
            events += self._call_start(event.id, event.name, _openai(event.provider_metadata).get("itemId"))
        call = self._calls.pop(event.id)
        arguments = "".join(call.chunks)
        if not arguments or _parsed(arguments) != event.input:
            arguments = json.dumps(event.input if event.input is not None else {}, separators=(",", ":"))
        call.item["arguments"] = arguments
        events.append(
            self._event(
                "response.function_call_arguments.done",
                item_id=call.item["id"],
                output_index=call.index,
                arguments=arguments,
            )
        )
        events.append(self._item_done(call.index, call.item))
        return events

    def _call_failed(self, event: ToolError) -> list[WireEvent]:
        """A call whose arguments never became valid JSON: its item ends ``incomplete``."""
        call = self._calls.pop(event.id, None)
        if call is None:
            return []
        call.item["arguments"] = "".join(call.chunks)
        return [self._item_done(call.index, call.item, "incomplete")]

    def _provider_call(self, event: ToolCall) -> list[WireEvent]:
        openai = _openai(event.provider_metadata)
        kind = openai.get("itemType")
        if not isinstance(kind, str):  # a hosted tool: its item comes with the result
            self._hosted[event.id] = event
            return []
        item = {
            "id": openai.get("itemId") or event.id,
            "type": kind,
            "status": "completed",
            "call_id": event.id,
            _CLIENT_EXECUTED_INPUT.get(kind, "action"): event.input,
        }
        index, added = self._add_item(item)
        return [added, self._item_done(index, item)]

    def _tool_result(self, event: ToolResult) -> list[WireEvent]:
        call = self._hosted.pop(event.id, None)
        value = event.result.value
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            item = dict(value)  # the provider's own item, kept whole by the native runtime
        else:
            item = {
                "id": event.id,
                "type": f"{event.name}_call",
                "status": "completed",
                "input": call.input if call else None,
                "output": value,
            }
            if event.result.type == "error":
                item["status"] = "failed"
        index, added = self._add_item(item)
        return [added, self._item_done(index, item, item.get("status") or "completed")]

    def _finish(self, event: Finish) -> list[WireEvent]:
        self.response["usage"] = responses_usage(event.usage)
        if event.reason == "error" or (self._error is not None and event.reason not in ("length", "content-filter")):
            error = self._error
            message = error.message if error else "the upstream stream ended with an error"
            self.response["status"] = "failed"
            self.response["error"] = {"code": (error.code if error else None) or "server_error", "message": message}
            return [self._event("response.failed", response=self._snapshot())]
        if event.reason in ("length", "content-filter") and not _refused(event.reason, self.response["output"]):
            reason = "max_output_tokens" if event.reason == "length" else "content_filter"
            self.response["status"] = "incomplete"
            self.response["incomplete_details"] = {"reason": reason}
            output = self.response["output"]
            if output and output[-1].get("type") == "message":  # the item the limit cut short
                output[-1] = {**output[-1], "status": "incomplete"}
            return [self._event("response.incomplete", response=self._snapshot())]
        self.response["status"] = "completed"
        return [self._event("response.completed", response=self._snapshot())]

    def result(self) -> dict[str, Any]:
        """The final ``response`` object."""
        return self.response

    @property
    def failed(self) -> bool:
        """Whether the stream ended in ``response.failed``."""
        return bool(self.response["status"] == "failed")

    def fail(self, error: GatewayError) -> list[WireEvent]:
        """End a stream that broke after it started: ``error`` then ``response.failed``."""
        self.response["status"] = "failed"
        self.response["error"] = {"code": error.code or error.type, "message": error.message}
        return [
            self._event("error", code=error.code or error.type, message=error.message, param=None),
            self._event("response.failed", response=self._snapshot()),
        ]


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _refused(reason: str, output: list[dict[str, Any]]) -> bool:
    """A ``content-filter`` finish after a refusal: the refusal rule (docs/tools.md) gives that
    reason to a completed Responses response whose message is a refusal."""
    return reason == "content-filter" and any(
        part.get("type") == "refusal"
        for item in output
        if item.get("type") == "message"
        for part in item.get("content") or []
    )
