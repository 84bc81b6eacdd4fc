"""Host tools: what a tool is, how functions and other shapes become one, and how calls run.

Tools always run in the host process, for client tool calls only (never for calls the provider
executed itself). A failing call never breaks the stream: unknown tools, invalid input,
exceptions (``SystemExit`` and other ``BaseException`` subclasses included; only cancellation
and ``KeyboardInterrupt`` propagate) and calls that outlast the tool's ``timeout`` (default
``DEFAULT_TOOL_TIMEOUT``, 5 minutes) become a ``tool-error`` followed by an error
``tool-result`` the model can read. That error text is redacted (``redact_text``) first.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_type_hints

import pydantic
from pydantic_core import to_jsonable_python

from turnout.errors import PluginError
from turnout.events import ToolCall, ToolError, ToolResult
from turnout.http.redaction import redact_text
from turnout.request import Message, ToolResultValue

__all__ = ["DEFAULT_TOOL_TIMEOUT", "Tool", "ToolContext", "ToolExecutionError", "bridge_tools", "run_tool_calls"]

DEFAULT_TOOL_TIMEOUT = 300.0
"""How long one tool call may run by default, in seconds (``Tool(timeout=...)`` changes it)."""

ToolExecute = Callable[[Any, "ToolContext"], Any | Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a running tool may know about its call."""

    call_id: str
    """The provider's call id (e.g. OpenAI's ``call_…``)."""
    name: str
    """The tool name the model called."""
    messages: Sequence[Message]
    """The conversation that led to the call."""
    cancelled: asyncio.Event
    """Set when the stream is closed or cancelled; long-running tools should stop."""


class ToolExecutionError(Exception):
    """Raise from a tool to send the model a plain error message (no traceback details)."""


@dataclass(frozen=True)
class Tool:
    """A host tool: a name, a description, a JSON schema for its input, and a handler.

    ``execute(input, ctx)`` may be sync or async; its return value is sent back as JSON (a
    ``ToolResultValue`` is passed through as is). ``validate`` (optional) turns the raw input
    into what ``execute`` receives and raises on invalid input.

    A **provider-defined** tool (``provider`` set, e.g. OpenAI's shell or apply patch tool) is
    declared to the provider in its own terms instead of as a function; runtimes for other
    providers refuse it. Without ``execute`` its calls are left to the caller: the stream ends
    with ``tool-calls`` and the caller sends the output back in ``messages``.
    """

    name: str
    """The name the model calls the tool by."""
    description: str = ""
    """What the tool does, for the model."""
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    """A JSON schema (an object schema) for the input."""
    execute: ToolExecute | None = None
    """The handler; a tool without one answers every call with an error."""
    validate: Callable[[Any], Any] | None = None
    """Optional input validation/conversion run before ``execute``."""
    timeout: float | None = DEFAULT_TOOL_TIMEOUT
    """Seconds one call may run before it becomes a tool error (``None``: no limit). An async
    tool is cancelled; a sync function keeps running in its worker thread, its result ignored."""
    provider: Mapping[str, Mapping[str, Any]] | None = None
    """A provider-defined tool: its definition keyed by provider, e.g. ``{"openai": {"type": "shell"}}``."""

    def __post_init__(self) -> None:
        timeout = self.timeout
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
            raise ValueError(
                f"tool {self.name!r}: timeout must be a positive number of seconds or None, not {timeout!r}"
            )

    @property
    def left_to_caller(self) -> bool:
        """A provider-defined tool without a handler: the caller answers its calls."""
        return self.provider is not None and self.execute is None

    @classmethod
    def from_function(
        cls,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = DEFAULT_TOOL_TIMEOUT,
    ) -> Tool:
        """Make a tool from a plain (async) function.

        The input schema comes from the parameters' type hints and defaults, the descriptions
        from the docstring (first paragraph for the tool, ``:param x:`` or ``Args:`` lines for
        the parameters). A parameter annotated ``ToolContext`` receives the call's context.
        ``timeout`` limits each call (see ``Tool.timeout``).
        """
        signature = inspect.signature(function)
        hints = get_type_hints(function)
        param_docs, summary = _parse_docstring(inspect.getdoc(function) or "")
        fields: dict[str, Any] = {}
        context_param: str | None = None
        for param in signature.parameters.values():
            annotation = hints.get(param.name, Any)
            if annotation is ToolContext:
                context_param = param.name
                continue
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"tool {function.__name__!r}: *args/**kwargs parameters cannot be described to a model")
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (annotation, pydantic.Field(default, description=param_docs.get(param.name)))
        model = pydantic.create_model(f"{function.__name__}_input", **fields)
        schema = model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        is_async = inspect.iscoroutinefunction(function)

        def validate(raw: Any) -> dict[str, Any]:
            return dict(model.model_validate(raw if raw is not None else {}))

        async def execute(arguments: dict[str, Any], ctx: ToolContext) -> Any:
            kwargs = dict(arguments)
            if context_param:
                kwargs[context_param] = ctx
            if is_async:
                return await function(**kwargs)
            return await asyncio.to_thread(function, **kwargs)

        return cls(
            name=name or function.__name__,
            description=description if description is not None else summary,
            input_schema=schema,
            execute=execute,
            validate=validate,
            timeout=timeout,
        )


