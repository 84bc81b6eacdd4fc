"""``LLMRequest`` → ``POST {base}/messages`` (``stream: true``), the Anthropic Messages body.

Body keys, in order: ``model``, ``max_tokens``, ``system``, ``messages``, ``tools``,
``tool_choice``, ``thinking``, ``output_config``, ``mcp_servers``, ``temperature``, ``top_p``,
``top_k``, ``stop_sequences``, ``stream``; unset ones are left out. Headers: ``x-api-key``,
``anthropic-version`` (``2023-06-01``), ``anthropic-beta`` when betas are asked for, then the
model's headers and the request's.

Anthropic options come from the model's configured options with ``provider_options["anthropic"]``
over them (camelCase, the snake_case spellings work too):

- ``thinking``: ``{"type": "enabled", "budgetTokens": n}``, ``{"type": "adaptive"}`` or
  ``{"type": "disabled"}``. With thinking on, sampling settings (temperature, top_p, top_k) are
  left out, as Anthropic requires, and a budget is added to ``max_tokens``.
- ``effort``: ``low`` / ``medium`` / ``high`` / ``max`` (``output_config.effort``).
- ``disableParallelToolUse``: one tool call per turn at most.
- ``cache``: automatic prompt-cache breakpoints (``cache_control``) on the last system block, the
  last tool and the last block of the latest message: ``"auto"`` (default), ``"none"`` (off), or
  ``{"ttl": "5m" | "1h"}``. A text part's own ``{"anthropic": {"cacheControl": …}}`` metadata
  sets a breakpoint there explicitly.
- ``serverTools``: Anthropic tool definitions sent as they are (``web_search_20250305``,
  ``code_execution_20250825``, …), after the host tools; ``mcpServers``: ``mcp_servers``.
- ``betas``: extra ``anthropic-beta`` values.

``max_tokens`` defaults per model family (``generation.max_tokens`` wins). Input the Messages API
cannot take (media other than images and PDF, …) raises ``UnsupportedRequestError`` before
anything is sent, so the core can fall back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from turnout.errors import UnsupportedRequestError
from turnout.plugin_api import (
    LLMRequest,
    MediaPart,
    Message,
    NamedToolChoice,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    WireRequest,
)

if TYPE_CHECKING:
    from turnout.plugin_api import ResolvedModel, Tool

__all__ = ["ANTHROPIC_VERSION", "DEFAULT_BASE_URL", "default_max_tokens", "lower_request", "messages_tools"]

DEFAULT_BASE_URL = "https://api.anthropic.com/v1"
"""Where requests go when the model has no base URL."""

ANTHROPIC_VERSION = "2023-06-01"
"""The ``anthropic-version`` header sent with every request."""

# Model id prefix → the model's maximum output tokens (the first match wins; order matters).
_MAX_TOKENS: tuple[tuple[str, int], ...] = (
    ("claude-opus-4-6", 128_000),
    ("claude-opus-4-5", 64_000),
    ("claude-opus-4", 32_000),
    ("claude-sonnet-4", 64_000),
    ("claude-haiku-4", 64_000),
    ("claude-3-7-sonnet", 64_000),
    ("claude-3-5-sonnet", 8_192),
    ("claude-3-5-haiku", 8_192),
)
_FALLBACK_MAX_TOKENS = 4_096
_EPHEMERAL = "ephemeral"
_TTLS = frozenset({"5m", "1h"})
_EFFORTS = frozenset({"low", "medium", "high", "max"})
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_OPTION_NAMES = {
    "disable_parallel_tool_use": "disableParallelToolUse",
    "server_tools": "serverTools",
    "mcp_servers": "mcpServers",
    "budget_tokens": "budgetTokens",
}


def default_max_tokens(model_id: str) -> int:
    """The ``max_tokens`` sent when the request sets none: the model family's output limit."""
    name = model_id.rsplit("/", 1)[-1].lower()
    return next((limit for prefix, limit in _MAX_TOKENS if name.startswith(prefix)), _FALLBACK_MAX_TOKENS)


