"""``LLMRequest`` → ``POST {base}/responses`` (``stream: true``), the OpenAI Responses body.

Body keys, in order: ``model``, ``input``, ``tools``, ``tool_choice``, ``store``,
``service_tier``, ``prompt_cache_key``, ``include``, ``reasoning``, ``text``,
``max_output_tokens``, ``temperature``, ``top_p``, ``stream``; unset ones are left out.

OpenAI options come from the model's configured options with ``provider_options["openai"]``
over them, under the reference's names (``store``, ``serviceTier``, ``promptCacheKey``,
``reasoningEffort``, ``reasoningSummary``, ``textVerbosity``, ``include``,
``includeEncryptedReasoning``; the snake_case spellings work too).

Input the Responses API cannot take (a non-image file, stop sequences, …) raises
``UnsupportedRequestError`` before anything is sent, so the core can fall back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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

__all__ = ["DEFAULT_BASE_URL", "lower_request", "responses_tools"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
"""Where requests go when the model has no base URL."""

_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})
_SUMMARIES = frozenset({"auto", "concise", "detailed"})
_VERBOSITIES = frozenset({"low", "medium", "high"})
_SERVICE_TIERS = frozenset({"auto", "default", "flex", "priority", "scale"})
_ENCRYPTED_REASONING = "reasoning.encrypted_content"
_OPTION_NAMES = {
    "store": "store",
    "service_tier": "serviceTier",
    "prompt_cache_key": "promptCacheKey",
    "reasoning_effort": "reasoningEffort",
    "reasoning_summary": "reasoningSummary",
    "text_verbosity": "textVerbosity",
    "include_encrypted_reasoning": "includeEncryptedReasoning",
}


def lower_request(request: LLMRequest, model: ResolvedModel, tools: Sequence[Tool]) -> WireRequest:
    """The ``WireRequest`` for one Responses call (auth header included)."""
    if model.api_key is None:
        raise UnsupportedRequestError(model.missing_key_message())
    options = _openai_options(model.options, request.provider_options.get("openai") or {})
    store = options.get("store")
    if store is not None and not isinstance(store, bool):
        raise UnsupportedRequestError(f"OpenAI option store must be true or false, got {store!r}")

    body: dict[str, Any] = {"model": model.api_id, "input": _input(request, store=store)}
    if tools:
        body["tools"] = responses_tools(tools)
    if request.tool_choice is not None:
        choice = request.tool_choice
        body["tool_choice"] = (
            {"type": "function", "name": choice.name} if isinstance(choice, NamedToolChoice) else choice
        )
    if store is not None:
        body["store"] = store
    if (tier := _choice(options, "serviceTier", _SERVICE_TIERS)) is not None:
        body["service_tier"] = tier
    if isinstance(key := options.get("promptCacheKey"), str):
        body["prompt_cache_key"] = key
    if include := _include(options):
        body["include"] = include
    effort = _choice(options, "reasoningEffort", _EFFORTS)
    summary = _choice(options, "reasoningSummary", _SUMMARIES)
    if effort is not None or summary is not None:
        body["reasoning"] = {key: value for key, value in (("effort", effort), ("summary", summary)) if value}
    if (verbosity := _choice(options, "textVerbosity", _VERBOSITIES)) is not None:
        body["text"] = {"verbosity": verbosity}
    generation = request.generation
    for name in ("stop", "seed", "frequency_penalty", "presence_penalty"):
        if getattr(generation, name) is not None:
            raise UnsupportedRequestError(f"OpenAI Responses does not support generation.{name}")
    if generation.max_tokens is not None:
        body["max_output_tokens"] = generation.max_tokens
    if generation.temperature is not None:
        body["temperature"] = generation.temperature
    if generation.top_p is not None:
        body["top_p"] = generation.top_p
    body["stream"] = True

    base = (model.base_url or DEFAULT_BASE_URL).rstrip("/")
    headers = {
        "authorization": f"Bearer {model.api_key.get_secret_value()}",
        "content-type": "application/json",
        **model.headers,
        **request.headers,
    }
    return WireRequest(url=f"{base}/responses", headers=headers, json=body)


def responses_tools(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Host tools as Responses function tools (schemas passed through, strict mode off)."""
    return [
        {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.input_schema,
            "strict": False,
        }
        for tool in tools
    ]


