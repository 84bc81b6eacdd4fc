"""Client-executed Responses tools going back: the call items and their ``*_output`` items.

A call of a tool OpenAI defines but the client runs (shell, local shell, apply patch, computer
use, a custom tool, a client tool search) comes out of the stream with
``{"openai": {"itemId", "itemType"}}`` metadata. On the next request the call goes back as its
own item type, and its result as the matching output item (``shell_call_output``,
``local_shell_call_output``, ``apply_patch_call_output``, ``computer_call_output``,
``custom_tool_call_output``, ``tool_search_output``); the result is found by call id, so a
caller who answers the call in ``messages`` gets the same items as the tool loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from turnout.errors import UnsupportedRequestError
from turnout.plugin_api import Message, ToolCallPart, ToolResultPart

if TYPE_CHECKING:
    from turnout.plugin_api import Tool

__all__ = ["call_item", "client_call_types", "output_item", "provider_tool"]

_OUTPUTS = {
    "shell_call": "shell_call_output",
    "local_shell_call": "local_shell_call_output",
    "apply_patch_call": "apply_patch_call_output",
    "computer_call": "computer_call_output",
    "custom_tool_call": "custom_tool_call_output",
    "tool_search_call": "tool_search_output",
}


def _item_type(part: ToolCallPart | ToolResultPart) -> str | None:
    openai = (part.provider_metadata or {}).get("openai") or {}
    kind = openai.get("itemType")
    return kind if kind in _OUTPUTS else None


def client_call_types(messages: Iterable[Message]) -> dict[str, str]:
    """Call id → item type, for every client-executed tool call in the assistant messages."""
    return {
        part.id: kind
        for message in messages
        if message.role == "assistant"
        for part in message.content
        if isinstance(part, ToolCallPart) and not part.provider_executed and (kind := _item_type(part))
    }


def call_item(part: ToolCallPart) -> dict[str, Any] | None:
    """The input item for an earlier client-executed call, or ``None`` for a function call."""
    kind = _item_type(part)
    if kind is None:
        return None
    openai = (part.provider_metadata or {}).get("openai") or {}
    value: Any = part.input if part.input is not None else {}
    item: dict[str, Any] = {"type": kind, "call_id": part.id}
    if kind == "custom_tool_call":
        item.update(name=part.name, input=_custom_input(value))
    elif kind == "apply_patch_call":
        item.update(operation=value, status="completed")
    elif kind == "tool_search_call":
        item.update(arguments=value, execution="client", status="completed")
    else:  # shell_call, local_shell_call, computer_call
        item.update(action=value, status="completed")
    if kind in ("local_shell_call", "computer_call") and isinstance(openai.get("itemId"), str):
        item["id"] = openai["itemId"]  # these item types require their id
    if kind == "computer_call":
        item["pending_safety_checks"] = openai.get("pendingSafetyChecks") or []
    return item


def output_item(part: ToolResultPart, kind: str) -> dict[str, Any]:
    """The ``*_output`` item answering a client-executed call of item type ``kind``."""
    value = part.result.value
    failed = part.result.type == "error"
    output_type = _OUTPUTS[kind]
    item: dict[str, Any] = {"type": output_type, "call_id": part.id}
    if kind == "shell_call":
        item["output"] = (
            [{"stdout": "", "stderr": _text(value), "outcome": {"type": "exit", "exit_code": 1}}]
            if failed or not isinstance(value, list)
            else value
        )
    elif kind == "apply_patch_call":
        if isinstance(value, Mapping) and not failed:
            item.update({key: value[key] for key in ("status", "output") if value.get(key) is not None})
            item.setdefault("status", "completed")
        else:
            item.update(status="failed" if failed else "completed", output=_text(value))
    elif kind == "computer_call":
        if failed or not isinstance(value, Mapping) or value.get("type") != "computer_screenshot":
            raise UnsupportedRequestError(
                f"computer_call_output for call {part.id} needs a screenshot "
                "({'type': 'computer_screenshot', 'image_url' or 'file_id'}), "
                f"got {'an error: ' + _text(value) if failed else type(value).__name__}"
            )
        item["output"] = dict(value)
        openai = (part.provider_metadata or {}).get("openai") or {}
        if openai.get("acknowledgedSafetyChecks"):
            item["acknowledged_safety_checks"] = openai["acknowledgedSafetyChecks"]
    elif kind == "tool_search_call":
        item.update(execution="client", status="completed", tools=value if isinstance(value, list) else [])
    else:  # local_shell_call, custom_tool_call: text
        item["output"] = _text(value)
    return item


def _custom_input(value: Any) -> str:
    if isinstance(value, Mapping) and isinstance(value.get("input"), str):
        return str(value["input"])
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def provider_tool(tool: Tool) -> dict[str, Any]:
    """A provider-defined tool as the Responses ``tools`` entry OpenAI defines for it."""
    definition = (tool.provider or {}).get("openai")
    if definition is None:
        providers = ", ".join(sorted(tool.provider or {}))
        raise UnsupportedRequestError(f"tool {tool.name!r} is defined for {providers}, not for OpenAI Responses")
    return dict(definition)


# -- MCP approvals ------------------------------------------------------------------------------


def _is_approval_request(part: ToolCallPart) -> bool:
    openai = (part.provider_metadata or {}).get("openai") or {}
    return openai.get("itemType") == "mcp_approval_request"


def approval_requests(messages: Iterable[Message]) -> set[str]:
    """Ids of the MCP approval requests (provider-executed ``mcp`` calls) in the assistant messages."""
    return {
        part.id
        for message in messages
        if message.role == "assistant"
        for part in message.content
        if isinstance(part, ToolCallPart) and _is_approval_request(part)
    }


def approval_request_item(part: ToolCallPart) -> dict[str, Any] | None:
    """An earlier ``mcp_approval_request`` sent back as it came, or ``None`` for other calls."""
    if not _is_approval_request(part):
        return None
    value = part.input if isinstance(part.input, Mapping) else {}
    return {
        "type": "mcp_approval_request",
        "id": part.id,
        "server_label": value.get("server_label"),
        "name": value.get("name"),
        "arguments": value.get("arguments"),
    }


def approval_response_item(part: ToolResultPart) -> dict[str, Any]:
    """The host's answer to an approval request: ``{"approve": bool, "reason"?: str}`` (or a bare
    bool) as an ``mcp_approval_response``; an error result denies."""
    value = part.result.value
    decision = value if isinstance(value, Mapping) else {"approve": value}
    approve = decision.get("approve")
    if part.result.type == "error":
        approve = False
    if not isinstance(approve, bool):
        raise UnsupportedRequestError(
            f"the answer to MCP approval request {part.id} must be true/false or {{'approve': bool}}, got {value!r}"
        )
    item: dict[str, Any] = {"type": "mcp_approval_response", "approval_request_id": part.id, "approve": approve}
    if isinstance(decision.get("reason"), str):
        item["reason"] = decision["reason"]
    return item
