# mypy: disable-error-code="empty-body"
"""The plugin contract: every hook a turnout plugin may implement.

This module holds only hook declarations (pytest's ``hookspec.py`` is the model). Hooks are
synchronous; the streaming hook returns an async iterator. An implementation declares only the
arguments it uses, decorated with ``turnout.hookimpl``; implementations are checked against
these declarations when the plugin is registered, not when they are called.

Every plugin declares ``turnout_manifest = Manifest(hooks_version=HOOKS_VERSION, runtimes=…)``.
Every hook is called through pluggy's hook caller, so ``tryfirst``/``trylast`` and wrappers
(``@hookimpl(wrapper=True)``) work as pluggy documents them. Three kinds of call:

- **Fan-out hooks** (``turnout_configure``, ``turnout_check_support``,
  ``turnout_inject_headers``, ``turnout_register_commands``) call every plugin, each isolated:
  an implementation that raises is logged, skipped and reported (``Runtime.plugins.failures``),
  and the others still run.
- **Runtime hooks** (``turnout_lower_request``, ``turnout_open_stream``) call only the plugin
  that owns the chosen runtime (its manifest's ``runtimes``), plus every plugin's wrappers. An
  exception from one (other than a ``turnout.errors.TurnoutError``) becomes a ``PluginError``
  naming the plugin. ``turnout_bridge_tool`` is first-result over every plugin, raising likewise.
- **The request hook** (``turnout_stream_request``) takes wrappers only: the core supplies the
  whole request's event stream and every plugin's wrappers may observe or replace it.

Bump ``HOOKS_VERSION`` when a hook changes incompatibly: plugins built for another version are
refused at load.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from turnout.commands import CLI
    from turnout.config import Config, ResolvedModel, RuntimeFlags
    from turnout.events import LLMEvent
    from turnout.http import HTTPClient
    from turnout.request import LLMRequest
    from turnout.selection import Verdict
    from turnout.tools import Tool
    from turnout.wire import WireRequest

PROJECT_NAME = "turnout"
HOOKS_VERSION = 2
"""The version of this contract; plugins declare the one they implement in their ``Manifest``."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -------------------------------------------------------------------------
# Configuration
# -------------------------------------------------------------------------


@hookspec
def turnout_configure(config: Config) -> None:
    """Adjust the configuration once it is loaded.

    Called once per ``Runtime``, for every plugin, each isolated, after the configuration file
    and the built-in providers are loaded and before any request. A plugin may add providers or models,
    or merge remote configuration underneath the local one with ``config.merge_under(...)``.
    It may also export environment variables that ``{env:…}`` templates read, since templates
    resolve per request.

    :param config: the configuration, mutable.
    :returns: ``None``.
    """


# -------------------------------------------------------------------------
# Selection
# -------------------------------------------------------------------------


@hookspec
def turnout_check_support(
    request: LLMRequest, model: ResolvedModel, flags: RuntimeFlags
) -> Verdict | list[Verdict] | None:
    """Say whether a runtime can handle the request.

    Called for every request, for every plugin, each call isolated: a plugin that raises is
    logged and counted as declining with reason ``plugin error: …``. Any plugin may answer for
    any runtime: a ``supported=False`` verdict vetoes that runtime whoever owns it. Among
    runtimes with a supported verdict and no veto the highest ``priority`` wins.

    :param request: the caller's request.
    :param model: the resolved model (provider, package, base URL, credentials).
    :param flags: the runtime flags (``flags.native``: may the native runtime be used).
    :returns: a ``Verdict``, a list of them, or ``None`` to abstain.
    """


# -------------------------------------------------------------------------
# Lowering and sending
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def turnout_lower_request(request: LLMRequest, model: ResolvedModel, runtime: str, tools: list[Tool]) -> WireRequest:
    """Turn the request into what the runtime sends.

    Called only on the plugin that owns the chosen runtime (and on every plugin's wrappers).
    Raise ``turnout.errors.UnsupportedRequestError`` for input the runtime cannot lower (e.g. a
    file type): nothing has been sent yet, so the core falls back to the next candidate runtime
    and records why.

    :param request: the caller's request (for a multi-step loop, with earlier steps appended).
    :param model: the resolved model.
    :param runtime: the runtime id being lowered for (one of yours; needed only by plugins
        owning several).
    :param tools: the host tools, already bridged to ``turnout.Tool``.
    :returns: a ``WireRequest``.
    """


