"""The forty-line runtime plugin in ``examples/`` works end to end, and the docs show it verbatim."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
import turnout
from turnout.errors import UnsupportedRequestError
from turnout.testing import check_events

from testsupport.loopback import serve_sse

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "examples" / "turnout-minimal-runtime" / "turnout_minimal_runtime.py"


def load_plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location("turnout_minimal_runtime", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runtime_for(origin: str) -> turnout.Runtime:
    config = {"provider": {"lines": {"npm": "@example/lines", "api": origin, "models": {"m1": {}}}}}
    return turnout.Runtime(config=config, plugins=[load_plugin()], load_entry_points=False)


def test_it_is_at_most_forty_lines() -> None:
    assert len(SOURCE.read_text().splitlines()) <= 40


def test_the_docs_show_the_example_verbatim() -> None:
    assert SOURCE.read_text() in (REPO / "docs" / "plugins.md").read_text()


def test_it_streams_a_conversation_through_the_core() -> None:
    frames = [{"text": "Hello"}, {"text": ", world"}]
    body = "".join(f"data: {json.dumps(frame)}\n\n" for frame in frames).encode()
    with serve_sse([body]) as served:
        request = turnout.LLMRequest(model="lines/m1", messages=[turnout.user("hi")])
        events = list(runtime_for(served.url).stream_sync(request))
    check_events(events)
    assert "".join(e.text for e in events if isinstance(e, turnout.TextDelta)) == "Hello, world"
    assert events[-1].type == "finish" and events[-1].reason == "stop"
    [sent] = served.requests
    assert sent["path"] == "/complete"
    assert json.loads(sent["body"]) == {"model": "m1", "prompt": "hi"}  # type: ignore[arg-type]


def test_it_declines_other_packages_and_refuses_non_text_input() -> None:
    rt = runtime_for("http://127.0.0.1:9")
    other = rt.select(turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")]))
    assert other.declined["minimal-lines"].startswith("provider package is not @example/lines")
    image = turnout.MediaPart(media_type="image/png", data=b"\x89PNG")
    request = turnout.LLMRequest(model="lines/m1", messages=[turnout.user("look", image)])
    with pytest.raises(UnsupportedRequestError, match="the lines service takes text only"):
        rt.generate_sync(request)
