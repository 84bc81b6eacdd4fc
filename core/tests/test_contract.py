"""The plugin contract v2: manifests, ownership, pluggy dispatch, wrappers and isolation."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest
import turnout
from turnout import LLMEvent
from turnout.errors import PluginError
from turnout.plugins import PluginSet

from testsupport.fakes import ScriptedRuntime, call_step, runtime_with, text_step

REQUEST = turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")])
V2 = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)


class Shouter:
    """A third-party observer: upper-cases every text delta of every runtime, and counts events."""

    __name__ = "shouter"
    turnout_manifest = V2

    def __init__(self) -> None:
        self.seen: list[str] = []

    @turnout.hookimpl(wrapper=True)
    def turnout_open_stream(self) -> Generator[None, AsyncIterator[LLMEvent], AsyncIterator[LLMEvent]]:
        events = yield
        return self._shout(events)

    async def _shout(self, events: AsyncIterator[LLMEvent]) -> AsyncIterator[LLMEvent]:
        async for event in events:
            self.seen.append(event.type)
            if isinstance(event, turnout.TextDelta):
                event = turnout.TextDelta(id=event.id, text=event.text.upper())
            yield event


def test_a_wrapper_on_open_stream_sees_and_transforms_every_event() -> None:
    shouter = Shouter()
    scripted = ScriptedRuntime([call_step("get_weather", '{"city": "Paris"}'), text_step("it is sunny")])

    def get_weather(city: str) -> str:
        """Weather."""
        return "sunny"

    request = REQUEST.model_copy(update={"tools": [get_weather]})
    response = runtime_with(shouter, scripted).generate_sync(request, max_steps=2)
    assert response.text == "IT IS SUNNY"
    expected = [event.type for step in (call_step("get_weather", "{}"), text_step("")) for event in step]
    assert shouter.seen == expected  # every event of both provider calls passed through the wrapper


class BrokenHeaders:
    __name__ = "broken-headers"
    turnout_manifest = V2

    @turnout.hookimpl
    def turnout_inject_headers(self) -> dict[str, str]:
        raise RuntimeError("header service down")


class GoodHeaders:
    __name__ = "good-headers"
    turnout_manifest = V2

    @turnout.hookimpl
    def turnout_inject_headers(self) -> dict[str, str]:
        return {"x-good": "1"}


class WireCapture(ScriptedRuntime):
    def __init__(self) -> None:
        super().__init__([text_step("ok")])
        self.wires: list[turnout.WireRequest] = []

    @turnout.hookimpl
    def turnout_open_stream(self, wire: turnout.WireRequest) -> AsyncIterator[LLMEvent]:
        self.wires.append(wire)
        return self._stream(text_step("ok"))


def test_a_raising_inject_headers_is_skipped_reported_and_the_request_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    capture = WireCapture()
    rt = runtime_with(BrokenHeaders(), GoodHeaders(), capture)
    assert rt.generate_sync(REQUEST).text == "ok"
    assert capture.wires[0].headers["x-good"] == "1"
    [failure] = list(rt.plugins.failures)
    assert (failure.plugin, failure.hook, failure.error) == (
        "broken-headers",
        "turnout_inject_headers",
        "RuntimeError: header service down",
    )
    assert "'broken-headers' failed in turnout_inject_headers" in caplog.text


def test_runtime_hooks_are_called_only_on_the_owner() -> None:
    first = ScriptedRuntime([text_step("first")], runtime="first", priority=100)
    second = ScriptedRuntime([text_step("second")], runtime="second", priority=0)
    rt = runtime_with(first, second)
    assert rt.generate_sync(REQUEST).text == "first"
    assert len(first.requests) == 1 and second.requests == []


def test_a_plugin_built_for_another_contract_version_is_refused() -> None:
    class Old:
        turnout_manifest = turnout.Manifest(hooks_version=1)

        @turnout.hookimpl
        def turnout_check_support(self) -> None:
            return None

    with pytest.raises(PluginError, match=r"plugin 'old'.*built for hook contract version 1.*speaks version 2"):
        PluginSet().register(Old(), "old")


def test_a_plugin_without_a_manifest_is_refused_with_the_fix() -> None:
    class Bare:
        @turnout.hookimpl
        def turnout_check_support(self) -> None:
            return None

    with pytest.raises(PluginError, match=r"plugin 'bare'.*declares no turnout_manifest.*Manifest\(hooks_version=2"):
        PluginSet().register(Bare(), "bare")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "@turnout.hookimpl\ndef turnout_open_stream(wire):\n    return None\n",
            r"implements turnout_open_stream but its manifest owns no runtime",
        ),
        (
            "@turnout.hookimpl\nasync def turnout_check_support(request):\n    return None\n",
            r"turnout_check_support is an 'async def' function; hooks are synchronous",
        ),
    ],
)
def test_what_the_contract_cannot_honour_is_refused_at_registration(body: str, message: str) -> None:
    namespace: dict[str, object] = {"turnout": turnout}
    exec(body, namespace)
    hooks = {name: staticmethod(value) for name, value in namespace.items() if name.startswith("turnout_")}
    plugin = type("P", (), {"turnout_manifest": V2, **hooks})()
    with pytest.raises(PluginError, match=message):
        PluginSet().register(plugin, "p")


def test_a_runtime_owner_must_implement_both_runtime_hooks_and_own_alone() -> None:
    class HalfRuntime:
        turnout_manifest = turnout.Manifest(hooks_version=2, runtimes=("half",))

        @turnout.hookimpl
        def turnout_lower_request(self) -> None:
            return None

    with pytest.raises(PluginError, match=r"owns runtimes \['half'\] but does not implement \['turnout_open_stream'\]"):
        PluginSet().register(HalfRuntime(), "half")
    plugins = PluginSet()
    plugins.register(ScriptedRuntime([], runtime="x"), "one")
    with pytest.raises(PluginError, match=r"runtime 'x' is already owned by plugin 'one'"):
        plugins.register(ScriptedRuntime([], runtime="x"), "two")


def test_a_supported_verdict_for_a_runtime_nobody_owns_is_never_chosen() -> None:
    class Dreamer:
        __name__ = "dreamer"
        turnout_manifest = V2

        @turnout.hookimpl
        def turnout_check_support(self) -> turnout.Verdict:
            return turnout.Verdict("imaginary", True, priority=1000)

    selection = runtime_with(Dreamer(), ScriptedRuntime([text_step("real")])).select(REQUEST)
    assert selection.runtime == "scripted"
    assert selection.declined["imaginary"] == "no installed plugin owns this runtime"


def test_a_wrapper_on_check_support_works_as_pluggy_documents() -> None:
    class Auditor:
        __name__ = "auditor"
        turnout_manifest = V2

        @turnout.hookimpl(wrapper=True)
        def turnout_check_support(self) -> Generator[None, list[object], list[object]]:
            answers = yield
            return [*answers, [turnout.Verdict("scripted", False, "audit: frozen")]]

    selection = runtime_with(Auditor(), ScriptedRuntime([text_step("x")])).select(REQUEST)
    assert selection.runtime is None
    assert "audit: frozen" in selection.declined["scripted"]


def test_a_raising_bridge_tool_is_a_plugin_error_naming_the_plugin() -> None:
    class Bridge:
        __name__ = "bridge"
        turnout_manifest = V2

        @turnout.hookimpl
        def turnout_bridge_tool(self, tool: object) -> None:
            raise ValueError("cannot read schema")

    request = REQUEST.model_copy(update={"tools": [object()]})
    with pytest.raises(
        PluginError, match=r"plugin 'bridge'.*turnout_bridge_tool raised ValueError: cannot read schema"
    ):
        runtime_with(Bridge(), ScriptedRuntime([text_step("x")])).generate_sync(request)


def test_a_runtime_raising_mid_stream_is_a_plugin_error_naming_the_plugin() -> None:
    async def explode(n: int) -> AsyncIterator[LLMEvent]:
        yield turnout.TextDelta(id="t", text="partial")
        raise RuntimeError("socket gremlins")

    class Exploding(ScriptedRuntime):
        @turnout.hookimpl
        def turnout_open_stream(self, wire: turnout.WireRequest) -> AsyncIterator[LLMEvent]:
            return explode(0)

    with pytest.raises(PluginError, match=r"plugin 'scripted-scripted'.*raised while streaming: RuntimeError: socket"):
        runtime_with(Exploding([])).generate_sync(REQUEST)


def make_distribution(site: Path, name: str, module_source: str) -> None:
    """Write an installed-looking distribution (dist-info + module) with a ``turnout`` entry point."""
    (site / f"{name}.py").write_text(module_source)
    info = site / f"{name}-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text(f"[turnout]\n{name} = {name}\n")


@pytest.mark.slow
def test_load_time_refusals_are_isolated_and_shown_by_turnout_plugins(tmp_path: Path) -> None:
    make_distribution(tmp_path, "exits_plugin", "import sys\nsys.exit(3)\n")
    make_distribution(
        tmp_path,
        "old_plugin",
        "import turnout\nturnout_manifest = turnout.Manifest(hooks_version=1)\n"
        "@turnout.hookimpl\ndef turnout_inject_headers():\n    return {}\n",
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "TURNOUT_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "turnout", "plugins", "--json"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    listed = {info["name"]: info for info in json.loads(result.stdout)}
    assert listed["exits_plugin"]["error"] == "SystemExit: 3"
    assert "built for hook contract version 1" in listed["old_plugin"]["error"]
    assert listed["native_openai"]["error"] is None and listed["native_openai"]["runtimes"] == ["native-openai"]
