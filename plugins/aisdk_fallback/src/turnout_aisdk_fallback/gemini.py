"""Gemini streamed function-call arguments, assembled before pydantic-ai maps the stream.

With streamed arguments, Gemini sends one function call over several parts: the name with
``willContinue``, then ``partialArgs`` (``{"jsonPath": "$.a.b[0]", "stringValue": …,
"willContinue": …}``) and finally an empty ``functionCall`` that closes it. pydantic-ai maps
every ``functionCall`` part as a complete call, so such a call comes out as ``{}`` or breaks the
stream. ``GeminiModel`` (pydantic-ai's ``GoogleModel`` with one adaptation) merges those parts
into one complete ``functionCall`` (arguments assembled at their JSON paths, the first part's
thought signature kept) before pydantic-ai sees them; every other part passes unchanged.
Importing this module imports pydantic-ai and google-genai.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from google.genai.types import FunctionCall, GenerateContentResponse, Part, PartialArg
from pydantic_ai.models import ModelRequestParameters, StreamedResponse
from pydantic_ai.models.google import GoogleModel

__all__ = ["GeminiModel", "merge_streamed_calls"]


class GeminiModel(GoogleModel):
    """pydantic-ai's ``GoogleModel``, reading streamed function-call arguments (module docstring)."""

    async def _process_streamed_response(
        self, response: AsyncIterator[GenerateContentResponse], model_request_parameters: ModelRequestParameters
    ) -> StreamedResponse:
        return await super()._process_streamed_response(merge_streamed_calls(response), model_request_parameters)


@dataclass
class _OpenCall:
    name: str | None
    id: str | None
    signature: bytes | None
    args: dict[str, Any] = field(default_factory=dict)


async def merge_streamed_calls(
    chunks: AsyncIterator[GenerateContentResponse],
) -> AsyncIterator[GenerateContentResponse]:
    """The same chunks, each streamed function call replaced by one complete part where it closes."""
    open_call: _OpenCall | None = None
    async for chunk in chunks:
        candidate = chunk.candidates[0] if chunk.candidates else None
        parts = candidate.content.parts if candidate and candidate.content and candidate.content.parts else None
        if not parts:
            yield chunk
            continue
        merged: list[Part] = []
        for part in parts:
            call = part.function_call
            if call is None or (open_call is None and not _starts_streamed_call(call)):
                merged.append(part)
                continue
            if open_call is None:
                open_call = _OpenCall(call.name, call.id, part.thought_signature)
            open_call.name = open_call.name or call.name
            for arg in call.partial_args or []:
                _apply(open_call.args, arg)
            if call.will_continue or call.partial_args:
                continue
            complete = FunctionCall(name=open_call.name, id=open_call.id, args=open_call.args)
            merged.append(Part(function_call=complete, thought_signature=open_call.signature))
            open_call = None
        assert candidate is not None and candidate.content is not None
        content = candidate.content.model_copy(update={"parts": merged})
        rest = chunk.candidates[1:] if chunk.candidates else []
        yield chunk.model_copy(update={"candidates": [candidate.model_copy(update={"content": content}), *rest]})


def _starts_streamed_call(call: FunctionCall) -> bool:
    return bool(call.will_continue or call.partial_args)


_PATH_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _apply(args: dict[str, Any], arg: PartialArg) -> None:
    """Set (numbers, booleans, null) or extend (strings) the value at ``arg.json_path``."""
    keys: list[str | int] = [
        name if name else int(index) for name, index in _PATH_TOKEN.findall((arg.json_path or "$").removeprefix("$"))
    ]
    if not keys:
        return
    node: Any = args
    for key, following in itertools.pairwise(keys):
        node = _child(node, key, [] if isinstance(following, int) else {})
    last = keys[-1]
    if arg.string_value is not None:
        current = _child(node, last, None)
        value: Any = (current if isinstance(current, str) else "") + arg.string_value
    elif arg.number_value is not None:
        value = int(arg.number_value) if float(arg.number_value).is_integer() else arg.number_value
    elif arg.bool_value is not None:
        value = arg.bool_value
    else:
        value = None
    _child(node, last, None)
    node[last] = value


def _child(node: Any, key: str | int, default: Any) -> Any:
    """``node[key]``, created as ``default`` when missing (lists grow as needed)."""
    if isinstance(key, int):
        while len(node) <= key:
            node.append(None)
        if node[key] is None and default is not None:
            node[key] = default
        return node[key]
    if key not in node and default is not None:
        node[key] = default
    return node.get(key)
