"""OpenAI-style errors: ``GatewayError`` and how turnout's exceptions map to HTTP statuses.

Every error the gateway answers with has the body OpenAI clients parse::

    {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": "..."}}

Upstream failures map as a client of OpenAI would expect from OpenAI itself: bad input 400,
unknown model 404, rate limits 429 with ``Retry-After``, an upstream that failed or answered
badly 502, one that timed out 504. Upstream credential failures are the gateway's problem, not
the caller's, so they are a 502 (a 401 always means the gateway key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from turnout import errors

__all__ = ["GatewayError", "from_exception"]


@dataclass(slots=True)
class GatewayError(Exception):
    """An error answered to the client as an OpenAI-style error body."""

    status: int
    """The HTTP status."""
    message: str
    """A readable message (never a secret)."""
    type: str = "invalid_request_error"
    """OpenAI's error type, e.g. ``invalid_request_error``, ``authentication_error``."""
    code: str | None = None
    """A machine-readable code, e.g. ``model_not_found``."""
    param: str | None = None
    """The request field at fault, when one is."""
    retry_after: float | None = None
    """Seconds to wait before retrying (sent as ``Retry-After`` on 429)."""

    def __str__(self) -> str:
        return self.message

    def body(self) -> dict[str, Any]:
        """The JSON body: ``{"error": {...}}``."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def headers(self) -> dict[str, str]:
        """Extra response headers (``Retry-After`` in whole seconds, when known)."""
        if self.retry_after is None:
            return {}
        return {"retry-after": str(max(0, math.ceil(self.retry_after)))}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> GatewayError:
    """A 400 for a request the gateway cannot accept."""
    return GatewayError(400, message, param=param, code=code)


def from_exception(exc: BaseException) -> GatewayError:
    """The ``GatewayError`` for an exception raised while handling a request."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, errors.ConfigError):
        return GatewayError(404, str(exc), code="model_not_found", param="model")
    if isinstance(exc, errors.UnsupportedRequestError):
        return GatewayError(400, str(exc), code="unsupported_request")
    if isinstance(exc, errors.RateLimitError):
        return GatewayError(
            429, f"upstream rate limit: {exc}", type="rate_limit_error", code=exc.code, retry_after=exc.retry_after
        )
    if isinstance(exc, errors.AuthenticationError):
        return GatewayError(
            502, f"the upstream provider refused the gateway's credentials: {exc}", type="upstream_error"
        )
    if isinstance(exc, errors.ContextOverflowError):
        return GatewayError(400, str(exc), code=exc.code or "context_length_exceeded")
    if isinstance(exc, errors.InvalidRequestError):
        status = 404 if exc.status == 404 else 400
        return GatewayError(status, str(exc), code=exc.code)
    if isinstance(exc, errors.ProviderHTTPError):
        return GatewayError(502, f"upstream error: {exc}", type="upstream_error", code=exc.code)
    if isinstance(exc, errors.TimeoutError):
        return GatewayError(504, f"upstream timed out: {exc}", type="timeout_error", code=exc.phase)
    if isinstance(exc, errors.TransportError | errors.StreamDecodeError | errors.PluginError):
        return GatewayError(502, f"upstream error: {exc}", type="upstream_error")
    if isinstance(exc, errors.TurnoutError):
        return GatewayError(502, str(exc), type="upstream_error")
    return GatewayError(500, "internal gateway error", type="server_error")
