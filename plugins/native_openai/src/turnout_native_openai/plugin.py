"""Hook implementations of turnout-native-openai: the ``native-openai`` runtime.

Kept import-light: the parser and the lowering load on the first request, not at discovery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from turnout.hookspecs import hookimpl

from turnout_native_openai.gate import RUNTIME, check_support

if TYPE_CHECKING:
    from turnout.config import ResolvedModel, RuntimeFlags
    from turnout.events import LLMEvent
    from turnout.http import HTTPClient
    from turnout.request import LLMRequest
    from turnout.selection import Verdict
    from turnout.tools import Tool
    from turnout.wire import WireRequest


@hookimpl
def turnout_check_support(model: ResolvedModel, flags: RuntimeFlags) -> Verdict:
    """Offer ``native-openai`` for OpenAI-package models with an API key, when the flag is on."""
    return check_support(model, flags)


@hookimpl
def turnout_lower_request(
    request: LLMRequest, model: ResolvedModel, runtime: str, tools: list[Tool]
) -> WireRequest | None:
    """``POST {base}/responses`` with the Responses body, for our runtime only."""
    if runtime != RUNTIME:
        return None
    from turnout_native_openai.lowering import lower_request

    return lower_request(request, model, tools)


@hookimpl
def turnout_open_stream(
    wire: WireRequest, runtime: str, http: HTTPClient
) -> AsyncIterator[LLMEvent] | None:
    """Send the request and parse the Responses stream, for our runtime only."""
    if runtime != RUNTIME:
        return None
    from turnout_native_openai.stream import stream_events

    return stream_events(wire, http)
