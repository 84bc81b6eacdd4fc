"""Turning HTTP failures into ``turnout.errors``: error statuses, and httpx2 exceptions.

``error_from_response`` maps a status and body to the typed ``ProviderHTTPError`` subclasses;
``error_from_exception`` maps what httpx2 raises while sending or reading to ``TransportError``
and ``TimeoutError``. Every message, body excerpt and URL is redacted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from turnout.errors import (
    AuthenticationError,
    ContextOverflowError,
    InvalidRequestError,
    ProviderHTTPError,
    ProviderServerError,
    RateLimitError,
    RedirectError,
    TimeoutError,
    TransportError,
)
from turnout.http.headers import parse_retry_after, request_id, should_retry_header
from turnout.http.redaction import excerpt, redact_text, redact_url

if TYPE_CHECKING:
    from turnout.http.timeouts import Timeouts

__all__ = [
    "BODY_EXCERPT_LIMIT",
    "RETRYABLE_STATUSES",
    "error_from_exception",
    "error_from_response",
    "is_context_overflow",
    "is_quota_exhausted",
    "parse_error_body",
    "total_timeout_error",
]

BODY_EXCERPT_LIMIT = 2000
"""The longest body excerpt an error keeps, in characters."""

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
"""Statuses after which the same request may succeed later."""

_INVALID_REQUEST_STATUSES = frozenset({400, 404, 409, 413, 422})
_SHORT_BODY = 500  # a body this short is quoted in the message when it has no parsable message

_OVERFLOW_CODES = frozenset({"context_length_exceeded", "model_context_window_exceeded", "string_above_max_length"})
_OVERFLOW_PATTERN = re.compile(
    r"prompt is too long"
    r"|input is too long"
    r"|exceeds? (?:the )?(?:model'?s? )?(?:maximum )?context (?:window|length|size)"
    r"|maximum context length is \d+"
    r"|context[ _]length[ _]exceeded"
    r"|context window (?:exceeds|exceeded|is exceeded)"
    r"|greater than the context length"
    r"|exceeds the available context size"
    r"|input token count.*exceeds the maximum"
    r"|reduce the length of the messages"
    r"|request entity too large"
    r"|too many tokens",
    re.IGNORECASE,
)
_NOT_OVERFLOW_PATTERN = re.compile(r"rate.?limit|too many requests|service unavailable:", re.IGNORECASE)
_QUOTA_PATTERN = re.compile(r"insufficient[ _]quota|exceeded your current quota|quota exceeded", re.IGNORECASE)


def _parse_body(body_text: str) -> dict[str, Any] | None:
    if not body_text.lstrip().startswith("{"):
        return None
    try:
        body = json.loads(body_text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def parse_error_body(body_text: str) -> tuple[str | None, str | None]:
    """The provider's error message and code from an error body (``None`` where absent)."""
    return _message_and_code(_parse_body(body_text))


