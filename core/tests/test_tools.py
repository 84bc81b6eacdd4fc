"""Host tools: schemas from functions, bridging, dispatch and its failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import turnout
from turnout import Tool, ToolCall, ToolContext
from turnout.tools import ToolExecutionError, bridge_tools, run_tool_calls


def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """Get the current weather for a city.

    Args:
        city: The city name, e.g. Paris.
        unit: celsius or fahrenheit.
    """
    return {"city": city, "temperature": 21, "unit": unit}


async def lookup(query: str, ctx: ToolContext) -> str:
    """Look something up.

    :param query: what to look up.
    """
    return f"{query} via {ctx.call_id}"


def test_function_schema_comes_from_type_hints_and_docstring() -> None:
    tool = Tool.from_function(get_weather)
    assert tool.name == "get_weather"
    assert tool.description == "Get the current weather for a city."
    assert tool.input_schema == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city name, e.g. Paris."},
            "unit": {"type": "string", "default": "celsius", "description": "celsius or fahrenheit."},
        },
        "required": ["city"],
    }


def test_context_parameter_is_not_in_the_schema() -> None:
    tool = Tool.from_function(lookup)
    assert list(tool.input_schema["properties"]) == ["query"]
    assert tool.input_schema["properties"]["query"]["description"] == "what to look up."


def _run(calls: list[ToolCall], tools: list[Tool]) -> list[Any]:
    return asyncio.run(run_tool_calls(calls, tools, [], cancelled=asyncio.Event()))


def test_tools_receive_the_provider_call_id_and_results_keep_call_order() -> None:
    tools = [Tool.from_function(get_weather), Tool.from_function(lookup)]
    events = _run(
        [
            ToolCall(id="call_A", name="lookup", input={"query": "q"}),
            ToolCall(id="call_B", name="get_weather", input={"city": "Paris"}),
        ],
        tools,
    )
    assert [(e.type, e.id) for e in events] == [("tool-result", "call_A"), ("tool-result", "call_B")]
    assert events[0].result.value == "q via call_A"
    assert events[1].result.value == {"city": "Paris", "temperature": 21, "unit": "celsius"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (ToolCall(id="c", name="nope", input={}), "Unknown tool: nope (available tools: get_weather, no_handler)"),
        (ToolCall(id="c", name="get_weather", input={"town": "Paris"}), "Invalid tool input for get_weather"),
        (ToolCall(id="c", name="no_handler", input={}), "Tool has no execute handler: no_handler"),
    ],
)
def test_failures_become_tool_error_then_error_result(call: ToolCall, message: str) -> None:
    tools = [Tool.from_function(get_weather), Tool(name="no_handler")]
    error, result = _run([call], tools)
    assert error.type == "tool-error" and message in error.message
    assert result.type == "tool-result" and result.result.type == "error" and message in result.result.value


def test_an_exception_in_a_tool_is_reported_not_raised() -> None:
    def boom() -> None:
        raise ValueError("boom")

    def polite() -> None:
        raise ToolExecutionError("city not found")

    events = _run(
        [ToolCall(id="a", name="boom", input={}), ToolCall(id="b", name="polite", input={})],
        [Tool.from_function(boom), Tool.from_function(polite)],
    )
    assert events[0].message == "ValueError: boom"
    assert events[2].message == "city not found"


def test_concurrency_is_bounded() -> None:
    running = 0
    peak = 0

    async def slow(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return n

    calls = [ToolCall(id=f"c{i}", name="slow", input={"n": i}) for i in range(8)]
    events = asyncio.run(
        run_tool_calls(calls, [Tool.from_function(slow)], [], cancelled=asyncio.Event(), concurrency=3)
    )
    assert [e.result.value for e in events] == list(range(8))
    assert peak == 3


def test_bridging_uses_the_hook_for_other_shapes_and_rejects_the_rest() -> None:
    class Custom:
        name = "custom"

    def bridge(obj: Any) -> Tool | None:
        return Tool(name=obj.name) if isinstance(obj, Custom) else None

    tools = bridge_tools([get_weather, Tool(name="t"), Custom()], bridge)
    assert [t.name for t in tools] == ["get_weather", "t", "custom"]
    with pytest.raises(TypeError, match=r"request.tools\[0\]: cannot make a tool from 'int'"):
        bridge_tools([3], bridge)
    with pytest.raises(TypeError, match="duplicate tool names"):
        bridge_tools([Tool(name="t"), Tool(name="t")], bridge)


def test_turnout_tool_is_positional() -> None:
    tool = turnout.Tool("echo", "Echo back.", {"type": "object", "properties": {}}, lambda args, ctx: args)
    assert tool.name == "echo" and tool.description == "Echo back."


# --- isolation, timeouts and redaction (issue 10) ----------------------------------------------


def run_calls(tool: Tool, *calls: ToolCall) -> list[Any]:
    return asyncio.run(run_tool_calls(list(calls), [tool], [], cancelled=asyncio.Event()))


def call(name: str = "t", call_id: str = "call_1") -> ToolCall:
    return ToolCall(id=call_id, name=name, input={})


@pytest.mark.parametrize("raised", [SystemExit(3), GeneratorExit()])
def test_a_tool_raising_a_base_exception_becomes_a_tool_error(raised: BaseException) -> None:
    def explode(arguments: Any, ctx: ToolContext) -> Any:
        raise raised

    error, result = run_calls(Tool(name="t", execute=explode), call())
    assert error.type == "tool-error"
    assert error.message == f"{type(raised).__name__}: {raised}"
    assert result.result.type == "error" and result.result.value == error.message


def test_a_sync_function_calling_sys_exit_in_its_thread_becomes_a_tool_error() -> None:
    import sys

    def leave() -> str:
        """Leave."""
        sys.exit("bye")

    error, _ = run_calls(Tool.from_function(leave, name="t"), call())
    assert error.message == "SystemExit: bye"


def test_keyboard_interrupt_in_a_tool_still_propagates() -> None:
    def interrupt(arguments: Any, ctx: ToolContext) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_calls(Tool(name="t", execute=interrupt), call())


def test_a_tool_that_never_returns_times_out_as_a_tool_error() -> None:
    async def hang(arguments: Any, ctx: ToolContext) -> Any:
        await asyncio.Event().wait()

    quick = Tool(name="t", execute=hang, timeout=0.05)
    fine = Tool(name="ok", execute=lambda arguments, ctx: "done")
    events = asyncio.run(run_tool_calls([call(), call("ok", "call_2")], [quick, fine], [], cancelled=asyncio.Event()))
    assert [(e.type, e.id) for e in events] == [
        ("tool-error", "call_1"),
        ("tool-result", "call_1"),
        ("tool-result", "call_2"),
    ]
    assert events[0].message == "Tool t did not finish within 0.05 s (timed out)"
    assert events[2].result.value == "done"


def test_tool_timeout_default_and_validation() -> None:
    assert Tool(name="t").timeout == turnout.tools.DEFAULT_TOOL_TIMEOUT == 300.0
    assert Tool.from_function(get_weather, timeout=None).timeout is None
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        Tool(name="t", timeout=0)


def test_a_tool_raising_its_own_timeout_error_is_not_reported_as_timed_out() -> None:
    def slow(arguments: Any, ctx: ToolContext) -> Any:
        raise TimeoutError("upstream took too long")

    error, _ = run_calls(Tool(name="t", execute=slow), call())
    assert error.message == "TimeoutError: upstream took too long"


def test_tool_error_text_sent_to_the_model_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "plain-token-value-without-prefix")

    def leak(arguments: Any, ctx: ToolContext) -> Any:
        raise RuntimeError(
            "auth failed for sk-proj-abcdefghijklmnop1234 and plain-token-value-without-prefix, Bearer eyJhbGciOiJI"
        )

    error, result = run_calls(Tool(name="t", execute=leak), call())
    assert error.message == "RuntimeError: auth failed for [REDACTED] and [REDACTED], Bearer [REDACTED]"
    assert result.result.value == error.message
