"""turnout events → Chat Completions chunks, and the non-streamed ``chat.completion`` object.

``ChatWriter.feed(event)`` gives the chunks for one event: the first chunk carries
``role: assistant``; text as ``content``, reasoning as ``reasoning_content`` (the field
OpenAI-compatible servers use), client tool calls as ``tool_calls`` deltas indexed in call
order; ``finish`` gives the chunk with ``finish_reason`` and, when ``include_usage``, the usage
chunk with empty ``choices``. Provider-executed tools have no Chat Completions shape and are
left out. An error reported inside the stream becomes an ``error`` chunk, as OpenAI sends one.
"""

from __future__ import annotations

import json
import time
from typing import Any

from turnout.plugin_api import (
    Finish,
    FinishReason,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    TextStart,
    ToolCall,
    ToolInputDelta,
    ToolInputStart,
    Usage,
)

from turnout_serve.errors import GatewayError
from turnout_serve.responses_stream import new_id

__all__ = ["ChatWriter", "chat_usage"]

_FINISH: dict[FinishReason, str] = {
    "stop": "stop",
    "length": "length",
    "tool-calls": "tool_calls",
    "content-filter": "content_filter",
    "error": "stop",
    "unknown": "stop",
}


def chat_usage(usage: Usage | None) -> dict[str, Any] | None:
    """``Usage`` as a Chat Completions ``usage`` object (``None`` when unknown)."""
    if usage is None:
        return None
    prompt = usage.input_tokens or 0
    completion = usage.output_tokens or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": usage.total_tokens if usage.total_tokens is not None else prompt + completion,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read_input_tokens or 0},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens or 0},
    }


class ChatWriter:
    """Turns one turnout stream into Chat Completions chunks, and keeps the whole message."""

    def __init__(self, model: str, *, include_usage: bool = False) -> None:
        self.id = new_id("chatcmpl")
        self.created = int(time.time())
        self.model = model
        self.include_usage = include_usage
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.tool_calls: list[dict[str, Any]] = []
        self.refusal: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.error: ProviderError | None = None
        self._calls: dict[str, dict[str, Any]] = {}
        self._refusal_blocks: set[str] = set()
        self._started = False

    def start(self) -> list[dict[str, Any]]:
        """Nothing: the first content chunk carries the role."""
        return []

    def result(self) -> dict[str, Any]:
        """The non-streamed ``chat.completion`` object."""
        return self.completion()

    @property
    def failed(self) -> bool:
        """Whether the provider reported an error inside the stream."""
        return self.error is not None

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        if not self._started:
            delta = {"role": "assistant", **delta}
            self._started = True
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }

    def feed(self, event: LLMEvent) -> list[dict[str, Any]]:
        """The chunks for one turnout event (often none)."""
        if isinstance(event, TextDelta):
            if event.id in self._refusal_blocks:
                self.refusal.append(event.text)
                return [self._chunk({"refusal": event.text})]
            self.content.append(event.text)
            return [self._chunk({"content": event.text})]
        if isinstance(event, ToolInputDelta):
            call = self._calls.get(event.id)
            if call is None:
                return []
            call["function"]["arguments"] += event.text
            return [self._chunk({"tool_calls": [{"index": call["index"], "function": {"arguments": event.text}}]})]
        if isinstance(event, ReasoningDelta):
            self.reasoning.append(event.text)
            return [self._chunk({"reasoning_content": event.text})]
        if isinstance(event, TextStart):
            if ((event.provider_metadata or {}).get("openai") or {}).get("refusal"):
                self._refusal_blocks.add(event.id)
            return []
        if isinstance(event, ToolInputStart):
            return [self._start_call(event.id, event.name)]
        if isinstance(event, ToolCall) and not event.provider_executed:
            return self._finish_call(event)
        if isinstance(event, ProviderError):
            self.error = self.error or event
            return []
        if isinstance(event, Finish):
            return self._finish(event)
        return []

    def _start_call(self, call_id: str, name: str) -> dict[str, Any]:
        call: dict[str, Any] = {
            "index": len(self._calls),
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        self._calls[call_id] = call
        return self._chunk({"tool_calls": [{**call, "function": {"name": name, "arguments": ""}}]})

    def _finish_call(self, event: ToolCall) -> list[dict[str, Any]]:
        chunks = [] if event.id in self._calls else [self._start_call(event.id, event.name)]
        call = self._calls[event.id]
        arguments = json.dumps(event.input if event.input is not None else {}, separators=(",", ":"))
        streamed = call["function"]["arguments"]
        if not streamed:
            call["function"]["arguments"] = arguments
            chunks.append(self._chunk({"tool_calls": [{"index": call["index"], "function": {"arguments": arguments}}]}))
        self.tool_calls.append({key: call[key] for key in ("id", "type", "function")})
        return chunks

    def _finish(self, event: Finish) -> list[dict[str, Any]]:
        self.usage = event.usage
        chunks: list[dict[str, Any]] = []
        if self.error is not None:
            chunks.append(
                {
                    "error": {
                        "message": self.error.message,
                        "type": "upstream_error",
                        "code": self.error.code,
                        "param": None,
                    }
                }
            )
        self.finish_reason = _FINISH[event.reason]
        if event.reason in ("stop", "unknown") and self.tool_calls:
            self.finish_reason = "tool_calls"
        chunks.append(self._chunk({}, self.finish_reason))
        if self.include_usage:
            chunks.append(
                {
                    "id": self.id,
                    "object": "chat.completion.chunk",
                    "created": self.created,
                    "model": self.model,
                    "choices": [],
                    "usage": chat_usage(event.usage),
                }
            )
        return chunks

    def fail(self, error: GatewayError) -> list[dict[str, Any]]:
        """The chunk that ends a stream which broke after it started."""
        return [{"error": error.body()["error"]}]

    def completion(self) -> dict[str, Any]:
        """The non-streamed ``chat.completion`` object."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self.content) if self.content or not self.tool_calls else None,
            "refusal": "".join(self.refusal) or None,
        }
        if self.reasoning:
            message["reasoning_content"] = "".join(self.reasoning)
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": self.finish_reason or "stop"}
            ],
            "usage": chat_usage(self.usage),
        }