def _message_and_code(body: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The provider's error message and machine-readable code from the common JSON shapes.

    ``{"error": {"message", "code" | "type" | "status"}}`` (OpenAI, Anthropic, Google),
    ``{"error": "text"}``, and top-level ``message`` / ``detail`` / ``code``.
    """
    if body is None:
        return None, None
    error = body.get("error")
    source = error if isinstance(error, dict) else body
    message = source.get("message")
    if not isinstance(message, str) or not message:
        message = error if isinstance(error, str) and error else body.get("detail")
    code = next(
        (value for key in ("code", "type", "status") if isinstance(value := source.get(key), str) and value),
        None,
    )
    if code == "error" and source is body:  # Anthropic's top-level "type": "error" says nothing
        code = None
    return (message if isinstance(message, str) and message else None), code


def is_context_overflow(status: int, message: str | None, code: str | None, body_text: str = "") -> bool:
    """Whether an error says the prompt does not fit the model's context window."""
    if code in _OVERFLOW_CODES:
        return True
    text = message or body_text
    if not text.strip():
        return status in (400, 413)  # some providers answer an oversized prompt with a bare status
    return not _NOT_OVERFLOW_PATTERN.search(text) and bool(_OVERFLOW_PATTERN.search(text))


def is_quota_exhausted(message: str | None, code: str | None) -> bool:
    """Whether a rate-limit error is an exhausted quota or budget (waiting will not help)."""
    return code == "insufficient_quota" or bool(message and _QUOTA_PATTERN.search(message))


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "the provider"
    except ValueError:
        return "the provider"


def _error_class(status: int, overflow: bool) -> type[ProviderHTTPError]:
    if 300 <= status < 400:
        return RedirectError
    if status in (401, 403):
        return AuthenticationError
    if status == 429:
        return RateLimitError
    if status in _INVALID_REQUEST_STATUSES:
        return ContextOverflowError if overflow else InvalidRequestError
    if status >= 500:
        return ProviderServerError
    return ProviderHTTPError


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body_text: str,
    url: str,
    *,
    secrets: Iterable[str] = (),
) -> ProviderHTTPError:
    """The typed error for an HTTP error (status ≥ 400) or redirect (3xx) response.

    3xx → ``RedirectError`` (provider redirects are never followed: the base URL is wrong);
    401/403 → ``AuthenticationError``; 429 → ``RateLimitError``; 400/404/409/413/422 →
    ``InvalidRequestError`` (``ContextOverflowError`` when the error says the prompt is too
    long); 5xx → ``ProviderServerError``; anything else → ``ProviderHTTPError``.

    :param status: the HTTP status code.
    :param headers: the response headers (``Retry-After``, ``x-should-retry``, request ids).
    :param body_text: the response body as text.
    :param url: the request URL (redacted before it is kept).
    :param secrets: credential values that were sent, scrubbed from the message and body even
        when the provider echoes them.
    """
    secrets = list(secrets)
    body = _parse_body(body_text)
    provider_message, code = _message_and_code(body)
    if provider_message is not None:
        provider_message = redact_text(provider_message, secrets)
    overflow = status in _INVALID_REQUEST_STATUSES and is_context_overflow(status, provider_message, code, body_text)
    quota = status == 429 and is_quota_exhausted(provider_message, code)
    retry_after = parse_retry_after(headers)
    explicit_retry = should_retry_header(headers)
    retryable = not quota and (status in RETRYABLE_STATUSES if explicit_retry is None else explicit_retry)
    rid = request_id(headers)
    if rid is None and body is not None and isinstance(body.get("request_id"), str):
        rid = body["request_id"]
    body_excerpt = excerpt(body_text, BODY_EXCERPT_LIMIT, secrets)

    detail = provider_message
    if 300 <= status < 400:
        location = next((v for k, v in headers.items() if k.lower() == "location"), None)
        target = f" to {redact_url(location)}" if location else ""
        detail = (
            f"the provider redirected the request{target}; redirects are not followed "
            "(check the provider's base URL: api / options.baseURL)"
        )
    elif detail is None:
        compact = " ".join(body_excerpt.split())
        if compact and len(compact) <= _SHORT_BODY:
            detail = compact
        else:
            try:
                detail = HTTPStatus(status).phrase + (" (no body)" if not compact else "")
            except ValueError:
                detail = "no body" if not compact else "unreadable error body"
    notes = [f"code {code}"] if code else []
    if retry_after is not None:
        notes.append(f"retry after {retry_after:g} s")
    if rid:
        notes.append(f"request id {rid}")
    suffix = f" ({', '.join(notes)})" if notes else ""
    message = f"request to {_host(url)} failed with HTTP {status}: {detail}{suffix}"
    message = redact_text(message, secrets)
    return _error_class(status, overflow)(
        message,
        status=status,
        body=body_excerpt,
        request_id=rid,
        retryable=retryable,
        retry_after=retry_after,
        code=code,
        url=redact_url(url),
    )


def _seconds(value: float | None) -> str:
    return "no limit" if value is None else f"{value:g} s"


def error_from_exception(exc: BaseException, url: str, *, timeouts: Timeouts, reading_body: bool) -> TransportError:
    """The ``TransportError`` (or ``TimeoutError``) for an exception httpx2 raised.

    :param exc: what httpx2 raised (``httpx2.HTTPError`` or ``httpx2.InvalidURL``).
    :param url: the request URL (redacted before it is kept).
    :param timeouts: the limits in force, named in timeout messages.
    :param reading_body: whether the response body was being read (a read timeout then is an
        idle gap, not a slow first byte).
    """
    import httpx2

    host = _host(url)
    safe_url = redact_url(url)
    if isinstance(exc, httpx2.ConnectTimeout | httpx2.PoolTimeout):
        return TimeoutError(
            f"connecting to {host} timed out after {_seconds(timeouts.connect)}",
            url=safe_url,
            phase="connect",
        )
    if isinstance(exc, httpx2.ReadTimeout) and reading_body:
        return TimeoutError(
            f"{host} sent nothing for {_seconds(timeouts.idle)} while streaming (idle timeout)",
            url=safe_url,
            phase="idle",
        )
    if isinstance(exc, httpx2.TimeoutException):
        return TimeoutError(
            f"{host} did not answer within {_seconds(timeouts.effective_first_byte)} (first-byte timeout)",
            url=safe_url,
            phase="first_byte",
        )
    detail = redact_text(str(exc).replace(url, safe_url)) or "no details"
    if isinstance(exc, httpx2.InvalidURL | httpx2.UnsupportedProtocol):
        action = "cannot send the request"
    elif isinstance(exc, httpx2.ConnectError):
        action = f"could not connect to {host}"
    elif reading_body:
        action = f"the connection to {host} broke while reading the response"
    else:
        action = f"sending the request to {host} failed"
    return TransportError(f"{action}: {type(exc).__name__}: {detail}", url=safe_url)


def total_timeout_error(url: str, timeouts: Timeouts) -> TimeoutError:
    """The error for an exchange that outlived ``timeouts.total``."""
    return TimeoutError(
        f"the exchange with {_host(url)} outlasted the total timeout of {_seconds(timeouts.total)}",
        url=redact_url(url),
        phase="total",
    )
