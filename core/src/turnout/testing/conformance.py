"""The plugin conformance suite: the standard checks a runtime plugin should pass.

Point it at your plugin by subclassing ``PluginConformance`` in a test module (the subclass's name
must start with ``Test`` so pytest collects it)::

    from pathlib import Path
    import turnout
    from turnout.testing import DeclinedCase, PluginConformance
    import my_plugin

    class TestMyPluginConformance(PluginConformance):
        plugin = my_plugin
        runtime_id = "my-runtime"
        model = "mine/small"
        config = {"provider": {"mine": {"npm": "@me/mine", "api": "http://mine.test/v1",
                                        "options": {"apiKey": "fixture-key"}}}}
        declined = [DeclinedCase(turnout.LLMRequest(model="openai/gpt-4o"), reason="not mine")]
        cassettes_dir = Path(__file__).parent / "cassettes"
        scenarios = {"conformance-hello": None}   # cassette name → request (None: the default)

The checks: the gate supports ``request`` and picks ``runtime_id``; each declined case is vetoed
with its reason; lowering gives a JSON-serializable, deterministic ``WireRequest``; every
scenario's recorded stream, replayed through the full runtime, keeps the event rules
(``check_events``) and requests every recorded interaction; closing a stream early does not hang,
emits no ``finish`` and closes the HTTP response. Scenarios are replayed, never recorded: record
them with your own tests (``turnout_cassette``, ``pytest --turnout-record``) and list them here;
a scenario naming a cassette that does not exist fails.

What the suite needs from a runtime:

- a gate (``turnout_check_support``) that offers ``runtime_id`` for ``request`` and vetoes, with a
  reason, each ``DeclinedCase`` (abstaining is not declining);
- a lowering (``turnout_lower_request``) returning a ``WireRequest`` that is plain JSON data and
  the same every time for the same request;
- a stream (``turnout_open_stream``) whose events keep the rules, and that can be closed early.

A runtime that sends no HTTP (an in-process model, an echo) sets ``uses_http = False``: its
scenarios are then plain names → requests, streamed with every HTTP request refused (a
cassette-less replay transport), its wire URL may use any scheme, and closing early checks that
the stream stops without ``finish`` instead of checking an HTTP response.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pytest

from turnout.testing.cassette import Cassette, CassetteTransport
from turnout.testing.redaction import Redactor

if TYPE_CHECKING:
    from turnout import LLMEvent, LLMRequest, Runtime

__all__ = ["DeclinedCase", "PluginConformance"]

T = TypeVar("T")


@dataclass(frozen=True)
class DeclinedCase:
    """A request the plugin must decline for its runtime, and (part of) the reason it must give."""

    request: LLMRequest
    """The request."""
    reason: str
    """A substring of the expected reason."""
    config: Mapping[str, Any] | None = None
    """Configuration for this case (default: the suite's ``config``)."""
    native: bool | None = None
    """The native flag for this case (default: the suite's ``native``)."""
    id: str | None = None
    """A test id for this case."""


def _run(awaitable: Awaitable[T], timeout: float) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(awaitable, timeout)

    return asyncio.run(bounded())


class PluginConformance:
    """Base class of a plugin's conformance tests; set the attributes in a ``Test…`` subclass."""

    plugin: ClassVar[object]
    """The plugin: what its ``turnout`` entry point loads (a module or an object)."""
    runtime_id: ClassVar[str]
    """The runtime id the plugin owns."""
    model: ClassVar[str]
    """A ``provider/model`` reference the plugin supports under ``config``."""
    config: ClassVar[Mapping[str, Any]] = {}
    """Configuration data (as in ``turnout.toml``), merged over the built-in providers."""
    native: ClassVar[bool | None] = None
    """The native flag to run with (``None``: configuration and environment decide)."""
    request: ClassVar[LLMRequest | None] = None
    """A supported request (default: a one-line user prompt to ``model``)."""
    declined: ClassVar[Sequence[DeclinedCase]] = ()
    """Requests the plugin must decline, with their reasons (at least one)."""
    cassettes_dir: ClassVar[Path | None] = None
    """The directory holding the scenario cassettes."""
    scenarios: ClassVar[Mapping[str, LLMRequest | None]] = {}
    """Cassette name (relative to ``cassettes_dir``, without ``.json``) → the request it was
    recorded with (``None``: the supported ``request``)."""
    redactor: ClassVar[Redactor | None] = None
    """The redactor the cassettes were recorded with (default ``Redactor()``)."""
    uses_http: ClassVar[bool] = True
    """``False`` for a runtime that never sends HTTP: scenarios need no cassette (see above)."""
    max_steps: ClassVar[int] = 1
    """``max_steps`` for the scenario streams."""
    timeout: ClassVar[float] = 10.0
    """Seconds any single check may take before it counts as hanging."""
    warm_up_timeout: ClassVar[float] = 120.0
    """Seconds the warm-up before the timed checks (cold imports) may take."""

    # -- helpers (overridable) ------------------------------------------------------------------

    def supported_request(self) -> LLMRequest:
        """The supported request (``request``, else a one-line prompt to ``model``)."""
        import turnout

        return self.request or turnout.LLMRequest(model=self.model, messages=[turnout.user("Say hello.")])

    def make_runtime(
        self,
        transport: CassetteTransport,
        *,
        config: Mapping[str, Any] | None = None,
        native: bool | None = None,
    ) -> Runtime:
        """A runtime with only this plugin, whose HTTP goes through ``transport``."""
        import turnout

        return turnout.Runtime(
            native=self.native if native is None else native,
            config=dict(self.config if config is None else config),
            plugins=(self.plugin,),
            load_entry_points=False,
            transport=transport,
        )

    def scenario_transport(self, name: str) -> CassetteTransport:
        """A replaying cassette transport for scenario ``name``."""
        if not self.uses_http:
            return CassetteTransport(Cassette(name), "replay", redactor=self.redactor)
        if self.cassettes_dir is None:
            pytest.fail(f"{type(self).__name__}: set cassettes_dir to the scenario cassettes' directory")
        path = Path(self.cassettes_dir) / f"{name}.json"
        if not path.is_file():
            pytest.fail(
                f"{type(self).__name__}: scenario {name!r} names a cassette that does not exist: {path}; "
                "record it with your own tests (`pytest --turnout-record`), or set uses_http = False "
                "for a runtime that sends no HTTP"
            )
        return CassetteTransport(path, redactor=self.redactor)

    def warm_up(self, transport: CassetteTransport, request: LLMRequest) -> None:
        """Stream the request up to its first event, under ``warm_up_timeout`` only.

        A plugin imports its heavy modules (an SDK, say) lazily, on its first request; doing
        that once here keeps cold imports out of the checks timed by ``timeout``.
        """

        async def first_event() -> None:
            async with self.make_runtime(transport) as runtime:
                stream = runtime.stream(request, max_steps=self.max_steps)
                async for _ in stream:
                    break
                await stream.aclose()  # type: ignore[attr-defined]

        _run(first_event(), self.warm_up_timeout)

    def _scenario_request(self, scenario: str | None) -> tuple[str, LLMRequest]:
        if scenario is None:
            pytest.fail(f"{type(self).__name__}: set scenarios to at least one recorded cassette")
        return scenario, self.scenarios[scenario] or self.supported_request()

    # -- the checks -------------------------------------------------------------------------------

    def test_gate_selects_the_runtime_for_a_supported_request(self) -> None:
        """The supported request is routed to ``runtime_id`` by a supported verdict."""
        runtime = self.make_runtime(CassetteTransport(Cassette("gate"), "replay"))
        selection = runtime.select(self.supported_request())
        supported = [v for v in selection.verdicts if v.runtime == self.runtime_id and v.supported]
        assert supported, (
            f"no plugin offered {self.runtime_id!r} for {self.model!r}; verdicts: {list(selection.verdicts)}"
        )
        assert selection.runtime == self.runtime_id, (
            f"{selection.runtime!r} was selected instead of {self.runtime_id!r}; declined: {selection.declined}"
        )

    def test_gate_declines_with_a_reason(self, turnout_declined_case: DeclinedCase | None) -> None:
        """Each declined case vetoes ``runtime_id`` with a reason containing the expected text."""
        if turnout_declined_case is None:
            pytest.fail(f"{type(self).__name__}: set declined to at least one DeclinedCase")
        case = turnout_declined_case
        runtime = self.make_runtime(
            CassetteTransport(Cassette("gate"), "replay"), config=case.config, native=case.native
        )
        selection = runtime.select(case.request)
        assert selection.runtime != self.runtime_id, f"{self.runtime_id!r} was selected for {case.request.model!r}"
        vetoes = [v for v in selection.verdicts if v.runtime == self.runtime_id and not v.supported]
        assert vetoes, (
            f"{self.runtime_id!r} was not declined with a verdict "
            "(a plugin that abstains gives no reason); "
            f"verdicts: {list(selection.verdicts)}"
        )
        reasons = [v.reason or "" for v in vetoes]
        assert any(case.reason in reason for reason in reasons), (
            f"expected a reason containing {case.reason!r}, got {reasons}"
        )

    def test_lowering_is_json_serializable_and_deterministic(self) -> None:
        """Lowering the supported request twice gives equal, JSON-serializable wire requests."""
        from turnout import WireRequest

        runtime = self.make_runtime(CassetteTransport(Cassette("lowering"), "replay"))
        request = self.supported_request()
        model = runtime.resolve(request)

        def lower() -> dict[str, Any]:
            wire = runtime.plugins.runtime_hook("turnout_lower_request", self.runtime_id)(
                request=request, model=model, runtime=self.runtime_id, tools=[]
            )
            assert isinstance(wire, WireRequest), (
                f"turnout_lower_request returned {type(wire).__name__} for {self.runtime_id!r}, expected WireRequest"
            )
            if self.uses_http:
                assert wire.url.startswith(("http://", "https://")), f"wire.url is not absolute: {wire.url!r}"
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in wire.headers.items()), (
                "wire.headers must map str to str"
            )
            data = wire.model_dump(mode="json", by_alias=True, exclude={"payload"})
            try:
                text = json.dumps(data, sort_keys=True)
            except (TypeError, ValueError) as exc:
                pytest.fail(f"the lowered request is not JSON-serializable: {exc}")
            assert json.loads(text) == data, "the lowered request does not survive a JSON round trip"
            return data

        assert lower() == lower(), "lowering the same request twice gave different wire requests"

    def test_recorded_stream_keeps_the_event_rules(self, turnout_scenario: str | None) -> None:
        """The scenario's recorded stream, through the whole runtime, passes ``check_events``."""
        from turnout.guard import check_events

        name, request = self._scenario_request(turnout_scenario)
        self.warm_up(self.scenario_transport(name), request)
        transport = self.scenario_transport(name)

        async def collect() -> list[LLMEvent]:
            async with self.make_runtime(transport) as runtime:
                return [event async for event in runtime.stream(request, max_steps=self.max_steps)]

        events = _run(collect(), self.timeout)
        assert events, f"scenario {name!r} produced no events"
        check_events(events)
        transport.verify()

    def test_closing_the_stream_early_emits_no_finish(self, turnout_scenario: str | None) -> None:
        """Closing the stream at its first event after the request went out returns promptly,
        with no ``finish``, and closes the HTTP response."""
        name, request = self._scenario_request(turnout_scenario)
        self.warm_up(self.scenario_transport(name), request)
        transport = self.scenario_transport(name)

        async def read_then_close() -> tuple[list[str], int | None]:
            seen: list[str] = []
            async with self.make_runtime(transport) as runtime:
                stream = runtime.stream(request, max_steps=self.max_steps)
                async for event in stream:
                    seen.append(event.type)
                    sent = transport.played or not self.uses_http
                    if sent and event.type not in ("step-start", "finish"):
                        break
                else:
                    return seen, None
                await stream.aclose()  # type: ignore[attr-defined]
                return seen, transport.open_responses  # before anything else gets to run

        try:
            seen, still_open = _run(read_then_close(), self.timeout)
        except TimeoutError:
            pytest.fail(f"closing the stream of scenario {name!r} did not return within {self.timeout} s")
        assert still_open is not None, (
            f"scenario {name!r} has no event after its request to close the stream at: {seen}"
        )
        assert "finish" not in seen, f"the stream emitted finish before it was closed: {seen}"
        assert still_open == 0, "the HTTP response was still open after the stream was closed"
