"""``LLMRequest`` → pydantic-ai messages, tool definitions and model settings.

The result travels in ``WireRequest.payload`` as a ``Lowered``; headers stay in
``WireRequest.headers`` (the core layers injected and caller headers there, under the auth the
lowering sets) and become ``extra_headers`` when the stream opens. Importing this module
imports pydantic-ai.

On the OpenAI Responses route the OpenAI options (``resolve_openai_options``, the reference's
names and defaults) become the same body fields the native runtime sends: ``reasoning`` and
``text.verbosity`` through pydantic-ai's settings, the rest through ``extra_body``.
``request.http.body`` is merged over ``extra_body`` (the SDK merges that into its body at the top
level), ``http.timeout`` becomes the request timeout and ``response_format`` pydantic-ai's native
structured output; ``http.query`` is refused by the gate.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from pydantic_ai import messages as pai
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.output import OutputObjectDefinition
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import ToolDefinition
from turnout.errors import UnsupportedRequestError
from turnout.plugin_api import (
    LLMRequest,
    MediaPart,
    Message,
    NamedToolChoice,
    ReasoningPart,
    ResolvedModel,
    ResponseFormat,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
    WireRequest,
    openai_body_fields,
    resolve_openai_options,
)

from turnout_aisdk_fallback import metadata
from turnout_aisdk_fallback.gate import OPTION_ALIASES, SETTING_PREFIXES, request_problems
from turnout_aisdk_fallback.packages import Route

__all__ = ["Lowered", "lower_request"]


_AUTH_HEADERS = {
    "openai-responses": "authorization",
    "openai-chat": "authorization",
    "openrouter": "authorization",
    "anthropic": "x-api-key",
    "google": "x-goog-api-key",
    "azure": "api-key",
}
"""The header each route's SDK sends the API key in (``authorization`` as a bearer token); routes
not listed (Mistral, Vertex AI) take no extra headers from pydantic-ai and keep their SDK's auth."""

_NATIVE_SETTINGS = {
    "reasoning": (("effort", "openai_reasoning_effort"), ("summary", "openai_reasoning_summary")),
    "text": (("verbosity", "openai_text_verbosity"),),
}
"""Responses body fields pydantic-ai builds itself: given to it as settings, not as extra body."""


@dataclass(frozen=True, slots=True)
class Lowered:
    """What the fallback sends: pydantic-ai messages, settings and request parameters."""

    route: Route
    """How the model's package is served."""
    messages: list[pai.ModelMessage]
    """The conversation as pydantic-ai messages."""
    settings: ModelSettings
    """Model settings (sampling, limits, tool choice, provider options); headers are added later."""
    parameters: ModelRequestParameters
    """The function tools and the structured output."""


def lower_request(request: LLMRequest, model: ResolvedModel, route: Route, tools: Sequence[Tool]) -> WireRequest:
    """Lower ``request`` (``UnsupportedRequestError`` for input the fallback cannot send)."""
    if problems := request_problems(request, model, route):
        raise UnsupportedRequestError("; ".join(problems))
    lowered = Lowered(
        route=route,
        messages=lower_messages(request),
        settings=lower_settings(request, model, route),
        parameters=_parameters(request.response_format, tools),
    )
    headers = dict(model.headers)
    name = _AUTH_HEADERS.get(route.api)
    if name is not None:  # the route's auth and content type: a caller's header cannot replace them
        if model.api_key is not None:
            secret = model.api_key.get_secret_value()
            headers[name] = f"Bearer {secret}" if name == "authorization" else secret
        headers["content-type"] = "application/json"
    url = model.base_url or route.default_url or ""
    return WireRequest(url=url, headers=headers, payload=lowered, timeout=request.http.timeout)


def _parameters(response_format: ResponseFormat | None, tools: Sequence[Tool]) -> ModelRequestParameters:
    function_tools = [_tool_definition(tool) for tool in tools if tool.provider is None]
    native = [_native_tool(tool) for tool in tools if tool.provider is not None]
    if response_format is None or response_format.json_schema is None:
        return ModelRequestParameters(function_tools=function_tools, native_tools=native)
    output = OutputObjectDefinition(
        json_schema=response_format.json_schema,
        name=response_format.name,
        description=response_format.description,
        strict=response_format.strict,
    )
    return ModelRequestParameters(
        function_tools=function_tools,
        native_tools=native,
        output_mode="native",
        output_object=output,
        allow_text_output=True,
    )


def lower_messages(request: LLMRequest) -> list[pai.ModelMessage]:
    """The system prompt and messages as alternating pydantic-ai requests and responses."""
    result: list[pai.ModelMessage] = []
    pending: list[pai.ModelRequestPart] = [pai.SystemPromptPart(text) for text in request.system]
    for message in request.messages:
        if message.role == "assistant":
            if pending:
                result.append(pai.ModelRequest(parts=pending))
                pending = []
            response = _response(message)
            previous = result[-1] if result else None
            if isinstance(previous, pai.ModelResponse):  # consecutive assistant turns: one response
                result[-1] = _merge_responses(previous, response)
            else:
                result.append(response)
        elif message.role == "user":
            pending.append(_user_prompt(message))
        else:
            pending.extend(_tool_return(part) for part in message.content)
    if pending:
        result.append(pai.ModelRequest(parts=pending))
    return result


