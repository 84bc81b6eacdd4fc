"""The pytest plugin end to end: inner pytest sessions (pytester) record against a loopback
server through ``turnout_runtime`` and replay with the server stopped."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

INNER_ARGS = ("-p", "no:hypothesispytest")  # inner sessions need no hypothesis (and start faster)

CONFTEST = '''
import json

import pytest

import turnout
from turnout.sse import aiter_sse
from turnout.testing import Redactor

BASE_URL = {base_url!r}


class LinesPlugin:
    """A tiny runtime: one text block made of the SSE frames the server sends."""

    turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION, runtimes=("lines",))

    @turnout.hookimpl
    def turnout_check_support(self, model):
        if model.provider == "lines":
            return turnout.Verdict("lines", True)

    @turnout.hookimpl
    def turnout_lower_request(self, request, model):
        key = model.api_key.get_secret_value()
        prompt = request.messages[-1].content[0].text
        return turnout.WireRequest(url=model.base_url + "/lines", headers={{"authorization": f"Bearer {{key}}"}},
                                   json={{"prompt": prompt, "n": 2}})

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


@pytest.fixture
def turnout_runtime_options():
    provider = {{"npm": "lines", "api": BASE_URL, "options": {{"apiKey": "lines-key-0123456789"}}}}
    return {{"config": {{"provider": {{"lines": provider}}}}, "plugins": [LinesPlugin()], "load_entry_points": False}}


@pytest.fixture
def turnout_redactor():
    return Redactor(request_headers={{"content-type", "x-debug"}})
'''

INNER_TESTS = """
import asyncio
import os
from pathlib import Path

import pytest

import turnout
from turnout.testing import event_lines


def run(runtime, prompt, times=1, headers=None):
    request = turnout.LLMRequest(model="lines/one", messages=[turnout.user(prompt)], headers=headers or {})

    async def go():
        events = []
        for _ in range(times):
            events += [event async for event in runtime.stream(request)]
        return events

    return asyncio.run(go())


def test_story(turnout_runtime):
    events = run(turnout_runtime, "tell me a story")
    Path(os.environ["EVENTS_OUT"]).write_text(event_lines(events))


def test_changed_body(turnout_runtime, turnout_record_mode):
    run(turnout_runtime, "tell me" if turnout_record_mode == "record" else "tell me more")


def test_unplayed(turnout_runtime, turnout_record_mode):
    run(turnout_runtime, "twice", times=2 if turnout_record_mode == "record" else 1)


@pytest.mark.turnout_cassette("shared/named")
def test_marker(turnout_runtime):
    run(turnout_runtime, "named")
"""

SECRET_TESTS = """
import asyncio
import os

import turnout


def run(runtime, prompt, headers=None):
    request = turnout.LLMRequest(model="lines/one", messages=[turnout.user(prompt)], headers=headers or {})

    async def go():
        return [event async for event in runtime.stream(request)]

    return asyncio.run(go())


def test_secret_header(turnout_runtime):
    run(turnout_runtime, "hi", headers={"x-debug": os.environ["DEBUG_VALUE"]})


def test_secret_body(turnout_runtime):
    run(turnout_runtime, "my token is " + os.environ["ACME_TOKEN"])
"""

OPENAI_STYLE_KEY = "sk-proj-" + "a1b2c3d4e5f6g7h8i9j0"
ACME_TOKEN = "acme-" + "0123456789abcdef"


class _LinesHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        self.server.requests.append(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for text in ("you said:", f" {body['prompt']}"):
            self.wfile.write(f"data: {json.dumps({'text': text})}\n\n".encode())
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        return


class LoopbackServer:
    """A loopback SSE server in a thread; ``stop()`` shuts it down for good."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _LinesHandler)
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.httpd.requests  # type: ignore[attr-defined, no-any-return]

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    loopback = LoopbackServer()
    yield loopback
    loopback.stop()


