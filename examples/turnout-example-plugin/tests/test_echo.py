"""The echo runtime through turnout, replayed from cassettes and compared with JSONL snapshots.

Record again (needs nothing but this package): ``pytest --turnout-record``; the loopback echo
service in ``echo_support`` is started for the recording.
"""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points

import pytest
import turnout
from turnout.testing import normalize

REQUEST = turnout.LLMRequest(model="echo/echo-1", messages=[turnout.user("hello there")])


def collect(runtime: turnout.Runtime, request: turnout.LLMRequest) -> list[turnout.LLMEvent]:
    async def run() -> list[turnout.LLMEvent]:
        return [event async for event in runtime.stream(request)]

    return asyncio.run(run())


def test_the_plugin_is_installed_under_the_turnout_entry_point_group() -> None:
    names = {ep.name: ep.value for ep in entry_points(group="turnout")}
    assert names.get("example_echo") == "turnout_example_plugin.plugin"


def test_the_echo_runtime_is_selected_for_echo_models(turnout_runtime: turnout.Runtime) -> None:
    assert turnout_runtime.select(REQUEST).runtime == "example-echo"


def test_hello_streams_the_words_back(turnout_runtime: turnout.Runtime, event_snapshot) -> None:
    events = collect(turnout_runtime, REQUEST)
    assert turnout.Response.from_events(events).text == "echo: hello there"
    assert events == event_snapshot(matcher=normalize(ids=("id",)))


@pytest.mark.turnout_cassette("two-turns")
def test_a_conversation_echoes_the_last_user_message(turnout_runtime: turnout.Runtime, event_snapshot) -> None:
    request = turnout.LLMRequest(
        model="echo/echo-1",
        system="Repeat after me.",
        messages=[turnout.user("first"), turnout.assistant("echo: first"), turnout.user("second one")],
    )
    response = turnout.Response.from_events(collect(turnout_runtime, request))
    assert response.text == "echo: second one"
    assert response.usage is not None and response.usage.input_tokens == 8
    assert response.events == event_snapshot(matcher=normalize(ids=("id",)))


def test_a_failure_inside_the_stream_becomes_a_provider_error(turnout_runtime: turnout.Runtime, event_snapshot) -> None:
    request = turnout.LLMRequest(model="echo/echo-1", messages=[turnout.user("please fail")])
    response = turnout.Response.from_events(collect(turnout_runtime, request))
    assert [error.code for error in response.errors] == ["echo_failed"]
    assert response.finish_reason == "error"
    assert response.events == event_snapshot(matcher=normalize(ids=("id",)))
