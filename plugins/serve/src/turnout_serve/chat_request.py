"""A ``POST /v1/chat/completions`` body → ``LLMRequest``.

``system``/``developer`` messages become ``system``; user messages keep text and ``data:``
images; assistant messages keep text, ``reasoning_content`` (as reasoning) and ``tool_calls``;
``tool`` messages become tool results. Function tools pass through; ``max_completion_tokens``
(or the older ``max_tokens``), ``temperature``, ``top_p``, ``stop``, ``seed`` and the penalties
go to ``Generation``; ``reasoning_effort`` to ``provider_options["openai"]``. Only ``n = 1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout.plugin_api import (
    Generation,
    LLMRequest,
    Message,
    NamedToolChoice,
    ReasoningPart,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
    ToolResultValue,
)

from turnout_serve.errors import invalid
from turnout_serve.wire import client_tool, field, media_from_data_url, parse_arguments

__all__ = ["chat_request"]


def chat_request(body: Mapping[str, Any], model: str) -> LLMRequest:
    """The ``LLMRequest`` for a Chat Completions body; ``model`` is the resolved ``provider/model``."""
    if (n := field(body, "n", int)) not in (None, 1):
        raise invalid(f"n must be 1, got {n}", param="n")
    raw_messages = field(body, "messages", list)
    if not raw_messages:
        raise invalid("messages must be a non-empty array", param="messages")
    system: list[str] = []
    messages = _messages(raw_messages, system)
    stop = body.get("stop")
    if isinstance(stop, str):
        stop = [stop]
    elif stop is not None and not (isinstance(stop, list) and all(isinstance(s, str) for s in stop)):
        raise invalid("stop must be a string or an array of strings", param="stop")
    options: dict[str, Any] = {}
    if (effort := field(body, "reasoning_effort", str)) is not None:
        options["reasoning_effort"] = effort
    metadata: dict[str, Any] = dict(field(body, "metadata", dict) or {})
    if (user := field(body, "user", str)) is not None:
        metadata.setdefault("user", user)
    return LLMRequest(
        model=model,
        system=system,
        messages=messages,
        tools=_tools(body.get("tools")),
        tool_choice=_tool_choice(body.get("tool_choice")),
        generation=Generation(
            max_tokens=field(body, "max_completion_tokens", int) or field(body, "max_tokens", int),
            temperature=field(body, "temperature", (int, float)),
            top_p=field(body, "top_p", (int, float)),
            frequency_penalty=field(body, "frequency_penalty", (int, float)),
            presence_penalty=field(body, "presence_penalty", (int, float)),
            seed=field(body, "seed", int),
            stop=stop or None,
        ),
        provider_options={"openai": options} if options else {},
        metadata=metadata,
    )


def _tools(raw: Any) -> list[Tool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("tools must be an array", param="tools")
    tools = []
    for position, tool in enumerate(raw):
        param = f"tools[{position}]"
        function = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if not isinstance(function, dict):
            raise invalid(f"{param}: only function tools are supported", param=param)
        tools.append(client_tool(function.get("name"), function.get("description"), function.get("parameters"), param))
    return tools


def _tool_choice(raw: Any) -> Any:
    if raw is None or raw in ("auto", "none", "required"):
        return raw
    function = raw.get("function") if isinstance(raw, dict) else None
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return NamedToolChoice(name=function["name"])
    raise invalid("tool_choice must be auto, none, required or a function", param="tool_choice")


def _messages(raw: list[Any], system: list[str]) -> list[Message]:
    messages: list[Message] = []
    results: list[ToolResultPart] = []
    names: dict[str, str] = {}
    for position, message in enumerate(raw):
        param = f"messages[{position}]"
        if not isinstance(message, dict):
            raise invalid(f"{param} must be an object", param=param)
        role = message.get("role")
        if role != "tool" and results:
            messages.append(Message(role="tool", content=[*results]))
            results = []
        if role in ("system", "developer"):
            system.append(_text(message.get("content"), param))
        elif role == "user":
            messages.append(Message(role="user", content=_user_parts(message.get("content"), param)))
        elif role == "assistant":
            messages.append(_assistant(message, param, names))
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                raise invalid(f"{param}.tool_call_id must be a string", param=f"{param}.tool_call_id")
            text = _text(message.get("content"), param)
            results.append(
                ToolResultPart(id=call_id, name=names.get(call_id, ""), result=ToolResultValue(type="text", value=text))
            )
        else:
            raise invalid(f"{param}.role must be system, developer, user, assistant or tool", param=f"{param}.role")
    if results:
        messages.append(Message(role="tool", content=[*results]))
    return messages


def _assistant(message: dict[str, Any], param: str, names: dict[str, str]) -> Message:
    parts: list[Any] = []
    if isinstance(reasoning := message.get("reasoning_content"), str) and reasoning:
        parts.append(ReasoningPart(text=reasoning))
    content = message.get("content")
    if content is not None and (text := _text(content, param)):
        parts.append(TextPart(text=text))
    for index, call in enumerate(message.get("tool_calls") or []):
        where = f"{param}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(call.get("id"), str) or not function.get("name"):
            raise invalid(f"{where} needs an id and a function name", param=where)
        arguments = function.get("arguments")
        names[call["id"]] = function["name"]
        parts.append(
            ToolCallPart(
                id=call["id"],
                name=function["name"],
                input=parse_arguments(arguments if isinstance(arguments, str) else "", f"{where}.function.arguments"),
            )
        )
    return Message(role="assistant", content=parts)


def _text(content: Any, param: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise invalid(f"{param}.content: only text parts are supported here", param=f"{param}.content")
            texts.append(part["text"])
        return "".join(texts)
    if content is None:
        return ""
    raise invalid(f"{param}.content must be a string or an array of content parts", param=f"{param}.content")


def _user_parts(content: Any, param: str) -> list[Any]:
    if isinstance(content, str):
        return [TextPart(text=content)]
    if not isinstance(content, list):
        raise invalid(f"{param}.content must be a string or an array of content parts", param=f"{param}.content")
    parts: list[Any] = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        image = part.get("image_url") if kind == "image_url" else None
        url = image.get("url") if isinstance(image, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append(TextPart(text=part["text"]))
        elif isinstance(url, str) and url.startswith("data:"):
            parts.append(media_from_data_url(url))
        else:
            where = f"{param}.content[{index}]"
            raise invalid(f"{where}: supported parts are text and image_url with a data: URL", param=where)
    return parts