def lower_request(request: LLMRequest, model: ResolvedModel, tools: Sequence[Tool]) -> WireRequest:
    """The ``WireRequest`` for one Messages call (auth and version headers included)."""
    if model.api_key is None:
        raise UnsupportedRequestError("Anthropic API key is not configured")
    options = _options(model.options, request.provider_options.get("anthropic") or {})
    cache = _cache_control(options.get("cache", "auto"))
    generation = request.generation
    for name in ("seed", "frequency_penalty", "presence_penalty"):
        if getattr(generation, name) is not None:
            raise UnsupportedRequestError(f"Anthropic Messages does not support generation.{name}")

    thinking = _thinking(options.get("thinking"))
    budget = thinking.get("budget_tokens", 0) if thinking else 0
    max_tokens = generation.max_tokens or default_max_tokens(model.api_id)
    if budget:
        max_tokens += budget  # the budget is spent out of max_tokens: keep the answer's share
    body: dict[str, Any] = {"model": model.api_id, "max_tokens": max_tokens}
    if request.system:
        system: list[dict[str, Any]] = [{"type": "text", "text": text} for text in request.system]
        if cache:
            system[-1]["cache_control"] = dict(cache)
        body["system"] = system
    body["messages"] = _messages(request.messages, cache)

    wire_tools = messages_tools(tools)
    server_tools = options.get("serverTools") or []
    if not isinstance(server_tools, list) or not all(isinstance(tool, Mapping) for tool in server_tools):
        raise UnsupportedRequestError("Anthropic option serverTools must be a list of tool definitions")
    wire_tools += [dict(tool) for tool in server_tools]
    if wire_tools:
        if cache:
            wire_tools[-1]["cache_control"] = dict(cache)
        body["tools"] = wire_tools
        choice = _tool_choice(request, options)
        if choice is not None:
            body["tool_choice"] = choice
    if thinking:
        body["thinking"] = thinking
    if (effort := options.get("effort")) is not None:
        if effort not in _EFFORTS:
            raise UnsupportedRequestError(f"Anthropic option effort must be one of low, medium, high, max: {effort!r}")
        body["output_config"] = {"effort": effort}
    if options.get("mcpServers"):
        body["mcp_servers"] = options["mcpServers"]
    if not thinking or thinking["type"] == "disabled":  # Anthropic refuses sampling settings while thinking
        for key, value in (
            ("temperature", generation.temperature),
            ("top_p", generation.top_p),
            ("top_k", generation.top_k),
        ):
            if value is not None:
                body[key] = value
    if generation.stop:
        body["stop_sequences"] = list(generation.stop)
    body["stream"] = True

    headers = {
        "x-api-key": model.api_key.get_secret_value(),
        "anthropic-version": ANTHROPIC_VERSION,
        "content-type": "application/json",
    }
    betas = options.get("betas") or []
    if isinstance(betas, str):
        betas = [betas]
    if betas:
        headers["anthropic-beta"] = ",".join(str(beta) for beta in betas)
    base = (model.base_url or DEFAULT_BASE_URL).rstrip("/")
    query = f"?{urlencode(request.http.query)}" if request.http.query else ""
    return WireRequest(
        url=f"{base}/messages{query}",
        headers={**headers, **model.headers, **request.headers},
        json=request.http.apply_body(body),
        timeout=request.http.timeout,
    )


