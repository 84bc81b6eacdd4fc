"""SDK and pydantic-ai exceptions → ``turnout.errors`` (or an in-stream ``provider-error``).

Provider SDKs report failures in several shapes: an HTTP error status (the SDK keeps the
``httpx2.Response``), an error event inside a 200 stream (pydantic-ai turns it into a
``ModelHTTPError`` with a synthetic status), and transport failures. The core's own errors,
raised by its transport under the SDK, pass through unchanged; HTTP statuses and httpx2
failures are mapped with the core's ``turnout.http`` helpers so every runtime words them alike.
This module imports no SDK: it recognizes them by their attributes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx2
from turnout.errors import StreamDecodeError, TurnoutError
from turnout.plugin_api import (
    ProviderError,
    Timeouts,
    error_from_exception,
    error_from_response,
    is_context_overflow,
    redact_text,
)

__all__ = ["in_stream_error", "map_exception"]

_RETRYABLE = frozenset({"ModelRateLimitError", "ModelUnavailableError", "ModelOverloadedError", "ModelServerError"})
"""pydantic-ai error classes whose in-stream errors may succeed when retried."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _response_of(exc: BaseException) -> httpx2.Response | None:
    """The HTTP response an SDK kept on its error (``response``; mistralai: ``raw_response``)."""
    for item in _chain(exc):
        for name in ("response", "raw_response"):
            response = getattr(item, name, None)
            if isinstance(response, httpx2.Response):
                return response
    return None


def _model_http_error(exc: BaseException) -> Any:
    """pydantic-ai's ``ModelHTTPError`` in the chain (recognized by its fields), if any."""
    for item in _chain(exc):
        if all(hasattr(item, name) for name in ("status_code", "model_name", "body")):
            return item
    return None


def _sse_error_event(exc: BaseException) -> Any:
    """An ``event: error`` frame the openai SDK raised mid-stream (Groq): an ``APIError`` with a body."""
    for item in _chain(exc):
        if type(item).__name__ == "APIError" and isinstance(getattr(item, "body", None), dict):
            return item
    return None


def in_stream_error(exc: BaseException, secrets: Iterable[str] = ()) -> ProviderError | None:
    """The ``provider-error`` for an error reported inside a 200 stream, else ``None``."""
    response = _response_of(exc)
    if response is not None and response.status_code >= 400:
        return None
    error = _model_http_error(exc) or _sse_error_event(exc)
    if error is None:
        return None
    body: dict[str, Any] = error.body if isinstance(error.body, dict) else {}
    nested = body.get("error")
    inner: dict[str, Any] = nested if isinstance(nested, dict) else body
    code = inner.get("code") or inner.get("type")
    text = inner.get("message") or (error.body if isinstance(error.body, str) else None)
    code = str(code) if code else None
    text = redact_text(str(text), list(secrets)) if text else None
    message = f"{code}: {text}" if code and text else text or code or "the provider reported an error"
    names = {cls.__name__ for item in _chain(exc) for cls in type(item).__mro__}
    retryable = bool(names & _RETRYABLE) and "ModelQuotaExceededError" not in names
    if is_context_overflow(200, text, code):
        code = "context-overflow"
    return ProviderError(message=message, code=code, retryable=retryable)


def map_exception(exc: BaseException, *, url: str, timeouts: Timeouts, secrets: Iterable[str] = ()) -> BaseException:
    """The ``turnout.errors`` exception for ``exc`` (``exc`` itself if no provider failure)."""
    secrets = list(secrets)
    for item in _chain(exc):
        if isinstance(item, TurnoutError):
            return item
    response = _response_of(exc)
    if response is not None and response.status_code >= 400:
        body = _body_text(response, exc)
        endpoint = _requested_url(response, url)
        return error_from_response(response.status_code, response.headers, body, endpoint, secrets=secrets)
    error = _model_http_error(exc)
    if error is not None and error.status_code >= 400:
        body = error.body if isinstance(error.body, str) else json.dumps(error.body, default=str)
        return error_from_response(error.status_code, {}, body, url, secrets=secrets)
    for item in _chain(exc):
        if isinstance(item, httpx2.HTTPError | httpx2.InvalidURL):
            return error_from_exception(item, _requested_url(item, url), timeouts=timeouts, reading_body=False)
    if any(type(item).__name__ == "UnexpectedModelBehavior" for item in _chain(exc)):
        detail = redact_text(str(exc), secrets)
        return StreamDecodeError(f"the provider's response could not be decoded: {detail}")
    return exc


def _requested_url(item: object, base_url: str) -> str:
    """The URL the SDK requested (its endpoint under the base URL), else ``base_url``."""
    try:
        return str(item.request.url)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # no request attached (httpx2 raises RuntimeError)
        return base_url


def _body_text(response: httpx2.Response, exc: BaseException) -> str:
    """The error body: the response's, else the one the SDK read off its stream (mistralai)."""
    try:
        return response.text
    except httpx2.ResponseNotRead:
        bodies = (getattr(item, "body", None) for item in _chain(exc))
        return next((body for body in bodies if isinstance(body, str)), "")
