"""What a recorded Messages stream says, read from its JSON payloads alone (never from the parser).

Imported by the tests as ``plugins.native_anthropic.tests.recorded_expectations``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# The Messages API's stop reasons and what the design calls them (spec, not parser code).
STOP = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool-calls",
    "max_tokens": "length",
    "refusal": "content-filter",
}
SERVER_CALL_BLOCKS = ("server_tool_use", "mcp_tool_use")
COUNTS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


@dataclass
class Expected:
    """The observable outcome of one recorded Messages stream."""

    text: str = ""
    reasoning: str = ""
    signatures: list[str | None] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    server_calls: list[tuple[str, str, Any]] = field(default_factory=list)
    server_results: list[tuple[str, str, Any, bool]] = field(default_factory=list)
    """(tool_use_id, block type, content, is an error) of every ``*_tool_result`` block."""
    provider_order: list[tuple[str, str]] = field(default_factory=list)
    """("call" | "result", id) in the order the stream completes them."""
    citations: list[tuple[int, Any]] = field(default_factory=list)
    """(which text block, counting text blocks from 0; the citation), in stream order."""
    usage: dict[str, Any] | None = None
    raw_usage: dict[str, Any] | None = None
    stop_reason: str | None = None
    finish: str = "unknown"
    errors: int = 0
    message_id: str = ""


def expected_from(payloads: list[dict[str, Any]]) -> Expected:
    """Expectations for one Messages stream's payloads."""
    result = Expected()
    blocks: dict[int, dict[str, Any]] = {}
    text_blocks = 0
    usage: dict[str, Any] = {}
    for event in payloads:
        kind = event["type"]
        if kind == "message_start":
            result.message_id = event["message"]["id"]
            usage.update(event["message"].get("usage") or {})
        elif kind == "content_block_start":
            block = {**event["content_block"], "json": "", "signature_parts": []}
            blocks[event["index"]] = block
            if block["type"] == "text":
                block["ordinal"] = text_blocks
                text_blocks += 1
                result.citations += [(block["ordinal"], citation) for citation in block.get("citations") or []]
                result.text += block.get("text") or ""
            if block["type"].endswith("_tool_result"):
                content = block.get("content")
                failed = block.get("is_error") is True or (
                    isinstance(content, dict) and content.get("type", "").endswith("_error")
                )
                result.server_results.append((block["tool_use_id"], block["type"], content, failed))
                result.provider_order.append(("result", block["tool_use_id"]))
        elif kind == "content_block_delta":
            block, delta = blocks[event["index"]], event["delta"]
            if delta["type"] == "text_delta":
                result.text += delta["text"]
            elif delta["type"] == "thinking_delta":
                result.reasoning += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature_parts"].append(delta["signature"])
            elif delta["type"] == "input_json_delta":
                block["json"] += delta["partial_json"]
            elif delta["type"] == "citations_delta":
                result.citations.append((block["ordinal"], delta["citation"]))
        elif kind == "content_block_stop":
            block = blocks[event["index"]]
            if block["type"] == "thinking":
                result.signatures.append("".join(block["signature_parts"]) or block.get("signature") or None)
            elif block["type"] == "redacted_thinking":
                result.redacted.append(block["data"])
            elif block["type"] == "tool_use":
                try:
                    arguments = json.loads(block["json"]) if block["json"].strip() else block["input"]
                    result.calls.append((block["id"], block["name"], arguments))
                except json.JSONDecodeError:
                    result.malformed.append(block["id"])
            elif block["type"] in SERVER_CALL_BLOCKS:
                arguments = json.loads(block["json"]) if block["json"].strip() else block["input"]
                result.server_calls.append((block["id"], block["name"], arguments))
                result.provider_order.append(("call", block["id"]))
        elif kind == "message_delta":
            usage.update(event.get("usage") or {})
            result.stop_reason = event["delta"].get("stop_reason") or result.stop_reason
        elif kind == "error":
            result.errors += 1
    result.raw_usage = usage or None
    if usage:
        counts = {key: usage.get(key) for key in COUNTS}
        for iteration in usage.get("iterations") or []:
            if iteration.get("type") == "compaction":  # left out of the top level by Anthropic
                for key in COUNTS:
                    counts[key] = (counts[key] or 0) + (iteration.get(key) or 0)
        read, write = counts["cache_read_input_tokens"], counts["cache_creation_input_tokens"]
        total_input = counts["input_tokens"] + (read or 0) + (write or 0)
        result.usage = {
            "input_tokens": total_input,
            "non_cached_input_tokens": counts["input_tokens"],
            "cache_read_input_tokens": read,
            "cache_write_input_tokens": write,
            "output_tokens": counts["output_tokens"],
            "reasoning_tokens": (usage.get("output_tokens_details") or {}).get("thinking_tokens"),
            "total_tokens": total_input + counts["output_tokens"],
        }
    if result.errors:
        result.finish = "error"
    else:
        result.finish = STOP.get(result.stop_reason or "", "unknown")
        if result.finish == "stop" and result.calls:
            result.finish = "tool-calls"
    return result
