"""What a recorded stream says: text, client tool calls, usage and finish reason, read from the SSE.

Test-only helpers that compute the expectations the fallback's events are compared with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Expected:
    """The observable outcome of one recorded stream."""

    text: str = ""
    tool_calls: list[tuple[str, str, Any]] = field(default_factory=list)
    """(id, name, parsed input) of client tool calls, in order."""
    usage: dict[str, int] | None = None
    reason: str = "unknown"


def sse_payloads(path: Path) -> list[dict[str, Any]]:
    """Every JSON ``data:`` payload of an SSE file (``[DONE]`` left out)."""
    payloads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                payloads.append(json.loads(data))
    return payloads


_CHAT_REASONS = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool-calls",
    "function_call": "tool-calls",
    "content_filter": "content-filter",
}


def chat_expected(path: Path) -> Expected:
    """Expectations for an OpenAI Chat Completions stream."""
    result = Expected()
    calls: dict[int, dict[str, str]] = {}
    refusal = ""
    for chunk in sse_payloads(path):
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            result.text += delta.get("content") or ""
            refusal += delta.get("refusal") or ""
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"id": "", "name": "", "args": ""})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["args"] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                result.reason = _CHAT_REASONS.get(choice["finish_reason"], "unknown")
        if usage := chunk.get("usage"):
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
            reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
            result.usage = {
                "input_tokens": usage["prompt_tokens"],
                "output_tokens": usage["completion_tokens"],
                "cache_read_input_tokens": cached,
                "non_cached_input_tokens": usage["prompt_tokens"] - cached,
                "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
            }
            if reasoning is not None:
                result.usage["reasoning_tokens"] = reasoning
    if refusal:
        # pydantic-ai classifies a refusal as a content-filter finish; the fallback shows the
        # refusal text as a text block after the content.
        result.text += refusal
        result.reason = "content-filter"
    for slot in calls.values():
        result.tool_calls.append((slot["id"], slot["name"], json.loads(slot["args"] or "{}")))
    if result.tool_calls and result.reason == "stop":
        result.reason = "tool-calls"
    return result


_ANTHROPIC_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool-calls",
    "refusal": "content-filter",
}


_ANTHROPIC_COUNTS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


def anthropic_expected(path: Path) -> Expected:
    """Expectations for an Anthropic Messages stream."""
    result = Expected()
    blocks: dict[int, dict[str, Any]] = {}
    usage: dict[str, int] = {}
    for event in sse_payloads(path):
        kind = event.get("type")
        if kind == "message_start":
            usage.update({k: v for k, v in event["message"].get("usage", {}).items() if isinstance(v, int)})
        elif kind == "content_block_start":
            blocks[event["index"]] = {**event["content_block"], "json": ""}
        elif kind == "content_block_delta":
            delta = event["delta"]
            if delta["type"] == "text_delta":
                result.text += delta["text"]
            elif delta["type"] == "input_json_delta":
                blocks[event["index"]]["json"] += delta["partial_json"]
        elif kind == "message_delta":
            final = event.get("usage") or {}
            usage.update({k: v for k, v in final.items() if isinstance(v, int)})
            compactions = [i for i in final.get("iterations") or [] if i.get("type") == "compaction"]
            for key in _ANTHROPIC_COUNTS:
                # Anthropic documents that the top-level usage leaves out server-side compaction
                # iterations, billed for the same model: the request's usage adds them back.
                # Advisor iterations are another model's usage, so they stay out.
                usage[key] = usage.get(key, 0) + sum(i.get(key) or 0 for i in compactions)
            if reason := (event.get("delta") or {}).get("stop_reason"):
                result.reason = _ANTHROPIC_REASONS.get(reason, "unknown")
    for block in blocks.values():
        if block["type"] == "tool_use":
            result.tool_calls.append((block["id"], block["name"], json.loads(block["json"] or "{}")))
    read = usage.get("cache_read_input_tokens", 0)
    write = usage.get("cache_creation_input_tokens", 0)
    total_input = usage.get("input_tokens", 0) + read + write
    result.usage = {
        "input_tokens": total_input,
        "output_tokens": usage["output_tokens"],
        "cache_read_input_tokens": read,
        "cache_write_input_tokens": write,
        "non_cached_input_tokens": usage.get("input_tokens", 0),
        "total_tokens": total_input + usage["output_tokens"],
    }
    return result