@hookspec
def turnout_inject_headers(
    request: LLMRequest, model: ResolvedModel, runtime: str, wire: WireRequest
) -> Mapping[str, str] | None:
    """Add HTTP headers to the request about to be sent.

    Called for every request, for every plugin, after lowering and before sending, in plugin
    order (use ``tryfirst``/``trylast`` to move), each isolated: a plugin that raises is logged,
    skipped and reported, and the request goes on. Headers the caller set on the request win
    over what plugins return. Credentials (``authorization``, ``x-api-key``, ``x-org-id`` …) are
    dropped, with a warning, unless ``wire.url`` points at the model's own host.

    :param request: the caller's request, as given.
    :param model: the resolved model (provider, package, base URL, credentials).
    :param runtime: the id of the runtime that will send it, e.g. ``"native-openai"``.
    :param wire: the lowered request; do not mutate it, return headers instead.
    :returns: headers to merge, or ``None`` to add nothing.
    """


@hookspec(firstresult=True)
def turnout_open_stream(
    wire: WireRequest, model: ResolvedModel, runtime: str, http: HTTPClient, request_id: str, step: int
) -> AsyncIterator[LLMEvent]:
    """Send the request and stream its events.

    Called only on the plugin that owns the chosen runtime. A wrapper
    (``@hookimpl(wrapper=True)``, in any plugin) receives the owner's iterator from ``yield``
    and returns the iterator to use instead: that is how tracing and policy plugins observe or
    transform every event of every runtime. The
    iterator covers one provider call ("step"): content events, then one ``step-finish``.
    The core's stream guard numbers steps, fills in what is safe to fill (a missing
    ``step-start``, unclosed blocks), reports contract breaks as ``PluginError``, runs host
    tools and emits the single final ``finish``. In-stream provider errors are yielded as
    ``provider-error`` events; HTTP, transport and decoding failures are raised.

    :param wire: the lowered request with every header merged.
    :param model: the resolved model.
    :param runtime: the runtime id.
    :param http: the runtime's HTTP client (retries, timeouts, recording, typed errors);
        ``http.client`` is the underlying ``httpx2.AsyncClient`` for SDKs.
    :param request_id: the id of the request this step belongs to: the one
        ``turnout_stream_request`` received (so an observer can tie steps to their request).
    :param step: the step's number in its request: 0, 1, 2… (a candidate runtime tried after
        another failed before its first event gets the same number).
    :returns: an async iterator of events.
    """


@hookspec(firstresult=True)
def turnout_stream_request(request: LLMRequest, request_id: str) -> AsyncIterator[LLMEvent]:
    """Observe or transform every event of one whole request; implement it as a wrapper only.

    Called once per ``Runtime.stream`` / ``generate`` call, before anything is resolved or sent.
    The core supplies the stream: a wrapper (``@hookimpl(wrapper=True)``, in any plugin)
    receives it from ``yield`` and returns the iterator to use instead. It carries every step
    (each ``turnout_open_stream`` call, after the guard), the results of host tools, and the
    final ``finish``. Errors raised by the request (selection, HTTP, transport) come out of
    it, and a consumer that stops early closes it (``GeneratorExit``), so a wrapper sees how
    the request ended; it should close the iterator it received (``contextlib.aclosing``).
    A plain implementation is refused at registration. Nothing runs until the stream is
    iterated.

    :param request: the caller's request, as given.
    :param request_id: a fresh id for this request (not the provider's), also passed to each
        of its ``turnout_open_stream`` calls.
    :returns: an async iterator of events.
    """


# -------------------------------------------------------------------------
# Tools
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def turnout_bridge_tool(tool: Any) -> Tool | None:
    """Turn a host tool of some other shape into a ``turnout.Tool``.

    Called once per tool in ``request.tools`` that is neither a ``turnout.Tool`` nor a plain
    function (those the core handles). First non-``None`` answer wins; an implementation that
    raises fails the request with a ``PluginError`` naming the plugin.

    :param tool: the object the caller put in ``request.tools``.
    :returns: a ``turnout.Tool``, or ``None`` if the shape is not yours.
    """


# -------------------------------------------------------------------------
# Command line
# -------------------------------------------------------------------------


@hookspec
def turnout_register_commands(cli: CLI) -> None:
    """Add commands to the ``turnout`` command line.

    Called once, for every plugin, when the CLI starts, each isolated.

    :param cli: the command registry; ``cli.add_command(name, help=…, handler=…)`` returns an
        ``argparse.ArgumentParser`` to add options to.
    :returns: ``None``.
    """