@pytest.fixture
def inner(pytester: pytest.Pytester, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An inner project whose runtime talks to the loopback server; recording is off by default."""
    for name in ("TURNOUT_RECORD", "CI"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(CONFTEST.format(base_url=server.base_url))
    return pytester


def test_recorded_cassettes_replay_identically_with_the_server_stopped(
    inner: pytest.Pytester, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(test_inner=INNER_TESTS)
    monkeypatch.setenv("EVENTS_OUT", str(inner.path / "recorded.jsonl"))
    inner.runpytest(*INNER_ARGS, "--turnout-record").assert_outcomes(passed=4)
    cassettes = inner.path / "cassettes"
    assert sorted(p.relative_to(cassettes).as_posix() for p in cassettes.rglob("*.json")) == [
        "shared/named.json",
        "test_changed_body.json",
        "test_story.json",
        "test_unplayed.json",
    ]
    story = json.loads((cassettes / "test_story.json").read_text())
    assert story["metadata"]["name"] == "test_story"
    assert story["metadata"]["test"] == "test_inner.py::test_story"
    assert "lines-key-0123456789" not in (cassettes / "test_story.json").read_text()
    sent = len(server.requests)
    server.stop()

    monkeypatch.setenv("EVENTS_OUT", str(inner.path / "replayed.jsonl"))
    result = inner.runpytest(*INNER_ARGS)
    assert len(server.requests) == sent

    recorded = (inner.path / "recorded.jsonl").read_text()
    assert '"text": " tell me a story"' in recorded
    assert (inner.path / "replayed.jsonl").read_text() == recorded

    # The changed request body fails, and the message carries the diff against the recording.
    result.assert_outcomes(passed=3, failed=1, errors=1)
    output = result.stdout.str()
    assert "test_changed_body - " in output or "FAILED test_inner.py::test_changed_body" in output
    assert "cassette 'test_changed_body'" in output and "has no recorded request matching" in output
    assert '-  "prompt": "tell me"' in output
    assert '+  "prompt": "tell me more"' in output

    # The interaction the replay never requested fails the test at teardown.
    assert "ERROR at teardown of test_unplayed" in output
    assert "1 of 2 recorded interactions were never requested" in output


def test_a_secret_in_a_header_or_body_is_refused_and_the_cassette_kept(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(test_secrets=SECRET_TESTS)
    existing = inner.path / "cassettes" / "test_secret_body.json"
    existing.parent.mkdir()
    existing.write_text('{"version": 1, "metadata": {"name": "test_secret_body"}, "interactions": []}\n')
    monkeypatch.setenv("DEBUG_VALUE", OPENAI_STYLE_KEY)
    monkeypatch.setenv("ACME_TOKEN", ACME_TOKEN)

    result = inner.runpytest(*INNER_ARGS, "--turnout-record", "--tb=short")
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "Refusing to write cassette 'test_secret_header'" in output
    assert "interactions[0].request.headers['x-debug']: an OpenAI-style key (sk-…)" in output
    assert "Refusing to write cassette 'test_secret_body'" in output
    assert "interactions[0].request.body: the value of $ACME_TOKEN" in output
    assert OPENAI_STYLE_KEY not in output and ACME_TOKEN not in output
    assert not (inner.path / "cassettes" / "test_secret_header.json").exists()
    assert existing.read_text().endswith('"interactions": []}\n'), "the existing cassette is untouched"


def test_auto_mode_is_refused_under_ci(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    inner.makepyfile(test_auto="def test_uses_a_cassette(turnout_cassette):\n    pass\n")
    monkeypatch.setenv("TURNOUT_RECORD", "auto")
    monkeypatch.setenv("CI", "true")
    result = inner.runpytest(*INNER_ARGS)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cassette mode 'auto' is refused when CI is set*"])


def test_a_bad_marker_is_a_usage_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_marker="import pytest\n\n@pytest.mark.turnout_cassette()\ndef test_x(turnout_cassette):\n    pass\n"
    )
    result = inner.runpytest(*INNER_ARGS)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*use @pytest.mark.turnout_cassette('name') with one non-empty name*"])


@pytest.mark.parametrize("name", ["../../escaped", "../escaped", "/tmp/escaped-cassette"])
def test_a_cassette_name_cannot_leave_the_cassettes_folder(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    inner.makepyfile(
        test_escape=(
            f"import pytest\n\n@pytest.mark.turnout_cassette({name!r})\ndef test_x(turnout_runtime):\n    pass\n"
        )
    )
    monkeypatch.setenv("TURNOUT_RECORD", "record")
    result = inner.runpytest(*INNER_ARGS)
    assert result.ret != 0
    result.stdout.fnmatch_lines([f"*cassette name {name!r} leads outside the cassettes folder*"])
    candidates = [inner.path.parent / "escaped.json", inner.path / "escaped.json", Path("/tmp/escaped-cassette.json")]
    assert [path for path in candidates if path.exists()] == []


@pytest.mark.slow
def test_loading_the_plugin_imports_neither_syrupy_nor_the_kit() -> None:
    code = (
        "import sys, turnout.testing.pytest_plugin\n"
        "heavy = [m for m in sys.modules if m.startswith(('syrupy', 'turnout.testing.'))"
        " and m != 'turnout.testing.pytest_plugin']\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_the_marker_and_option_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*INNER_ARGS, "--markers")
    result.stdout.fnmatch_lines(["*turnout_cassette(name)*"])
    assert "--turnout-record" in pytester.runpytest(*INNER_ARGS, "--help").stdout.str()


def test_cassette_names_are_safe_file_names() -> None:
    from turnout.testing.pytest_plugin import cassette_name

    class Item:
        def __init__(self, name: str) -> None:
            self.name = name

        def get_closest_marker(self, name: str) -> None:
            return None

    names = [cassette_name(Item(n)) for n in ("test_p[a/b]", "test_p[c:d]", 'test_q[<"*?|>]')]  # type: ignore[arg-type]
    assert names == ["test_p[a_b]", "test_p[c_d]", "test_q[______]"]
