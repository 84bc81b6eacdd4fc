"""Hook implementations of turnout-aisdk-fallback: the ``aisdk-fallback`` runtime.

This module is imported at plugin discovery, so it imports neither pydantic-ai nor any provider
SDK: lowering and streaming load them only when this runtime actually handles a request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from turnout.hookspecs import hookimpl

from turnout_aisdk_fallback.gate import RUNTIME, check_support
from turnout_aisdk_fallback.packages import route_for

if TYPE_CHECKING:
    from turnout.config import ResolvedModel
    from turnout.events import LLMEvent
    from turnout.http import HTTPClient
    from turnout.request import LLMRequest
    from turnout.selection import Verdict
    from turnout.tools import Tool
    from turnout.wire import WireRequest

__all__ = ["turnout_check_support", "turnout_lower_request", "turnout_open_stream"]


@hookimpl
def turnout_check_support(model: ResolvedModel) -> Verdict:
    """Offer ``aisdk-fallback`` (lowest priority) for packages it serves; decline the rest."""
    return check_support(model)


@hookimpl
def turnout_lower_request(
    request: LLMRequest, model: ResolvedModel, runtime: str, tools: list[Tool]
) -> WireRequest | None:
    """Lower the request to pydantic-ai messages and settings (for ``aisdk-fallback`` only)."""
    if runtime != RUNTIME:
        return None
    from turnout.errors import UnsupportedRequestError

    from turnout_aisdk_fallback.lowering import lower_request

    route = route_for(model.package)
    if route is None:
        raise UnsupportedRequestError(f"provider package {model.package!r} is not served by the fallback")
    return lower_request(request, model, route, tools)


@hookimpl
def turnout_open_stream(
    wire: WireRequest, model: ResolvedModel, runtime: str, http: HTTPClient
) -> AsyncIterator[LLMEvent] | None:
    """Stream through pydantic-ai over the core's HTTP client (``aisdk-fallback`` only)."""
    if runtime != RUNTIME:
        return None
    from turnout_aisdk_fallback.stream import open_stream

    return open_stream(wire, model, http)
