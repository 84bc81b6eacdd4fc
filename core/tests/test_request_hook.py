"""The request hook: ``turnout_stream_request`` wrappers see one whole request, and each of its
steps reaches ``turnout_open_stream`` with the request's id and the step's number."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator

import pytest
import turnout
from turnout import LLMEvent
from turnout.errors import PluginError, UnsupportedRequestError
from turnout.plugins import PluginSet

from testsupport.fakes import ScriptedRuntime, call_step, runtime_with, text_step

REQUEST = turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")])
V2 = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)


class Recorder:
    """A third-party observer of requests and steps, as a tracing plugin would be written."""

    __name__ = "recorder"
    turnout_manifest = V2

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.steps: list[tuple[str, int, str]] = []
        self.seen: list[str] = []
        self.ended: list[str] = []

    @turnout.hookimpl(wrapper=True)
    def turnout_stream_request(
        self, request: turnout.LLMRequest, request_id: str
    ) -> Generator[None, AsyncIterator[LLMEvent], AsyncIterator[LLMEvent]]:
        events = yield
        self.requests.append((request.model, request_id))
        return self._observe(events)

    @turnout.hookimpl(wrapper=True)
    def turnout_open_stream(
        self, runtime: str, request_id: str, step: int
    ) -> Generator[None, AsyncIterator[LLMEvent], AsyncIterator[LLMEvent]]:
        self.steps.append((request_id, step, runtime))
        return (yield)

    async def _observe(self, events: AsyncIterator[LLMEvent]) -> AsyncIterator[LLMEvent]:
        try:
            async for event in events:
                self.seen.append(event.type)
                yield event
            self.ended.append("finished")
        except BaseException as exc:
            self.ended.append(type(exc).__name__)
            raise
        finally:
            await events.aclose()  # type: ignore[attr-defined]  # the core's stream is an async generator


def get_weather(city: str) -> str:
    """Weather."""
    return "sunny"


def test_a_request_wrapper_sees_every_step_tool_result_and_the_finish() -> None:
    recorder = Recorder()
    scripted = ScriptedRuntime([call_step("get_weather", '{"city": "Paris"}'), text_step("it is sunny")])
    request = REQUEST.model_copy(update={"tools": [get_weather]})
    response = runtime_with(recorder, scripted).generate_sync(request, max_steps=2)
    assert response.text == "it is sunny"
    assert recorder.seen == [event.type for event in response.events]
    assert {"tool-result", "finish"} <= set(recorder.seen) and recorder.seen[-1] == "finish"
    [(model, request_id)] = recorder.requests
    assert model == request.model
    assert recorder.steps == [(request_id, 0, "scripted"), (request_id, 1, "scripted")]
    assert recorder.ended == ["finished"]


def test_each_request_gets_its_own_id() -> None:
    recorder = Recorder()
    rt = runtime_with(recorder, ScriptedRuntime(lambda _: text_step("ok")))
    for _ in range(2):
        assert rt.generate_sync(REQUEST).text == "ok"
    first, second = (request_id for _, request_id in recorder.requests)
    assert first != second
    assert [step[0] for step in recorder.steps] == [first, second]


def test_a_request_wrapper_sees_the_error_that_ends_the_request() -> None:
    recorder = Recorder()
    rt = runtime_with(recorder)  # no runtime: selection fails inside the stream
    with pytest.raises(UnsupportedRequestError):
        rt.generate_sync(REQUEST)
    assert recorder.ended == ["UnsupportedRequestError"]
    assert recorder.steps == []


def test_a_request_wrapper_sees_a_consumer_that_stops_early() -> None:
    recorder = Recorder()
    scripted = ScriptedRuntime([text_step("a"), text_step("b")])
    rt = runtime_with(recorder, scripted)

    async def first_event() -> str:
        async with rt:
            events = rt.stream(REQUEST)
            first = await anext(events)
            await events.aclose()  # type: ignore[attr-defined]  # the wrapper's async generator
            return first.type

    assert asyncio.run(first_event()) == "step-start"
    assert recorder.ended == ["GeneratorExit"]
    assert scripted.closed == 1  # closing the wrapper closed the core's stream and the step


def test_without_wrappers_the_core_stream_is_returned_as_is() -> None:
    rt = runtime_with(ScriptedRuntime([text_step("ok")]))
    events = rt.stream(REQUEST)
    assert type(events).__name__ == "async_generator"
    assert events.__qualname__ == "Runtime._stream"  # type: ignore[attr-defined]  # no extra hop per event
    asyncio.run(events.aclose())  # type: ignore[attr-defined]


def test_a_plain_request_hook_implementation_is_refused() -> None:
    class Replacer:
        turnout_manifest = V2

        @turnout.hookimpl
        def turnout_stream_request(self) -> None:
            return None

    with pytest.raises(PluginError, match=r"plugin 'replacer'.*turnout_stream_request without wrapper=True"):
        PluginSet().register(Replacer(), "replacer")


def test_a_request_wrapper_returning_something_else_is_a_plugin_error() -> None:
    class Broken:
        __name__ = "broken"
        turnout_manifest = V2

        @turnout.hookimpl(wrapper=True)
        def turnout_stream_request(self) -> Generator[None, AsyncIterator[LLMEvent], object]:
            yield
            return ["not", "a", "stream"]

    rt = runtime_with(Broken(), ScriptedRuntime([text_step("ok")]))
    with pytest.raises(PluginError, match=r"turnout_stream_request wrapper returned list, expected an async iterator"):
        rt.stream(REQUEST)
