"""Runtime: streaming through a plugin, guarding, the tool loop, fallback before the first event,
header injection, cancellation and the sync bridges."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import turnout
from turnout import LLMRequest, Tool, ToolContext, Usage, user
from turnout.errors import PluginError, TransportError, UnsupportedRequestError
from turnout.guard import check_events

from testsupport.fakes import ScriptedRuntime, call_step, runtime_with, text_step

REQUEST = LLMRequest(model="openai/gpt-4.1-mini", messages=[user("What is the weather in Paris?")])


def collect(rt: turnout.Runtime, request: LLMRequest = REQUEST, **kwargs: Any) -> list[turnout.LLMEvent]:
    async def run() -> list[turnout.LLMEvent]:
        async with rt:
            return [event async for event in rt.stream(request, **kwargs)]

    return asyncio.run(run())


def test_a_text_stream_ends_with_exactly_one_finish() -> None:
    events = collect(runtime_with(ScriptedRuntime([text_step("Sunny.")])))
    check_events(events)
    assert [e.type for e in events] == ["step-start", "text-start", "text-delta", "text-end", "step-finish", "finish"]
    assert events[-1].usage == Usage(input_tokens=3, output_tokens=2, total_tokens=5)


def test_generate_collects_text_usage_reason_and_runtime() -> None:
    response = runtime_with(ScriptedRuntime([text_step("Sunny.")])).generate_sync(REQUEST)
    assert response.text == "Sunny."
    assert response.finish_reason == "stop"
    assert response.runtime == "scripted"
    assert response.usage is not None and response.usage.total_tokens == 5


def weather_tool(seen: list[tuple[str, dict[str, Any]]]) -> Tool:
    def get_weather(city: str, ctx: ToolContext) -> str:
        """Weather for a city."""
        seen.append((ctx.call_id, {"city": city}))
        return f"{city}: sunny"

    return Tool.from_function(get_weather)


def test_single_step_runs_tools_and_finishes_once() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    plugin = ScriptedRuntime([call_step("get_weather", '{"city": "Paris"}', "call_9")])
    request = REQUEST.model_copy(update={"tools": [weather_tool(seen)]})
    events = collect(runtime_with(plugin), request)
    check_events(events)
    assert [e.type for e in events][-3:] == ["step-finish", "tool-result", "finish"]
    assert seen == [("call_9", {"city": "Paris"})]
    assert events[-1].reason == "tool-calls"
    assert len(plugin.requests) == 1


def test_multi_step_loop_sends_results_back_and_sums_usage() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    plugin = ScriptedRuntime([call_step("get_weather", '{"city": "Paris"}'), text_step("It is sunny in Paris.")])
    request = REQUEST.model_copy(update={"tools": [weather_tool(seen)]})
    events = collect(runtime_with(plugin), request, max_steps=4)
    check_events(events)
    assert [e.index for e in events if e.type == "step-start"] == [0, 1]
    follow_up = plugin.requests[1].messages
    assert [m.role for m in follow_up] == ["user", "assistant", "tool"]
    assert follow_up[1].content[0].type == "tool-call" and follow_up[1].content[0].id == "call_1"
    assert follow_up[2].content[0].result.value == "Paris: sunny"
    finish = events[-1]
    assert finish.reason == "stop"
    assert finish.usage.input_tokens == 13 and finish.usage.total_tokens == 20


def test_unknown_tool_becomes_error_result_and_loop_continues() -> None:
    plugin = ScriptedRuntime([call_step("missing", "{}"), text_step("Sorry.")])
    events = collect(runtime_with(plugin), max_steps=2)
    check_events(events)
    error = next(e for e in events if e.type == "tool-error")
    assert error.message.startswith("Unknown tool: missing")
    assert plugin.requests[1].messages[-1].content[0].result.type == "error"


def test_a_paused_step_is_continued_with_its_output_within_max_steps() -> None:
    paused = [
        turnout.TextDelta(id="t", text="Searching"),
        turnout.StepFinish(reason="unknown", paused=True, usage=Usage(input_tokens=3, output_tokens=2)),
    ]
    plugin = ScriptedRuntime([paused, text_step("done")])
    events = collect(runtime_with(plugin), max_steps=2)
    check_events(events)
    assert [e.paused for e in events if isinstance(e, turnout.StepFinish)] == [True, None]
    assert len(plugin.requests) == 2
    assert plugin.requests[1].messages == [*REQUEST.messages, turnout.assistant("Searching")]
    assert events[-1].reason == "stop"  # type: ignore[union-attr]

    once = ScriptedRuntime([paused])
    events = collect(runtime_with(once), max_steps=1)
    assert len(once.requests) == 1 and events[-1].reason == "unknown"  # type: ignore[union-attr]


def test_fallback_to_next_candidate_when_lowering_finds_unsupported_input(caplog: pytest.LogCaptureFixture) -> None:
    native = ScriptedRuntime(
        [text_step("native")],
        runtime="native-x",
        priority=100,
        fail_lowering=UnsupportedRequestError("file parts are not supported"),
    )
    fallback = ScriptedRuntime([text_step("fallback")], runtime="fallback-x", priority=0)
    response = runtime_with(native, fallback).generate_sync(REQUEST)
    assert response.text == "fallback" and response.runtime == "fallback-x"
    record = next(r for r in caplog.records if "failed before its first event" in r.getMessage())
    assert record.runtime == "native-x" and "file parts" in record.reason  # type: ignore[attr-defined]


def test_a_plugin_crash_before_the_first_event_falls_back_too() -> None:
    native = ScriptedRuntime([text_step("native")], runtime="native-x", priority=100, fail_stream=KeyError("oops"))
    fallback = ScriptedRuntime([text_step("fallback")], runtime="fallback-x", priority=0)
    assert runtime_with(native, fallback).generate_sync(REQUEST).text == "fallback"


def test_provider_errors_are_not_hidden_by_falling_back() -> None:
    native = ScriptedRuntime(
        [text_step("native")], runtime="native-x", priority=100, fail_stream=TransportError("connection refused")
    )
    fallback = ScriptedRuntime([text_step("fallback")], runtime="fallback-x", priority=0)
    with pytest.raises(TransportError):
        runtime_with(native, fallback).generate_sync(REQUEST)


def test_every_candidate_failing_lists_all_reasons() -> None:
    only = ScriptedRuntime([text_step("x")], fail_lowering=UnsupportedRequestError("no audio"))
    with pytest.raises(UnsupportedRequestError, match="no audio"):
        runtime_with(only).generate_sync(REQUEST)


def test_a_contract_break_after_the_first_event_is_a_plugin_error_naming_the_plugin() -> None:
    plugin = ScriptedRuntime([[turnout.TextDelta(id="a", text="x")]])  # never finishes the step
    with pytest.raises(PluginError, match=r"plugin 'scripted-scripted'.*rule 1"):
        runtime_with(plugin).generate_sync(REQUEST)


class HeaderPlugin:
    __name__ = "headers"
    turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers

    @turnout.hookimpl
    def turnout_inject_headers(self) -> dict[str, str]:
        return self.headers


class WireSpy(ScriptedRuntime):
    def __init__(self, url: str) -> None:
        super().__init__([text_step("ok")])
        self.url = url
        self.wires: list[turnout.WireRequest] = []

    @turnout.hookimpl
    def turnout_lower_request(self, request: LLMRequest) -> turnout.WireRequest:
        self.requests.append(request)
        return turnout.WireRequest(url=self.url, headers={"Authorization": "Bearer k"}, json={"n": len(self.requests)})

    @turnout.hookimpl
    def turnout_open_stream(self, wire: turnout.WireRequest) -> Any:
        self.wires.append(wire)
        return self._stream(text_step("ok"))


def test_headers_merge_plugins_then_caller_and_credentials_stay_on_their_host(caplog: pytest.LogCaptureFixture) -> None:
    spy = WireSpy("https://api.openai.com/v1/responses")
    plugin = HeaderPlugin({"x-team": "search", "x-trace-id": "plugin", "x-org-id": "org-1"})
    request = REQUEST.model_copy(update={"headers": {"X-Trace-Id": "caller"}})
    runtime_with(spy, plugin).generate_sync(request)
    assert spy.wires[0].headers == {
        "user-agent": f"turnout/{turnout.__version__}",
        "authorization": "Bearer k",
        "x-team": "search",
        "x-trace-id": "caller",
        "x-org-id": "org-1",
    }
    elsewhere = WireSpy("https://evil.example/v1/responses")
    runtime_with(elsewhere, HeaderPlugin({"x-org-id": "org-1", "x-team": "search"})).generate_sync(REQUEST)
    assert "x-org-id" not in elsewhere.wires[0].headers and elsewhere.wires[0].headers["x-team"] == "search"
    assert "dropped credential header 'x-org-id'" in caplog.text and "org-1" not in caplog.text


def test_closing_the_stream_early_closes_the_plugin_stream_and_emits_no_finish() -> None:
    plugin = ScriptedRuntime(
        [[turnout.TextDelta(id="a", text=str(i)) for i in range(100)] + [turnout.StepFinish(reason="stop")]]
    )
    rt = runtime_with(plugin)

    async def run() -> list[str]:
        seen = []
        stream = rt.stream(REQUEST)
        async for event in stream:
            seen.append(event.type)
            if len(seen) == 5:
                break
        await stream.aclose()
        return seen

    seen = asyncio.run(run())
    assert "finish" not in seen and plugin.closed == 1


def test_stream_sync_yields_the_same_events() -> None:
    rt = runtime_with(ScriptedRuntime(lambda n: text_step("hi")))
    sync_events = list(rt.stream_sync(REQUEST))
    async_events = collect(rt)
    assert [e.model_dump() for e in sync_events] == [e.model_dump() for e in async_events]


def test_sync_bridges_refuse_to_run_inside_an_event_loop() -> None:
    rt = runtime_with(ScriptedRuntime([text_step("hi")]))

    async def inside() -> None:
        rt.generate_sync(REQUEST)

    with pytest.raises(RuntimeError, match="cannot run inside a running event loop"):
        asyncio.run(inside())


def test_events_serialize_with_type_first_and_no_none_fields() -> None:
    events = collect(runtime_with(ScriptedRuntime([text_step("hi")])))
    lines = [json.dumps(e.model_dump(mode="json", exclude_none=True)) for e in events]
    assert lines[2] == '{"type": "text-delta", "id": "t", "text": "hi"}'
    assert all(line.startswith('{"type": ') for line in lines)


def test_cancelling_the_consumer_signals_running_tools() -> None:
    import threading
    import time

    started = threading.Event()
    observed: list[bool] = []

    def slow_lookup(ctx: ToolContext) -> str:
        """Polls the cancellation signal like a long-running sync tool should."""
        started.set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not ctx.cancelled.is_set():
            time.sleep(0.01)
        observed.append(ctx.cancelled.is_set())
        return "done"

    plugin = ScriptedRuntime([call_step("slow_lookup", "{}")])
    rt = runtime_with(plugin)
    request = REQUEST.model_copy(update={"tools": [slow_lookup]})

    async def run() -> None:
        task = asyncio.create_task(rt.generate(request))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert observed == [True]
