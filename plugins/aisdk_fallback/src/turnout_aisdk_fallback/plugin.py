"""Hook implementations of turnout-aisdk-fallback: the ``aisdk-fallback`` runtime.

This module is imported at plugin discovery, so it imports neither pydantic-ai nor any provider
SDK: lowering and streaming load them only when this runtime actually handles a request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from turnout.plugin_api import HOOKS_VERSION, Manifest, hookimpl

from turnout_aisdk_fallback.gate import RUNTIME, check_support
from turnout_aisdk_fallback.packages import route_for

if TYPE_CHECKING:
    from turnout.plugin_api import HTTPClient, LLMEvent, LLMRequest, ResolvedModel, Tool, Verdict, WireRequest

__all__ = ["turnout_check_support", "turnout_lower_request", "turnout_manifest", "turnout_open_stream"]

turnout_manifest = Manifest(hooks_version=HOOKS_VERSION, runtimes=(RUNTIME,))


@hookimpl
def turnout_check_support(model: ResolvedModel, request: LLMRequest) -> Verdict:
    """Offer ``aisdk-fallback`` (lowest priority) for packages it serves and requests it can send
    whole; decline the rest, naming what it cannot send."""
    return check_support(model, request)


@hookimpl
def turnout_lower_request(request: LLMRequest, model: ResolvedModel, tools: list[Tool]) -> WireRequest:
    """Lower the request to pydantic-ai messages and settings."""
    from turnout.errors import UnsupportedRequestError

    from turnout_aisdk_fallback.lowering import lower_request

    route = route_for(model.package)
    if route is None:
        raise UnsupportedRequestError(f"provider package {model.package!r} is not served by the fallback")
    return lower_request(request, model, route, tools)


@hookimpl
def turnout_open_stream(wire: WireRequest, model: ResolvedModel, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Stream through pydantic-ai over the core's HTTP client."""
    from turnout_aisdk_fallback.stream import open_stream

    return open_stream(wire, model, http)
