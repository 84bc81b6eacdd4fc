"""A ``POST /v1/responses`` body → ``LLMRequest``.

Input items map to messages: ``system``/``developer`` messages and ``instructions`` to
``system``; user messages (text and images); assistant ``message`` items, ``reasoning`` items
(summary and ``encrypted_content``, with the item id so OpenAI can continue) and
``function_call`` items to one assistant turn; ``function_call_output`` items to a tool turn.
Function tools pass through to the model. OpenAI options (``reasoning``, ``include``,
``store``, ``text.verbosity``, ``service_tier``, ``prompt_cache_key``) go into
``provider_options["openai"]``. Anything the gateway cannot honour (server-side state such as
``previous_response_id``, hosted tool definitions) is a 400, never silently dropped.
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

__all__ = ["responses_request"]

_STATEFUL = ("previous_response_id", "conversation", "prompt", "background")
_OPTION_FIELDS = {"store": bool, "service_tier": str, "prompt_cache_key": str}


def responses_request(body: Mapping[str, Any], model: str) -> LLMRequest:
    """The ``LLMRequest`` for a Responses body; ``model`` is the resolved ``provider/model``."""
    for name in _STATEFUL:
        if body.get(name) not in (None, False):
            raise invalid(f"{name} is not supported: this gateway is stateless; send the whole input", param=name)
    system: list[str] = []
    if (instructions := field(body, "instructions", str)) is not None:
        system.append(instructions)
    raw_input = body.get("input")
    items: list[Any]
    if isinstance(raw_input, str):
        items = [{"role": "user", "content": raw_input}]
    elif isinstance(raw_input, list):
        items = raw_input
    else:
        raise invalid("input must be a string or an array of input items", param="input")
    messages = _messages(items, system)
    tools = _tools(body.get("tools"))
    options = _openai_options(body)
    return LLMRequest(
        model=model,
        system=system,
        messages=messages,
        tools=tools,
        tool_choice=_tool_choice(body.get("tool_choice")),
        generation=Generation(
            max_tokens=field(body, "max_output_tokens", int),
            temperature=field(body, "temperature", (int, float)),
            top_p=field(body, "top_p", (int, float)),
        ),
        provider_options={"openai": options} if options else {},
        metadata=_metadata(body),
    )


def _metadata(body: Mapping[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = dict(field(body, "metadata", dict) or {})
    if (user := field(body, "user", str)) is not None:
        metadata.setdefault("user", user)
    return metadata


def _openai_options(body: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, kind in _OPTION_FIELDS.items():
        if (value := field(body, name, kind)) is not None:
            options[name] = value
    if (include := field(body, "include", list)) is not None:
        options["include"] = include
    if (reasoning := field(body, "reasoning", dict)) is not None:
        if (effort := field(reasoning, "effort", str, "reasoning.")) is not None:
            options["reasoning_effort"] = effort
        if (summary := field(reasoning, "summary", str, "reasoning.")) is not None:
            options["reasoning_summary"] = summary
    if (text := field(body, "text", dict)) is not None:
        if (verbosity := field(text, "verbosity", str, "text.")) is not None:
            options["text_verbosity"] = verbosity
        text_format = field(text, "format", dict, "text.")
        if text_format is not None and text_format.get("type") not in (None, "text"):
            raise invalid("text.format other than text (structured outputs) is not supported", param="text.format")
    return options


def _tools(raw: Any) -> list[Tool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("tools must be an array", param="tools")
    tools = []
    for position, tool in enumerate(raw):
        param = f"tools[{position}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, dict) else type(tool).__name__
            raise invalid(f"{param}: only function tools pass through this gateway, not {kind!r}", param=param)
        tools.append(client_tool(tool.get("name"), tool.get("description"), tool.get("parameters"), param))
    return tools


def _tool_choice(raw: Any) -> Any:
    if raw is None or raw in ("auto", "none", "required"):
        return raw
    if isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("name"), str):
        return NamedToolChoice(name=raw["name"])
    raise invalid("tool_choice must be auto, none, required or a function", param="tool_choice")


# -- input items ----------------------------------------------------------------------------


class _Conversation:
    """Builds messages from items; consecutive assistant-side items form one assistant turn."""

    def __init__(self, system: list[str]) -> None:
        self.system = system
        self.messages: list[Message] = []
        self.assistant: list[Any] = []
        self.results: list[ToolResultPart] = []
        self.call_names: dict[str, str] = {}

    def flush(self) -> None:
        if self.assistant:
            self.messages.append(Message(role="assistant", content=self.assistant))
            self.assistant = []
        if self.results:
            self.messages.append(Message(role="tool", content=[*self.results]))
            self.results = []

    def add(self, item: Any, position: int) -> None:
        param = f"input[{position}]"
        if not isinstance(item, dict):
            raise invalid(f"{param} must be an object", param=param)
        kind = item.get("type") or "message"
        if kind == "message":
            self.message(item, param)
        elif kind == "reasoning":
            self.reasoning(item)
        elif kind == "function_call":
            self.function_call(item, param)
        elif kind == "function_call_output":
            self.function_output(item, param)
        else:
            raise invalid(f"{param}: input items of type {kind!r} are not supported", param=param)

    def message(self, item: dict[str, Any], param: str) -> None:
        role = item.get("role")
        content = item.get("content")
        if role in ("system", "developer"):
            self.system.append(_plain_text(content, param))
        elif role == "user":
            if self.assistant or self.results:
                self.flush()
            self.messages.append(Message(role="user", content=_user_parts(content, param)))
        elif role == "assistant":
            if self.results:
                self.flush()
            metadata = {"openai": {"itemId": item["id"]}} if isinstance(item.get("id"), str) else None
            self.assistant.append(TextPart(text=_plain_text(content, param), provider_metadata=metadata))
        else:
            raise invalid(f"{param}.role must be user, assistant, system or developer", param=f"{param}.role")

    def reasoning(self, item: dict[str, Any]) -> None:
        if self.results:
            self.flush()
        encrypted = item.get("encrypted_content") if isinstance(item.get("encrypted_content"), str) else None
        item_id = item.get("id") if isinstance(item.get("id"), str) else None
        metadata = {"openai": {"itemId": item_id, "reasoningEncryptedContent": encrypted}} if item_id else None
        summaries = [s.get("text", "") for s in item.get("summary") or [] if isinstance(s, dict)]
        for text in summaries or [""]:
            self.assistant.append(ReasoningPart(text=text, encrypted=encrypted, provider_metadata=metadata))

    def function_call(self, item: dict[str, Any], param: str) -> None:
        if self.results:
            self.flush()
        call_id = item.get("call_id")
        name = item.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str):
            raise invalid(f"{param}: a function_call needs call_id and name", param=param)
        arguments = item.get("arguments")
        self.call_names[call_id] = name
        self.assistant.append(
            ToolCallPart(
                id=call_id,
                name=name,
                input=parse_arguments(arguments if isinstance(arguments, str) else "", f"{param}.arguments"),
                provider_metadata={"openai": {"itemId": item["id"]}} if isinstance(item.get("id"), str) else None,
            )
        )

    def function_output(self, item: dict[str, Any], param: str) -> None:
        if self.assistant:
            self.flush()
        call_id = item.get("call_id")
        if not isinstance(call_id, str):
            raise invalid(f"{param}.call_id must be a string", param=f"{param}.call_id")
        output = item.get("output")
        text = output if isinstance(output, str) else _plain_text(output, f"{param}.output")
        self.results.append(
            ToolResultPart(
                id=call_id, name=self.call_names.get(call_id, ""), result=ToolResultValue(type="text", value=text)
            )
        )


def _messages(items: list[Any], system: list[str]) -> list[Message]:
    conversation = _Conversation(system)
    for position, item in enumerate(items):
        conversation.add(item, position)
    conversation.flush()
    return conversation.messages


def _plain_text(content: Any, param: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            text = part.get("text", part.get("refusal")) if isinstance(part, dict) else None
            if not isinstance(text, str):
                raise invalid(f"{param}: only text content is supported here", param=param)
            texts.append(text)
        return "".join(texts)
    raise invalid(f"{param}.content must be a string or an array of content parts", param=param)


def _user_parts(content: Any, param: str) -> list[Any]:
    if isinstance(content, str):
        return [TextPart(text=content)]
    if not isinstance(content, list):
        raise invalid(f"{param}.content must be a string or an array of content parts", param=param)
    parts: list[Any] = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "input_text" and isinstance(part.get("text"), str):
            parts.append(TextPart(text=part["text"]))
        elif kind == "input_image" and isinstance(part.get("image_url"), str) and part["image_url"].startswith("data:"):
            parts.append(media_from_data_url(part["image_url"]))
        else:
            raise invalid(
                f"{param}.content[{index}]: supported parts are input_text and input_image with a data: URL",
                param=f"{param}.content[{index}]",
            )
    return parts