def _openai_options(configured: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """Configured options with the request's over them, snake_case names normalised."""
    merged: dict[str, Any] = {}
    for source in (configured, requested):
        for key, value in source.items():
            merged[_OPTION_NAMES.get(key, key)] = value
    return merged


def _choice(options: Mapping[str, Any], name: str, allowed: frozenset[str]) -> str | None:
    value = options.get(name)
    if value is None:
        return None
    if value not in allowed:
        shown = ", ".join(sorted(allowed))
        raise UnsupportedRequestError(f"OpenAI Responses does not support {name} {value!r} (expected one of {shown})")
    return str(value)


def _include(options: Mapping[str, Any]) -> list[str]:
    include = options.get("include")
    if include is not None and (
        not isinstance(include, list | tuple) or not all(isinstance(item, str) for item in include)
    ):
        raise UnsupportedRequestError(f"OpenAI option include must be a list of strings, got {include!r}")
    values: list[str] = list(include or ())
    if options.get("includeEncryptedReasoning") is True and _ENCRYPTED_REASONING not in values:
        values.append(_ENCRYPTED_REASONING)
    return values


# -- input items ------------------------------------------------------------------------------


def _input(request: LLMRequest, *, store: bool | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if request.system:
        items.append({"role": "system", "content": "\n".join(request.system)})
    for message in request.messages:
        if message.role == "user":
            items.append({"role": "user", "content": [_user_content(part) for part in message.content]})
        elif message.role == "assistant":
            items.extend(_assistant_items(message, store=store))
        else:
            items.extend(_tool_outputs(message))
    return items


def _user_content(part: Any) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, MediaPart):
        if not part.media_type.startswith("image/"):
            raise UnsupportedRequestError(
                f"the native OpenAI runtime sends only images as media, not {part.media_type}"
            )
        return {"type": "input_image", "image_url": part.data_url()}
    raise UnsupportedRequestError(f"user messages cannot hold {part.type} parts")


def _assistant_items(message: Message, *, store: bool | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    reasoning: dict[str, Any] | None = None  # the reasoning item being built (merges summary parts)

    def flush_text() -> None:
        if texts:
            items.append({"role": "assistant", "content": list(texts)})
            texts.clear()

    for part in message.content:
        if not isinstance(part, ReasoningPart):
            reasoning = None
        if isinstance(part, TextPart):
            texts.append({"type": "output_text", "text": part.text})
            continue
        flush_text()
        if isinstance(part, ReasoningPart):
            openai = (part.provider_metadata or {}).get("openai") or {}
            item_id = openai.get("itemId")
            if not isinstance(item_id, str):
                continue  # reasoning from another provider or runtime: nothing to send back
            encrypted = part.encrypted or openai.get("reasoningEncryptedContent")
            if reasoning is None or reasoning["id"] != item_id:
                reasoning = {"type": "reasoning", "id": item_id, "summary": []}
                items.append(reasoning)
            if part.text:
                reasoning["summary"].append({"type": "summary_text", "text": part.text})
            if encrypted:
                reasoning["encrypted_content"] = encrypted
        elif isinstance(part, ToolCallPart):
            if part.provider_executed:
                continue  # the provider ran it; it holds that state itself
            items.append(
                {
                    "type": "function_call",
                    "call_id": part.id,
                    "name": part.name,
                    "arguments": json.dumps(part.input if part.input is not None else {}, separators=(",", ":")),
                }
            )
        elif isinstance(part, ToolResultPart) and part.provider_executed:
            continue
        else:
            raise UnsupportedRequestError(
                f"assistant messages can hold text, reasoning and tool calls, not {part.type} parts"
            )
    flush_text()
    if store is False:  # unpersisted reasoning can only go back with its encrypted state
        items = [item for item in items if item.get("type") != "reasoning" or item.get("encrypted_content")]
    return items


def _tool_outputs(message: Message) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = []
    for part in message.content:
        if not isinstance(part, ToolResultPart):
            raise UnsupportedRequestError(f"tool messages can hold tool results only, not {part.type} parts")
        if part.provider_executed:
            continue
        outputs.append({"type": "function_call_output", "call_id": part.id, "output": _output_text(part)})
    return outputs


def _output_text(part: ToolResultPart) -> str:
    value = part.result.value
    if isinstance(value, str):  # text as is, whatever the result type: the model reads it
        return value
    if part.result.type == "error" and not isinstance(value, dict | list):
        return str(value)
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