def _user_prompt(message: Message) -> pai.UserPromptPart:
    content: list[pai.UserContent] = []
    for part in message.content:
        if isinstance(part, TextPart):
            content.append(part.text)
        elif isinstance(part, MediaPart):
            content.append(pai.BinaryContent(data=_media_bytes(part), media_type=part.media_type))
        else:
            raise UnsupportedRequestError(f"a user message cannot hold a {part.type!r} part")
    if len(content) == 1 and isinstance(content[0], str):
        return pai.UserPromptPart(content[0])
    return pai.UserPromptPart(content)


def _media_bytes(part: MediaPart) -> bytes:
    if isinstance(part.data, bytes):
        return part.data
    encoded = part.data.partition(",")[2] if part.data.startswith("data:") else part.data
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise UnsupportedRequestError(
            f"media part ({part.media_type}) is neither raw bytes nor valid base64 (or a base64 data: URL)"
        ) from None


def _tool_return(part: Any) -> pai.ToolReturnPart:
    if not isinstance(part, ToolResultPart):
        raise UnsupportedRequestError(f"a tool message can only hold tool results, not a {part.type!r} part")
    value = part.result.value
    return pai.ToolReturnPart(
        tool_name=part.name,
        content=value,
        tool_call_id=part.id,
        outcome="failed" if part.result.type == "error" else "success",
    )


def _response(message: Message) -> pai.ModelResponse:
    parts: list[pai.ModelResponsePart] = []
    providers: list[str] = []
    for part in message.content:
        state = metadata.read(part.provider_metadata) if not isinstance(part, MediaPart) else metadata.PartState()
        if state.provider:
            providers.append(state.provider)
        ids: dict[str, Any] = {
            "id": state.item_id,
            "provider_name": state.provider,
            "provider_details": state.details,
        }
        if isinstance(part, TextPart):
            parts.append(pai.TextPart(part.text, **ids))
        elif isinstance(part, ReasoningPart):
            parts.append(pai.ThinkingPart(part.text, signature=part.encrypted or state.signature, **ids))
        elif isinstance(part, ToolCallPart):
            if part.provider_executed:
                continue  # provider-hosted calls are the provider's own state; not replayed
            parts.append(pai.ToolCallPart(part.name, _arguments(part.input), part.id, **ids))
        elif isinstance(part, ToolResultPart):
            if part.provider_executed:
                continue
            raise UnsupportedRequestError("an assistant message cannot hold a client tool result")
        else:
            raise UnsupportedRequestError(f"an assistant message cannot hold a {part.type!r} part")
    return pai.ModelResponse(parts=parts, provider_name=providers[0] if providers else None)


def _merge_responses(first: pai.ModelResponse, second: pai.ModelResponse) -> pai.ModelResponse:
    return pai.ModelResponse(
        parts=[*first.parts, *second.parts],
        provider_name=first.provider_name or second.provider_name,
    )


def _arguments(value: Any) -> dict[str, Any] | str:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return json.dumps(value)


def _tool_definition(tool: Tool) -> ToolDefinition:
    return ToolDefinition(
        name=tool.name,
        parameters_json_schema=tool.input_schema,
        description=tool.description or None,
    )


_NATIVE_TOOLS = {
    "web_search": "WebSearchTool",
    "web_fetch": "WebFetchTool",
    "code_execution": "CodeExecutionTool",
    "code_interpreter": "CodeExecutionTool",
}
"""Provider tool type prefixes pydantic-ai can declare → its native tool class."""


def _native_tool(tool: Tool) -> Any:
    """A provider-hosted tool (``Tool.provider``) as pydantic-ai's native tool, when it has one."""
    from pydantic_ai import native_tools

    for definition in (tool.provider or {}).values():
        kind = str(definition.get("type", ""))
        for prefix, class_name in _NATIVE_TOOLS.items():
            if kind.startswith(prefix):
                return getattr(native_tools, class_name)()
    raise UnsupportedRequestError(
        f"the fallback runtime cannot declare provider-defined tool {tool.name!r} "
        f"(it knows the hosted {', '.join(sorted(_NATIVE_TOOLS))} tools)"
    )


def lower_settings(request: LLMRequest, model: ResolvedModel, route: Route) -> ModelSettings:
    """Generation settings, tool choice, provider options and the HTTP overlay as ``ModelSettings``."""
    generation = request.generation
    settings: dict[str, Any] = {}
    for source, target in (
        ("max_tokens", "max_tokens"),
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("top_k", "top_k"),
        ("seed", "seed"),
        ("stop", "stop_sequences"),
        ("presence_penalty", "presence_penalty"),
        ("frequency_penalty", "frequency_penalty"),
    ):
        value = getattr(generation, source)
        if value is not None:
            settings[target] = value
    choice = request.tool_choice
    if isinstance(choice, NamedToolChoice):
        settings["tool_choice"] = [choice.name]
    elif choice is not None:
        settings["tool_choice"] = choice
    extra_body: dict[str, Any] = {}
    if route.api == "openai-responses":
        options = resolve_openai_options(request, model)
        fields = openai_body_fields(options)
        for field_name, pairs in _NATIVE_SETTINGS.items():
            values = fields.pop(field_name, {})
            for key, setting in pairs:
                if key in values:
                    settings[setting] = values[key]
        if "store" in fields:
            settings["openai_store"] = fields["store"]  # pydantic-ai shapes continuation by it
        extra_body.update(fields)
    else:
        for name, value in (request.provider_options.get(model.provider) or {}).items():
            target = OPTION_ALIASES.get(name, name)
            if target.startswith(SETTING_PREFIXES):
                settings[target] = value
    extra_body = request.http.apply_body(extra_body)
    if extra_body:
        settings["extra_body"] = extra_body
    if request.http.timeout is not None:
        settings["timeout"] = request.http.timeout
    return cast(ModelSettings, settings)
