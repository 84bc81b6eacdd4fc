"""Hook implementations of turnout-native-anthropic: the ``native-anthropic`` runtime.

Kept import-light: the parser and the lowering load on the first request, not at discovery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

from turnout_native_anthropic.gate import RUNTIME, check_support

if TYPE_CHECKING:
    from turnout.plugin_api import (
        HTTPClient,
        LLMEvent,
        LLMRequest,
        ResolvedModel,
        RuntimeFlags,
        Tool,
        Verdict,
        WireRequest,
    )


turnout_manifest = Manifest(hooks_version=HOOKS_VERSION, runtimes=(RUNTIME,))


@hookimpl
def turnout_check_support(request: LLMRequest, model: ResolvedModel, flags: RuntimeFlags) -> Verdict:
    """Offer ``native-anthropic`` for Anthropic-package models with an API key, when the flag is on."""
    return check_support(request, model, flags)


@hookimpl
def turnout_lower_request(request: LLMRequest, model: ResolvedModel, tools: list[Tool]) -> WireRequest:
    """``POST {base}/messages`` with the Messages body."""
    from turnout_native_anthropic.lowering import lower_request

    return lower_request(request, model, tools)


@hookimpl
def turnout_open_stream(wire: WireRequest, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Send the request and parse the Messages stream."""
    from turnout_native_anthropic.stream import stream_events

    return stream_events(wire, http)