_PARAM_LINE = re.compile(r"^\s*(?::param\s+(\w+):|(\w+)\s*(?:\([^)]*\))?:)\s*(.*)$")


def _parse_docstring(doc: str) -> tuple[dict[str, str], str]:
    """Split a docstring into (parameter descriptions, summary paragraph)."""
    summary = doc.split("\n\n", 1)[0].strip()
    params: dict[str, str] = {}
    in_args = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped in {"Args:", "Arguments:", "Parameters:"}:
            in_args = True
            continue
        match = _PARAM_LINE.match(line)
        if match and (match.group(1) or in_args):
            params[match.group(1) or match.group(2)] = match.group(3).strip()
        elif in_args and not stripped:
            in_args = False
    return params, summary


def bridge_tools(tools: Iterable[Any], bridge: Callable[[Any], Tool | None]) -> list[Tool]:
    """Turn ``request.tools`` into ``Tool`` objects: tools as is, functions via
    ``Tool.from_function``, anything else through ``bridge`` (the ``turnout_bridge_tool`` hook).
    Raises ``TypeError`` naming the position of a tool nothing can bridge, or a duplicate name."""
    result: list[Tool] = []
    for position, item in enumerate(tools):
        if isinstance(item, Tool):
            tool = item
        elif inspect.isfunction(item) or inspect.ismethod(item):
            tool = Tool.from_function(item)
        else:
            bridged = bridge(item)
            if bridged is None:
                raise TypeError(
                    f"request.tools[{position}]: cannot make a tool from {type(item).__name__!r}; "
                    "pass a function, a turnout.Tool, or install a plugin that bridges this type"
                )
            if not isinstance(bridged, Tool):
                raise PluginError(
                    f"turnout_bridge_tool returned {type(bridged).__name__} for request.tools[{position}], "
                    "expected turnout.Tool"
                )
            tool = bridged
        result.append(tool)
    names = [tool.name for tool in result]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise TypeError(f"request.tools: duplicate tool names {duplicates}")
    return result


async def _run_one(
    call: ToolCall, tools: Mapping[str, Tool], messages: Sequence[Message], cancelled: asyncio.Event
) -> list[ToolError | ToolResult]:
    tool = tools.get(call.name)
    if tool is None:
        available = ", ".join(sorted(tools)) or "none"
        return _failure(call, f"Unknown tool: {call.name} (available tools: {available})")
    if tool.execute is None:
        return _failure(call, f"Tool has no execute handler: {call.name}")
    arguments = call.input
    if tool.validate is not None:
        try:
            arguments = tool.validate(arguments)
        except (pydantic.ValidationError, ValueError, TypeError) as exc:
            return _failure(call, f"Invalid tool input for {call.name}: {exc}")
    ctx = ToolContext(call_id=call.id, name=call.name, messages=messages, cancelled=cancelled)
    deadline = asyncio.timeout(tool.timeout)
    try:
        async with deadline:
            output = tool.execute(arguments, ctx)
            if inspect.isawaitable(output):
                output = await output
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # SystemExit too: a tool calling sys.exit() must not end the host
        if isinstance(exc, TimeoutError) and deadline.expired():
            return _failure(call, f"Tool {call.name} did not finish within {tool.timeout:g} s (timed out)")
        message = str(exc) if isinstance(exc, ToolExecutionError) else f"{type(exc).__name__}: {exc}"
        return _failure(call, message)
    value = (
        output
        if isinstance(output, ToolResultValue)
        else ToolResultValue(type="json", value=to_jsonable_python(output, fallback=str))
    )
    return [ToolResult(id=call.id, name=call.name, result=value)]


def _failure(call: ToolCall, message: str) -> list[ToolError | ToolResult]:
    message = redact_text(message)
    return [
        ToolError(id=call.id, name=call.name, message=message),
        ToolResult(id=call.id, name=call.name, result=ToolResultValue(type="error", value=message)),
    ]


async def run_tool_calls(
    calls: Sequence[ToolCall],
    tools: Sequence[Tool],
    messages: Sequence[Message],
    *,
    cancelled: asyncio.Event,
    concurrency: int = 10,
) -> list[ToolError | ToolResult]:
    """Run client tool calls concurrently (at most ``concurrency`` at once).

    Returns each call's events in call order: a ``ToolResult``, preceded by a ``ToolError``
    when the call failed. Provider-executed calls must not be passed in.
    """
    by_name = {tool.name: tool for tool in tools}
    limit = asyncio.Semaphore(concurrency)

    async def bounded(call: ToolCall) -> list[ToolError | ToolResult]:
        async with limit:
            return await _run_one(call, by_name, messages, cancelled)

    results = await asyncio.gather(*(bounded(call) for call in calls))
    return [event for events in results for event in events]
