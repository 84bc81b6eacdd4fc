"""``Runtime``: resolve → select → lower → headers → stream → guard → tools → finish."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from turnout.config import Config, ResolvedModel, RuntimeFlags, load_config
from turnout.errors import PluginError, TurnoutError, UnsupportedRequestError
from turnout.events import LLMEvent, ToolResult
from turnout.guard import StreamGuard
from turnout.history import AssistantMessageBuilder, tool_results_message
from turnout.http.header_order import layer_headers
from turnout.http.redaction import is_credential_header
from turnout.plugins import PluginSet, allowed_from_env
from turnout.request import LLMRequest, ToolResultValue
from turnout.response import Response
from turnout.selection import Selection, Verdict, choose
from turnout.tools import Tool, bridge_tools, run_tool_calls
from turnout.wire import WireRequest

if TYPE_CHECKING:
    import httpx2

    from turnout.http import HTTPClient, RetryPolicy, Timeouts

__all__ = ["Runtime"]

logger = logging.getLogger("turnout.runtime")


class Runtime:
    """The entry point: loads configuration and plugins, and streams requests through them.

    :param native: force the native runtime flag on or off (default: config and environment).
    :param config: a ``Config``, a mapping (validated over the built-in providers), a path to a
        TOML/JSON file, or ``None`` to search the usual places.
    :param plugins: plugin objects or modules to register in code.
    :param load_entry_points: also load installed plugins (entry-point group ``turnout``,
        narrowed by ``$TURNOUT_PLUGINS``).
    :param transport: the network ``httpx2`` transport to use (tests, cassettes, proxies);
        retries still wrap it.
    :param timeouts: HTTP timeouts (``turnout.http.Timeouts``).
    :param retry: the retry policy (``turnout.http.RetryPolicy``).
    """

    def __init__(
        self,
        native: bool | None = None,
        config: Config | Mapping[str, Any] | str | os.PathLike[str] | None = None,
        plugins: Iterable[object] = (),
        load_entry_points: bool = True,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if isinstance(config, Config):
            self.config = config
        elif isinstance(config, Mapping):
            self.config = Config.from_data(config, source="Runtime(config=...)")
        else:
            self.config = load_config(config)
        self.plugins = PluginSet()
        """The registered plugins (``.infos`` for what loaded and what failed)."""
        for plugin in plugins:
            self.plugins.register(plugin)
        if load_entry_points:
            self.plugins.load_entry_points(allowed_from_env())
        self.plugins.call_fanout("turnout_configure", config=self.config)
        self.flags = RuntimeFlags.resolve(self.config, native)
        """The runtime flags in force."""
        self._transport = transport
        self._timeouts = timeouts
        self._retry = retry
        self._http: HTTPClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    # -- HTTP ---------------------------------------------------------------------------------

    @property
    def http(self) -> HTTPClient:
        """The one HTTP client of this runtime (created on first use, per event loop)."""
        from turnout.http import HTTPClient

        loop = _running_loop()
        if self._http is None or (loop is not None and self._http_loop is not None and loop is not self._http_loop):
            self._http = HTTPClient(transport=self._transport, timeouts=self._timeouts, retry=self._retry)
            self._http_loop = loop
        return self._http

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- selection ----------------------------------------------------------------------------

    def resolve(self, request: LLMRequest) -> ResolvedModel:
        """Resolve the request's model against the configuration."""
        return self.config.resolve(request.model)

    def select(self, request: LLMRequest) -> Selection:
        """Which runtime would handle ``request``, and every plugin's verdict with its reason."""
        return self._select(request, self.resolve(request))

    def _select(self, request: LLMRequest, model: ResolvedModel) -> Selection:
        answers, failures = self.plugins.call_fanout(
            "turnout_check_support", request=request, model=model, flags=self.flags
        )
        verdicts = [verdict for answer in answers for verdict in answer]  # in hook call order
        verdicts += [
            Verdict(f"plugin:{f.plugin}", False, f"plugin error: {f.error}", plugin=f.plugin) for f in failures
        ]
        return choose(verdicts, provider=model.provider, model=model.model, owned=self.plugins.owners)

    # -- streaming ----------------------------------------------------------------------------

    def stream(self, request: LLMRequest, *, max_steps: int = 1) -> AsyncIterator[LLMEvent]:
        """Stream the request's events (an async generator; close it to cancel).

        Runs up to ``max_steps`` provider calls: after a step that ends with client tool calls,
        the host tools run and, if steps remain, the model is called again with the results;
        after a step the provider paused (``step-finish`` with ``paused``), it is called again
        with that step's output so it continues its turn. Calls of a provider-defined tool
        without a handler (``Tool.left_to_caller``) are not run: the stream ends there (reason
        ``tool-calls``) and the caller answers them in the next request's ``messages``. The
        stream ends with exactly one ``finish``.
        """
        return self._observed(request, max_steps, None)

    def _observed(self, request: LLMRequest, max_steps: int, used_runtime: list[str] | None) -> AsyncIterator[LLMEvent]:
        """The request's events, through every plugin's ``turnout_stream_request`` wrapper."""
        request_id = os.urandom(8).hex()
        events = self._stream(request, max_steps, used_runtime, request_id)
        caller = self.plugins.hook.turnout_stream_request
        if not caller.get_hookimpls():  # no plugin wraps requests: skip pluggy's per-call setup
            return events
        observed = caller.call_extra([lambda: events], {"request": request, "request_id": request_id})
        if not isinstance(observed, AsyncIterator):
            raise PluginError(
                f"a turnout_stream_request wrapper returned {type(observed).__name__}, expected an async iterator"
            )
        return observed

    async def _stream(
        self, request: LLMRequest, max_steps: int, used_runtime: list[str] | None, request_id: str
    ) -> AsyncIterator[LLMEvent]:
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        model = self.resolve(request)
        tools = bridge_tools(request.tools, lambda tool: self.plugins.hook.turnout_bridge_tool(tool=tool))
        selection = self._select(request, model)
        if selection.runtime is None:
            raise UnsupportedRequestError(f"no runtime can handle {request.model}", verdicts=selection.verdicts)
        guard = StreamGuard()
        cancelled = asyncio.Event()
        candidates = list(selection.candidates)
        current = request
        try:
            for step in range(max_steps):
                runtime, plugin, events, first = await self._open(
                    current, model, tools, candidates, selection, request_id, step
                )
                candidates = [runtime]  # never switch runtimes after the first event
                if used_runtime is not None and not used_runtime:
                    used_runtime.append(runtime)
                builder = AssistantMessageBuilder() if step + 1 < max_steps else None
                guarded = guard.step(events, plugin, first)  # an async generator: closed below
                try:
                    async for event in guarded:
                        if builder is not None:
                            builder.add(event)
                        yield event
                except (TurnoutError, KeyboardInterrupt, GeneratorExit, asyncio.CancelledError):
                    raise
                except Exception as exc:
                    raise PluginError(
                        f"runtime {runtime!r} raised while streaming: {type(exc).__name__}: {exc}", plugin=plugin
                    ) from exc
                finally:
                    await guarded.aclose()  # type: ignore[attr-defined]
                    await _aclose(events)
                record = guard.steps[-1]
                tool_events: list[Any] = []
                left = {tool.name for tool in tools if tool.left_to_caller}
                to_run = [call for call in record.client_calls if call.name not in left]
                if to_run:
                    tool_events = await run_tool_calls(to_run, tools, current.messages, cancelled=cancelled)
                for failed in record.failed_calls:
                    tool_events.append(
                        ToolResult(
                            id=failed.id, name=failed.name, result=ToolResultValue(type="error", value=failed.message)
                        )
                    )
                for event in tool_events:
                    yield event
                left_open = len(to_run) < len(record.client_calls)  # some calls are the caller's to answer
                if builder is None or left_open:
                    break
                if record.reason == "tool-calls" and tool_events:
                    follow_up = [builder.message(), tool_results_message(tool_events)]
                elif record.paused and not record.provider_error and not tool_events:
                    follow_up = [builder.message()]  # the provider continues its own turn
                else:
                    break
                current = current.model_copy(update={"messages": [*current.messages, *follow_up]})
            yield guard.finish()
        finally:
            cancelled.set()

    async def _open(
        self,
        request: LLMRequest,
        model: ResolvedModel,
        tools: list[Tool],
        candidates: list[str],
        selection: Selection,
        request_id: str,
        step: int,
    ) -> tuple[str, str, AsyncIterator[LLMEvent], LLMEvent | None]:
        """Lower, add headers and open the stream on the first candidate that gets that far.

        A candidate that fails before its first event (unsupported input, a plugin bug) is
        skipped, logged with its reason; provider errors (HTTP status, transport) are raised.
        """
        failures: list[Verdict] = []
        for runtime in candidates:
            plugin = self.plugins.owners.get(runtime, "?")
            try:
                wire = self.plugins.runtime_hook("turnout_lower_request", runtime)(
                    request=request, model=model, runtime=runtime, tools=tools
                )
                if not isinstance(wire, WireRequest):
                    raise PluginError(
                        f"turnout_lower_request returned {type(wire).__name__}, expected WireRequest", plugin=plugin
                    )
                wire = wire.model_copy(update={"headers": self._headers(request, model, runtime, wire)})
                events = self.plugins.runtime_hook("turnout_open_stream", runtime)(
                    wire=wire, model=model, runtime=runtime, http=self.http, request_id=request_id, step=step
                )
                if not isinstance(events, AsyncIterator):
                    raise PluginError(
                        f"turnout_open_stream returned {type(events).__name__}, expected an async iterator",
                        plugin=plugin,
                    )
                try:
                    first = await anext(events)
                except StopAsyncIteration:
                    first = None
                return runtime, plugin, events, first
            except (UnsupportedRequestError, PluginError) as exc:
                reason = str(exc)
            except TurnoutError:
                raise
            except Exception as exc:
                reason = f"plugin error: {type(exc).__name__}: {exc}"
            logger.warning(
                "llm runtime failed before its first event; trying the next candidate",
                extra={"runtime": runtime, "reason": reason},
            )
            failures.append(Verdict(runtime, False, reason))
        raise UnsupportedRequestError(
            f"every runtime that supports {request.model} failed before its first event",
            verdicts=[*selection.verdicts, *failures],
        )

    def _headers(self, request: LLMRequest, model: ResolvedModel, runtime: str, wire: WireRequest) -> dict[str, str]:
        """Plugins' headers (credentials only to the model's host), layered by ``layer_headers``."""
        own_host: bool | None = None  # worked out only when a plugin sends a credential header
        answers, _ = self.plugins.call_fanout(
            "turnout_inject_headers", request=request, model=model, runtime=runtime, wire=wire
        )
        injected: list[dict[str, str]] = []
        for extra in answers:  # in hook call order: later answers override earlier ones
            allowed: dict[str, str] = {}
            for name, value in extra.items():
                if is_credential_header(name):
                    if own_host is None:
                        own_host = _same_host(wire.url, model.base_url)
                    if not own_host:
                        logger.warning(
                            "dropped credential header %r from plugin %r: %s is not the host of provider %r",
                            name,
                            getattr(extra, "plugin", "?"),
                            urlsplit(wire.url).hostname,
                            model.provider,
                        )
                        continue
                allowed[name] = value
            injected.append(allowed)
        return layer_headers(request, model, wire.headers, injected)

    async def generate(self, request: LLMRequest, *, max_steps: int = 1) -> Response:
        """Run the request to the end and collect the events into a ``Response``."""
        used: list[str] = []
        events = [event async for event in self._observed(request, max_steps, used)]
        return Response.from_events(events, runtime=used[0] if used else None, response_format=request.response_format)

    # -- sync bridges ---------------------------------------------------------------------------

    def generate_sync(self, request: LLMRequest, *, max_steps: int = 1) -> Response:
        """``generate`` for synchronous code (not from inside a running event loop)."""
        _refuse_running_loop("generate_sync")

        async def run() -> Response:
            try:
                return await self.generate(request, max_steps=max_steps)
            finally:
                await self.aclose()

        return asyncio.run(run())

    def stream_sync(self, request: LLMRequest, *, max_steps: int = 1) -> Iterator[LLMEvent]:
        """``stream`` for synchronous code: a generator of events (not from inside a running loop)."""
        _refuse_running_loop("stream_sync")
        loop = asyncio.new_event_loop()
        events = self.stream(request, max_steps=max_steps)
        try:
            while True:
                try:
                    yield loop.run_until_complete(anext(events))
                except StopAsyncIteration:
                    break
        finally:
            loop.run_until_complete(_aclose(events))
            loop.run_until_complete(self.aclose())
            loop.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _refuse_running_loop(name: str) -> None:
    if _running_loop() is not None:
        raise RuntimeError(
            f"Runtime.{name}() cannot run inside a running event loop; use "
            f"'await runtime.{name.removesuffix('_sync')}(...)' instead"
        )


def _same_host(url: str, base_url: str | None) -> bool:
    if not base_url:
        return False
    return urlsplit(url).hostname == urlsplit(base_url).hostname


async def _aclose(events: AsyncIterator[Any]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()