def messages_tools(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Host tools as Messages client tools (name, description, JSON schema)."""
    return [{"name": tool.name, "description": tool.description, "input_schema": tool.input_schema} for tool in tools]


def _options(configured: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """Configured options with the request's over them, snake_case names normalised."""
    merged: dict[str, Any] = {}
    for source in (configured, requested):
        for key, value in source.items():
            merged[_OPTION_NAMES.get(key, key)] = value
    return merged


def _cache_control(option: Any) -> dict[str, Any] | None:
    """The ``cache_control`` of automatic breakpoints, or ``None`` when caching is off."""
    if option in ("auto", True, None):
        return {"type": _EPHEMERAL}
    if option in ("none", False):
        return None
    if isinstance(option, Mapping) and set(option) <= {"ttl"} and option.get("ttl", "5m") in _TTLS:
        return {"type": _EPHEMERAL, **({"ttl": option["ttl"]} if "ttl" in option else {})}
    raise UnsupportedRequestError(
        f"Anthropic option cache must be 'auto', 'none' or {{'ttl': '5m' | '1h'}}: {option!r}"
    )


def _thinking(option: Any) -> dict[str, Any] | None:
    if option is None:
        return None
    if not isinstance(option, Mapping) or option.get("type") not in ("enabled", "adaptive", "disabled"):
        raise UnsupportedRequestError(
            f"Anthropic option thinking must be {{'type': 'enabled' | 'adaptive' | 'disabled', …}}: {option!r}"
        )
    if option["type"] != "enabled":
        return {"type": option["type"]}
    budget = option.get("budgetTokens", option.get("budget_tokens"))
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1024:
        raise UnsupportedRequestError(f"Anthropic thinking needs budgetTokens of at least 1024, got {budget!r}")
    return {"type": "enabled", "budget_tokens": budget}


def _tool_choice(request: LLMRequest, options: Mapping[str, Any]) -> dict[str, Any] | None:
    choice = request.tool_choice
    wire: dict[str, Any] | None
    if choice is None:
        wire = None
    elif isinstance(choice, NamedToolChoice):
        wire = {"type": "tool", "name": choice.name}
    else:
        wire = {"type": {"auto": "auto", "required": "any", "none": "none"}[choice]}
    if options.get("disableParallelToolUse") is True and (wire is None or wire["type"] != "none"):
        wire = {**(wire or {"type": "auto"}), "disable_parallel_tool_use": True}
    return wire


# -- messages ---------------------------------------------------------------------------------


def _messages(messages: Sequence[Message], cache: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Messages in Anthropic's roles (tool results go in a user turn), same-role turns merged."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "assistant":
            role, content = "assistant", _assistant_blocks(message)
        elif message.role == "user":
            role, content = "user", [_user_block(part) for part in message.content]
        else:
            role, content = "user", [_tool_result(part) for part in message.content]
        if not content:
            continue
        if wire and wire[-1]["role"] == role:
            wire[-1]["content"].extend(content)
        else:
            wire.append({"role": role, "content": content})
    if cache and wire:
        last = wire[-1]["content"][-1]
        if last.get("type") not in ("thinking", "redacted_thinking"):  # these take no cache_control
            last.setdefault("cache_control", dict(cache))
    return wire


def _text(part: TextPart) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": part.text}
    explicit = ((part.provider_metadata or {}).get("anthropic") or {}).get("cacheControl")
    if isinstance(explicit, Mapping):
        block["cache_control"] = dict(explicit)
    return block


def _user_block(part: Any) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return _text(part)
    if isinstance(part, MediaPart):
        media_type = part.media_type.lower()
        data = part.data_url().partition(",")[2]
        source = {"type": "base64", "media_type": media_type, "data": data}
        if media_type in _IMAGE_TYPES:
            return {"type": "image", "source": source}
        if media_type == "application/pdf":
            document: dict[str, Any] = {"type": "document", "source": source}
            if part.filename:
                document["title"] = part.filename
            return document
        raise UnsupportedRequestError(
            f"the native Anthropic runtime sends images (jpeg, png, gif, webp) and PDF documents, not {part.media_type}"
        )
    raise UnsupportedRequestError(f"user messages cannot hold {part.type} parts")


def _assistant_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.content:
        anthropic = ((part.provider_metadata if not isinstance(part, MediaPart) else None) or {}).get("anthropic") or {}
        if isinstance(part, TextPart):
            if part.text:  # Anthropic refuses empty text blocks
                blocks.append(_text(part))
        elif isinstance(part, ReasoningPart):
            if anthropic.get("redactedData"):
                blocks.append({"type": "redacted_thinking", "data": anthropic["redactedData"]})
            elif anthropic.get("signature"):
                blocks.append({"type": "thinking", "thinking": part.text, "signature": anthropic["signature"]})
            # reasoning without Anthropic's signature (another provider's) cannot be sent back
        elif isinstance(part, ToolCallPart):
            if part.provider_executed:
                if not anthropic.get("blockType"):
                    continue  # another provider's hosted tool: nothing Anthropic can take back
                block = {"type": anthropic["blockType"], "id": part.id, "name": part.name}
                block["input"] = part.input if part.input is not None else {}
                if anthropic.get("serverName"):
                    block["server_name"] = anthropic["serverName"]
                blocks.append(block)
            else:
                blocks.append({"type": "tool_use", "id": part.id, "name": part.name, "input": part.input or {}})
        elif isinstance(part, ToolResultPart) and part.provider_executed:
            kind = anthropic.get("blockType")
            if not kind:
                continue  # another provider's hosted tool: nothing Anthropic can take back
            block = {"type": kind, "tool_use_id": part.id, "content": part.result.value}
            if "isError" in anthropic:
                block["is_error"] = anthropic["isError"]
            blocks.append(block)
        else:
            raise UnsupportedRequestError(
                f"assistant messages can hold text, reasoning and tool calls, not {part.type} parts"
            )
    return blocks


def _tool_result(part: Any) -> dict[str, Any]:
    if not isinstance(part, ToolResultPart):
        raise UnsupportedRequestError(f"tool messages can hold tool results only, not {part.type} parts")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": part.id, "content": _output_text(part)}
    if part.result.type == "error":
        block["is_error"] = True
    return block


def _output_text(part: ToolResultPart) -> str:
    value = part.result.value
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
