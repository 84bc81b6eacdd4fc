"""What a recorded Gemini or provider Chat Completions stream says, read from its JSON payloads.

Test-only code, written from the providers' API references and independent of the fallback's
mapping: the text, reasoning, client tool calls, usage, finish reason and in-stream errors each
recording carries. Usage follows the design's rules: input inclusive of cache reads, output
inclusive of reasoning, cumulative usage taken once (the last report), ``cost`` only when the
provider reports one.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fallback_recordings import sse_payloads

__all__ = [
    "ANNOTATIONS",
    "CITATIONS",
    "GROUNDING",
    "SERVER_TOOLS",
    "ProviderExpected",
    "chat_dialect_expected",
    "gemini_expected",
]

CITATIONS = "citations / search_results: no source event yet (tool-semantics issue)"
ANNOTATIONS = "url_citation annotations: no source event yet (tool-semantics issue)"
GROUNDING = "grounding / URL context metadata: no source event yet (tool-semantics issue)"
SERVER_TOOLS = (
    "server-side tool parts (code execution, tool calls/responses): provider-executed calls whose "
    "order and results the tool-semantics issue checks"
)


@dataclass
class ProviderExpected:
    """The observable outcome of one recorded stream."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[tuple[str | None, str, Any]] = field(default_factory=list)
    """(id or ``None`` when the provider sends none, name, parsed input) of client tool calls."""
    usage: dict[str, Any] | None = None
    reason: str = "unknown"
    errors: list[str] = field(default_factory=list)
    """Messages of errors the provider reported inside the stream."""
    continuation: list[str] = field(default_factory=list)
    """Opaque reasoning state to keep for the next request (signatures, encrypted reasoning)."""
    not_represented: list[str] = field(default_factory=list)
    """What the recording reports that turnout has no event for (named, for the test's record)."""


# -- Chat Completions dialects ------------------------------------------------------------------

_CHAT_REASONS = {"stop": "stop", "length": "length", "tool_calls": "tool-calls", "content_filter": "content-filter"}


def chat_dialect_expected(path: Path) -> ProviderExpected:
    """Expectations for a provider's Chat Completions stream (reasoning and usage in its own fields)."""
    result = ProviderExpected()
    calls: dict[int, dict[str, Any]] = {}
    usage: dict[str, Any] | None = None
    provider = path.parent.name.removesuffix("-chat")
    for chunk in sse_payloads(path):
        if isinstance(chunk.get("error"), dict):  # Groq `event: error`, OpenRouter error chunks
            result.errors.append(chunk["error"]["message"])
            result.reason = "error"
            continue
        # Usage is cumulative where a provider repeats it: the last report is the whole request's.
        usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage") or usage
        if chunk.get("citations") or chunk.get("search_results"):
            _note(result, CITATIONS)
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            _chat_content(delta.get("content"), result)
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if reasoning:
                result.reasoning += reasoning
            elif delta.get("reasoning_details"):  # OpenRouter: only the structured form in this chunk
                result.reasoning += "".join(d.get("text") or d.get("summary") or "" for d in delta["reasoning_details"])
            for detail in delta.get("reasoning_details") or []:  # OpenRouter: encrypted / signed reasoning
                result.continuation += [detail[key] for key in ("data", "signature") if detail.get(key)]
            if delta.get("annotations"):
                _note(result, ANNOTATIONS)
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", len(calls)), {"id": None, "name": "", "args": ""})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] = slot["name"] or function.get("name") or ""
                slot["args"] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                result.reason = _CHAT_REASONS.get(choice["finish_reason"], "unknown")
    result.text, think = _split_think_tags(result.text)
    result.reasoning += think
    for slot in calls.values():
        result.tool_calls.append((slot["id"], slot["name"], json.loads(slot["args"] or "{}")))
    if result.tool_calls and result.reason == "stop":
        result.reason = "tool-calls"
    if usage is not None:
        result.usage = _chat_usage(usage, provider)
    return result


def _chat_content(content: Any, result: ProviderExpected) -> None:
    if isinstance(content, str):
        result.text += content
        return
    for part in content or []:  # Mistral: a list of typed chunks
        if part.get("type") == "text":
            result.text += part["text"]
        elif part.get("type") == "thinking":
            result.reasoning += "".join(t.get("text", "") for t in part.get("thinking") or [])


_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.DOTALL)


def _split_think_tags(text: str) -> tuple[str, str]:
    """Text outside ``<think>…</think>``, and the reasoning inside (how DeepSeek-style models send it)."""
    reasoning = "".join(_THINK.findall(text))
    return _THINK.sub("", text), reasoning


def _chat_usage(usage: dict[str, Any], provider: str) -> dict[str, Any]:
    prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
    details = usage.get("prompt_tokens_details") or {}
    cached = usage.get("prompt_cache_hit_tokens", details.get("cached_tokens"))  # DeepSeek: its own name
    written = details.get("cache_write_tokens")
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if provider == "xai" and reasoning:
        # xAI counts reasoning outside completion_tokens (total = prompt + completion + reasoning).
        completion += reasoning
    expected: dict[str, Any] = {
        "input_tokens": prompt,
        "output_tokens": completion,
        "non_cached_input_tokens": prompt - (cached or 0) - (written or 0),
        "total_tokens": prompt + completion,
        "cache_read_input_tokens": cached,
        "cache_write_input_tokens": written,
        "reasoning_tokens": reasoning,
        "cost": None,
    }
    if isinstance(usage.get("cost"), int | float):  # OpenRouter: USD
        expected["cost"] = usage["cost"]
    elif isinstance(usage.get("cost_in_usd_ticks"), int):  # xAI: 1e-10 USD
        expected["cost"] = usage["cost_in_usd_ticks"] / 1e10
    return expected


