"""Hook implementations of turnout-native-openai: the ``native-openai`` runtime.

Kept import-light: the parser and the lowering load on the first request, not at discovery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

from turnout_native_openai.gate import RUNTIME, check_support

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
    """Offer ``native-openai`` for OpenAI-package models with an API key, when the flag is on
    and the request asks for nothing the Responses API cannot do."""
    return check_support(model, flags, request)


@hookimpl
def turnout_lower_request(request: LLMRequest, model: ResolvedModel, tools: list[Tool]) -> WireRequest:
    """``POST {base}/responses`` with the Responses body."""
    from turnout_native_openai.lowering import lower_request

    return lower_request(request, model, tools)


@hookimpl
def turnout_open_stream(wire: WireRequest, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Send the request and parse the Responses stream."""
    from turnout_native_openai.stream import stream_events

    return stream_events(wire, http)
