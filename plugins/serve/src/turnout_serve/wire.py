"""Small readers shared by both wire formats: typed field access with clear 400s, client tools.

Client function tools pass through: they become ``Tool`` values without a handler, so the
runtime describes them to the model but never runs them; the calls go back to the client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from turnout.plugin_api import MediaPart, Tool

from turnout_serve.errors import invalid

__all__ = ["client_tool", "field", "media_from_data_url", "parse_arguments"]

T = TypeVar("T")


def field(body: Mapping[str, Any], name: str, kind: type[T] | tuple[type, ...], where: str = "") -> T | None:
    """``body[name]`` when present and of ``kind`` (``None`` when absent or null); else a 400."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise invalid(f"{where}{name} must be a number, got {value!r}", param=f"{where}{name}")
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise invalid(f"{where}{name} must be {_article(names)}, got {type(value).__name__}", param=f"{where}{name}")
    return cast(T, value)


def _article(names: str) -> str:
    return {"str": "a string", "dict": "an object", "list": "an array", "bool": "a boolean"}.get(
        names, f"a {names.replace('int or float', 'number').replace('int', 'integer')}"
    )


def parse_arguments(text: str, param: str) -> Any:
    """A tool call's JSON arguments (empty means ``{}``); malformed JSON is a 400."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        raise invalid(f"{param} is not valid JSON", param=param) from None


def client_tool(name: Any, description: Any, parameters: Any, param: str) -> Tool:
    """A client function tool: described to the model, never run by the gateway."""
    if not isinstance(name, str) or not name:
        raise invalid(f"{param}.name must be a non-empty string", param=f"{param}.name")
    schema = parameters if isinstance(parameters, dict) else {"type": "object", "properties": {}}
    return Tool(name=name, description=description if isinstance(description, str) else "", input_schema=schema)


def media_from_data_url(url: str) -> MediaPart:
    """A ``data:<type>;base64,...`` URL as a media part."""
    media_type = url[5:].split(";", 1)[0].split(",", 1)[0] or "application/octet-stream"
    return MediaPart(media_type=media_type, data=url)