def _note(result: ProviderExpected, what: str) -> None:
    if what not in result.not_represented:
        result.not_represented.append(what)


# -- Gemini -------------------------------------------------------------------------------------

_GEMINI_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content-filter",
    "RECITATION": "content-filter",
    "BLOCKLIST": "content-filter",
    "PROHIBITED_CONTENT": "content-filter",
    "SPII": "content-filter",
    "IMAGE_SAFETY": "content-filter",
    "MALFORMED_FUNCTION_CALL": "error",
}


def gemini_expected(path: Path) -> ProviderExpected:
    """Expectations for a Gemini ``streamGenerateContent?alt=sse`` stream (Gemini API or Vertex)."""
    result = ProviderExpected()
    usage: dict[str, Any] | None = None
    streamed: dict[str, Any] | None = None  # a function call whose arguments arrive as partialArgs
    for chunk in sse_payloads(path):
        usage = chunk.get("usageMetadata") or usage  # cumulative: the last one is the request's
        for candidate in chunk.get("candidates") or []:
            for part in (candidate.get("content") or {}).get("parts") or []:
                call = part.get("functionCall")
                if part.get("thoughtSignature"):
                    result.continuation.append(part["thoughtSignature"])
                if "text" in part:
                    if part.get("thought"):
                        result.reasoning += part["text"]
                    else:
                        result.text += part["text"]
                elif call is not None:
                    streamed = _gemini_call(call, streamed, result)
                elif "executableCode" in part or "toolCall" in part:
                    _note(result, SERVER_TOOLS)
            if candidate.get("groundingMetadata") or candidate.get("urlContextMetadata"):
                _note(result, GROUNDING)
            if reason := candidate.get("finishReason"):
                result.reason = _GEMINI_REASONS.get(reason, "unknown")
    if result.tool_calls and result.reason == "stop":
        result.reason = "tool-calls"
    if usage and any(key.endswith("TokenCount") for key in usage):
        result.usage = _gemini_usage(usage)
    return result


def _gemini_call(
    call: dict[str, Any], streamed: dict[str, Any] | None, result: ProviderExpected
) -> dict[str, Any] | None:
    """Track one ``functionCall`` part; return the streamed call still open, if any."""
    if streamed is None and call.get("name") and not call.get("willContinue"):
        result.tool_calls.append((call.get("id"), call["name"], call.get("args") or {}))
        return None
    if streamed is None:
        streamed = {"id": call.get("id"), "name": call.get("name"), "args": {}}
    for arg in call.get("partialArgs") or []:
        _set_json_path(streamed["args"], arg)
    if call.get("willContinue") or call.get("partialArgs"):
        return streamed
    # A functionCall without name, arguments or willContinue ends the streamed call.
    result.tool_calls.append((streamed["id"], streamed["name"], streamed["args"]))
    return None


_PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _set_json_path(root: dict[str, Any], arg: dict[str, Any]) -> None:
    """Apply one ``partialArgs`` entry (``$.a.b[0]``): strings are appended, other values set."""
    keys: list[str | int] = [
        name if name else int(index) for name, index in _PATH_TOKEN.findall(arg["jsonPath"].removeprefix("$"))
    ]
    node: Any = root
    for key, following in itertools.pairwise(keys):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(key, int):
            while len(node) <= key:
                node.append(None)
            node[key] = empty if node[key] is None else node[key]
        else:
            node.setdefault(key, empty)
        node = node[key]
    last = keys[-1]
    if "stringValue" in arg:
        value: Any = (_get(node, last) or "") + arg["stringValue"]
    elif "numberValue" in arg:
        value = arg["numberValue"]
    elif "boolValue" in arg:
        value = arg["boolValue"]
    else:
        value = None
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def _get(node: Any, key: str | int) -> Any:
    if isinstance(key, int):
        return node[key] if key < len(node) else None
    return node.get(key)


def _gemini_usage(usage: dict[str, Any]) -> dict[str, Any]:
    # Gemini's JSON leaves out zero counts (proto3). promptTokenCount includes cached content;
    # toolUsePromptTokenCount (what server-side tools fed back) is input too; thoughts are output.
    prompt = usage.get("promptTokenCount", 0) + usage.get("toolUsePromptTokenCount", 0)
    thoughts = usage.get("thoughtsTokenCount")
    output = usage.get("candidatesTokenCount", 0) + (thoughts or 0)
    cached = usage.get("cachedContentTokenCount", 0)
    return {
        "input_tokens": prompt,
        "output_tokens": output,
        "non_cached_input_tokens": prompt - cached,
        "cache_read_input_tokens": cached,
        "reasoning_tokens": thoughts or 0,
        "total_tokens": usage.get("totalTokenCount", prompt + output),
        "cost": None,
    }
