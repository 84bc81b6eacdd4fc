"""The conformance suite, pointed at a well-behaved plugin and at broken ones (inner sessions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from turnout.testing.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse

pytest_plugins = ["pytester"]

INNER_ARGS = ("-p", "no:hypothesispytest")  # inner sessions need no hypothesis (and start faster)

PLUGINS = '''
import json

import turnout
from turnout.sse import aiter_sse

RUNTIME = "tiny"


class Tiny:
    """A small, correct runtime for provider "tiny"."""

    turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION, runtimes=(RUNTIME,))

    @turnout.hookimpl
    def turnout_check_support(self, request, model):
        if model.provider != "tiny":
            return turnout.Verdict(RUNTIME, False, "provider is not tiny")
        return turnout.Verdict(RUNTIME, True)

    @turnout.hookimpl
    def turnout_lower_request(self, request, model):
        return turnout.WireRequest(url=model.base_url + "/say", json={"text": request.messages[-1].content[0].text})

    @turnout.hookimpl
    def turnout_open_stream(self, wire, http):
        return self.events(wire, http)

    async def events(self, wire, http):
        yield turnout.StepStart()
        yield turnout.TextStart(id="t")
        async with http.stream(wire) as response:
            async for frame in aiter_sse(response.aiter_bytes()):
                yield turnout.TextDelta(id="t", text=json.loads(frame.data)["text"])
        yield turnout.TextEnd(id="t")
        yield turnout.StepFinish(reason="stop")


class Echo(Tiny):
    """Sends no HTTP: echoes the prompt, word by word, in process."""

    @turnout.hookimpl
    def turnout_lower_request(self, request, model):
        return turnout.WireRequest(url="echo://local", json={"text": request.messages[-1].content[0].text})

    async def events(self, wire, http):
        for word in wire.json_body["text"].split():
            yield turnout.TextDelta(id="t", text=word)
        yield turnout.StepFinish(reason="stop")


class Abstains(Tiny):
    """Never says why it does not handle other providers."""

    @turnout.hookimpl
    def turnout_check_support(self, request, model):
        return turnout.Verdict(RUNTIME, True) if model.provider == "tiny" else None


class Unstable(Tiny):
    """Lowers to a different body every time."""

    count = 0

    @turnout.hookimpl
    def turnout_lower_request(self, request, model):
        Unstable.count += 1
        return turnout.WireRequest(url=model.base_url + "/say", json={"text": "x", "nonce": Unstable.count})


class Leaks(Tiny):
    """Opens the response without ever closing it."""

    async def events(self, wire, http):
        yield turnout.StepStart()
        yield turnout.TextStart(id="t")
        response = await http.stream(wire).__aenter__()
        async for frame in aiter_sse(response.aiter_bytes()):
            yield turnout.TextDelta(id="t", text=json.loads(frame.data)["text"])
        yield turnout.TextEnd(id="t")
        yield turnout.StepFinish(reason="stop")
'''

SUITE = """
from pathlib import Path

import turnout
from turnout.testing import DeclinedCase, PluginConformance

from tiny_plugins import {plugin}

HELLO = turnout.LLMRequest(model="tiny/t1", messages=[turnout.user("hello")])


class TestTiny(PluginConformance):
    plugin = {plugin}()
    runtime_id = "tiny"
    model = "tiny/t1"
    config = {{"provider": {{"tiny": {{"npm": "tiny", "api": "http://tiny.test/v1"}}}}}}
    request = HELLO
    declined = [DeclinedCase(turnout.LLMRequest(model="openai/gpt-4.1-mini"), "not tiny", id="openai")]
    cassettes_dir = Path(__file__).parent / "cassettes"
    scenarios = {{"hello": None}}
    timeout = 2.0
"""


def _write_cassette(directory: Path) -> None:
    request = RecordedRequest(
        "POST",
        "http://tiny.test/v1/say",
        {"accept": "*/*", "content-type": "application/json"},
        json.dumps({"text": "hello"}),
    )
    body = 'data: {"text": "hel"}\n\ndata: {"text": "lo"}\n\n'
    cassette = Cassette(
        "hello", [Interaction(request, RecordedResponse(200, {"content-type": "text/event-stream"}, body))]
    )
    cassette.save(directory / "cassettes" / "hello.json", env={})


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(tiny_plugins=PLUGINS)
    pytester.syspathinsert()
    _write_cassette(pytester.path)
    return pytester


def test_a_correct_plugin_passes_every_check(project: pytest.Pytester) -> None:
    project.makepyfile(test_conformance=SUITE.format(plugin="Tiny"))
    result = project.runpytest(*INNER_ARGS, "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*test_gate_selects_the_runtime_for_a_supported_request PASSED*",
            "*test_gate_declines_with_a_reason[[]openai[]] PASSED*",
            "*test_lowering_is_json_serializable_and_deterministic PASSED*",
            "*test_recorded_stream_keeps_the_event_rules[[]hello[]] PASSED*",
            "*test_closing_the_stream_early_emits_no_finish[[]hello[]] PASSED*",
        ]
    )


@pytest.mark.parametrize(
    ("plugin", "failing", "message", "failures"),
    [
        ("Abstains", "test_gate_declines_with_a_reason", "was not declined with a verdict", 1),
        # an unstable body cannot match its recording either (both stream checks fail too)
        ("Unstable", "test_lowering_is_json_serializable_and_deterministic", "lowering the same request twice", 3),
        ("Leaks", "test_closing_the_stream_early_emits_no_finish", "the HTTP response was still open", 1),
    ],
)
def test_a_broken_plugin_fails_the_check_it_breaks(
    project: pytest.Pytester, plugin: str, failing: str, message: str, failures: int
) -> None:
    project.makepyfile(test_conformance=SUITE.format(plugin=plugin))
    result = project.runpytest(*INNER_ARGS)
    result.assert_outcomes(passed=5 - failures, failed=failures)
    result.stdout.fnmatch_lines([f"*{message}*", f"FAILED test_conformance.py::TestTiny::{failing}*"])


def test_a_scenario_whose_request_was_not_recorded_fails_with_the_diff(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_conformance=SUITE.format(plugin="Tiny").replace(
            'scenarios = {"hello": None}',
            'scenarios = {"hello": turnout.LLMRequest(model="tiny/t1", messages=[turnout.user("bye")])}',
        )
    )
    result = project.runpytest(*INNER_ARGS)
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(['*-  "text": "hello"*', '*+  "text": "bye"*'])


def test_a_suite_without_scenarios_or_declined_cases_says_what_to_set(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_conformance=SUITE.format(plugin="Tiny")
        .replace('scenarios = {"hello": None}', "scenarios = {}")
        .replace("declined = [", "declined = []\n    _unused = [")
    )
    result = project.runpytest(*INNER_ARGS)
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(["*set declined to at least one DeclinedCase*"])
    result.stdout.fnmatch_lines(["*set scenarios to at least one recorded cassette*"])


def test_a_runtime_without_http_passes_with_uses_http_false(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_conformance=SUITE.format(plugin="Echo").replace(
            'scenarios = {"hello": None}', 'scenarios = {"in-process": None}\n    uses_http = False'
        )
    )
    result = project.runpytest(*INNER_ARGS, "-v")
    result.assert_outcomes(passed=5)


def test_a_scenario_naming_a_missing_cassette_fails_and_names_it(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_conformance=SUITE.format(plugin="Tiny").replace(
            'scenarios = {"hello": None}', 'scenarios = {"gone": None}'
        )
    )
    result = project.runpytest(*INNER_ARGS)
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*scenario 'gone' names a cassette that does not exist*gone.json*"])
