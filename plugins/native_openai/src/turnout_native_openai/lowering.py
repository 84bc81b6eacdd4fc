"""``LLMRequest`` → ``POST {base}/responses`` (``stream: true``), the OpenAI Responses body.

Body keys, in order: ``model``, ``input``, ``instructions``, ``tools``, ``tool_choice``,
``store``, ``service_tier``, ``prompt_cache_key``, ``include``, ``reasoning``, ``text``,
``max_output_tokens``, ``temperature``, ``top_p``, the other options, ``stream``; unset ones
are left out. ``request.http.body`` is deep-merged last.

OpenAI options (``provider_options["openai"]``, the reference's names) and the reference's
defaults (``store: false``, gpt-5 reasoning and verbosity, ``prompt_cache_key`` from
``metadata["session_id"]``) are in ``turnout.plugin_api`` (``resolve_openai_options`` …). Structured output
(``request.response_format``) becomes ``text.format``.

Input the Responses API cannot take (stop sequences, an unknown option or value …) is refused
by ``request_problems``: the gate declines with those reasons at selection, and lowering raises
``UnsupportedRequestError`` with them, before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from turnout.errors import UnsupportedRequestError
from turnout.plugin_api import (
    RESPONSES_UNSUPPORTED_GENERATION,
    LLMRequest,
    MediaPart,
    Message,
    NamedToolChoice,
    ReasoningPart,
    ResponseFormat,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    WireRequest,
    openai_body_fields,
    openai_option_problems,
    resolve_openai_options,
)

from turnout_native_openai.client_tools import (
    approval_request_item,
    approval_requests,
    approval_response_item,
    call_item,
    client_call_types,
    output_item,
    provider_tool,
)

if TYPE_CHECKING:
    from turnout.plugin_api import ResolvedModel, Tool

__all__ = ["DEFAULT_BASE_URL", "lower_request", "request_problems", "responses_tools", "text_format"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
"""Where requests go when the model has no base URL."""

_KEY_ORDER = (
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "store",
    "service_tier",
    "prompt_cache_key",
    "include",
    "reasoning",
    "text",
    "max_output_tokens",
    "temperature",
    "top_p",
    "parallel_tool_calls",
    "max_tool_calls",
    "user",
    "safety_identifier",
    "metadata",
    "previous_response_id",
    "conversation",
    "truncation",
    "background",
    "top_logprobs",
    "prompt",
    "prompt_cache_retention",
    "stream",
)


def request_problems(request: LLMRequest, model: ResolvedModel) -> list[str]:
    """Why the Responses API cannot take ``request`` as asked (each reason names the option), or ``[]``."""
    problems = openai_option_problems(request, model)
    for name in RESPONSES_UNSUPPORTED_GENERATION:
        if getattr(request.generation, name) is not None:
            problems.append(f"OpenAI Responses does not support generation.{name}")
    for message in request.messages:
        if message.role == "assistant" and any(isinstance(part, MediaPart) for part in message.content):
            problems.append("OpenAI Responses cannot take media parts in assistant messages")
            break
    return problems


def lower_request(request: LLMRequest, model: ResolvedModel, tools: Sequence[Tool]) -> WireRequest:
    """The ``WireRequest`` for one Responses call (auth header included)."""
    if model.api_key is None:
        raise UnsupportedRequestError(model.missing_key_message())
    if problems := request_problems(request, model):
        raise UnsupportedRequestError("; ".join(problems))
    options = resolve_openai_options(request, model)
    store = options.get("store")

    body: dict[str, Any] = {"model": model.api_id, "input": _input(request, store=store)}
    if tools:
        body["tools"] = responses_tools(tools)
    if request.tool_choice is not None:
        choice = request.tool_choice
        body["tool_choice"] = (
            {"type": "function", "name": choice.name} if isinstance(choice, NamedToolChoice) else choice
        )
    body.update(openai_body_fields(options))
    if request.response_format is not None:
        strict = options.get("strictJsonSchema", request.response_format.strict)
        body["text"] = {**body.get("text", {}), "format": text_format(request.response_format, strict=strict)}
    generation = request.generation
    if generation.max_tokens is not None:
        body["max_output_tokens"] = generation.max_tokens
    if generation.temperature is not None:
        body["temperature"] = generation.temperature
    if generation.top_p is not None:
        body["top_p"] = generation.top_p
    body["stream"] = True
    body = request.http.apply_body({key: body[key] for key in _KEY_ORDER if key in body})

    base = (model.base_url or DEFAULT_BASE_URL).rstrip("/")
    query = f"?{urlencode(request.http.query)}" if request.http.query else ""
    headers = {
        **model.headers,
        "authorization": f"Bearer {model.api_key.get_secret_value()}",
        "content-type": "application/json",
    }
    return WireRequest(url=f"{base}/responses{query}", headers=headers, json=body, timeout=request.http.timeout)


def text_format(response_format: ResponseFormat, *, strict: bool) -> dict[str, Any]:
    """``text.format`` for structured output: ``json_object``, or a (strict) ``json_schema``."""
    if response_format.type == "json":
        return {"type": "json_object"}
    schema = response_format.json_schema or {}
    result: dict[str, Any] = {
        "type": "json_schema",
        "name": response_format.name,
        "schema": strict_schema(schema) if strict else schema,
    }
    if response_format.description:
        result["description"] = response_format.description
    result["strict"] = strict
    return result


def strict_schema(schema: Any) -> Any:
    """``schema`` as strict mode wants it: every object closed and every property required."""
    if isinstance(schema, list):
        return [strict_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    result = {key: strict_schema(value) for key, value in schema.items()}
    if result.get("type") == "object" or "properties" in result:
        properties = result.get("properties") or {}
        if properties:
            result["required"] = list(properties)
        result.setdefault("additionalProperties", False)
    return result


def responses_tools(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """Host tools as Responses function tools (schemas passed through, strict mode off);
    provider-defined tools (shell, apply patch, custom …) as OpenAI defines them."""
    return [provider_tool(tool) if tool.provider is not None else _function_tool(tool) for tool in tools]


def _function_tool(tool: Tool) -> dict[str, Any]:
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "parameters": tool.input_schema,
        "strict": False,
    }


# -- input items ------------------------------------------------------------------------------


def _input(request: LLMRequest, *, store: bool | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    client_calls = client_call_types(request.messages)
    approvals = approval_requests(request.messages)
    if request.system:
        items.append({"role": "system", "content": "\n".join(request.system)})
    for message in request.messages:
        if message.role == "user":
            content = [_user_content(part, index) for index, part in enumerate(message.content)]
            items.append({"role": "user", "content": content})
        elif message.role == "assistant":
            items.extend(_assistant_items(message, store=store))
        else:
            items.extend(_tool_outputs(message, client_calls, approvals))
    return items


def _user_content(part: Any, index: int) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, MediaPart):
        if part.media_type.startswith("image/"):
            return {"type": "input_image", "image_url": part.data_url()}
        extension = part.media_type.rpartition("/")[2] or "bin"
        filename = part.filename or f"part-{index}.{extension}"
        return {"type": "input_file", "filename": filename, "file_data": part.data_url()}
    raise UnsupportedRequestError(f"user messages cannot hold {part.type} parts")


def _assistant_items(message: Message, *, store: bool | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    reasoning: dict[str, Any] | None = None  # the reasoning item being built (merges summary parts)
    referenced: set[str] = set()

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
            if store is True:  # stored at OpenAI: refer to the item, once
                if item_id not in referenced:
                    referenced.add(item_id)
                    items.append({"type": "item_reference", "id": item_id})
                continue
            if reasoning is None or reasoning["id"] != item_id:
                reasoning = {"type": "reasoning", "id": item_id, "summary": []}
                items.append(reasoning)
            if part.text:
                reasoning["summary"].append({"type": "summary_text", "text": part.text})
            if encrypted:
                reasoning["encrypted_content"] = encrypted
        elif isinstance(part, ToolCallPart):
            if part.provider_executed:
                if (request_item := approval_request_item(part)) is not None:
                    items.append(request_item)  # the host answers it in a tool message
                continue  # the provider ran it; it holds that state itself
            if (client_item := call_item(part)) is not None:
                items.append(client_item)
                continue
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


def _tool_outputs(message: Message, client_calls: Mapping[str, str], approvals: set[str]) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = []
    for part in message.content:
        if not isinstance(part, ToolResultPart):
            raise UnsupportedRequestError(f"tool messages can hold tool results only, not {part.type} parts")
        if part.provider_executed:
            continue
        if part.id in approvals:
            outputs.append(approval_response_item(part))
            continue
        if part.id in client_calls:
            outputs.append(output_item(part, client_calls[part.id]))
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
