"""Reading the response headers that steer retries and diagnostics."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from datetime import datetime

__all__ = ["REQUEST_ID_HEADERS", "parse_retry_after", "request_id", "should_retry_header"]

REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-goog-request-id",
    "cf-ray",
)
"""Headers that carry the provider's request id, most specific first."""

_ANTHROPIC_RATELIMIT = "anthropic-ratelimit-"


def _get(headers: Mapping[str, str], name: str) -> str | None:
    """A header value by case-insensitive name (``name`` is lower case)."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the provider asks to wait: ``retry-after-ms``, else ``Retry-After``, else the
    latest ``anthropic-ratelimit-<limit>-reset`` among the limits whose ``-remaining`` is 0.

    ``Retry-After`` may be seconds or an HTTP date; Anthropic's resets are RFC 3339 times.
    Negative values count as 0; unparsable or absent values give ``None``.
    """
    milliseconds = _get(headers, "retry-after-ms")
    if milliseconds is not None:
        try:
            value = float(milliseconds)
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return max(value / 1000, 0.0)
    retry_after = _get(headers, "retry-after")
    if retry_after is None:
        return _anthropic_reset(headers, time.time() if now is None else now)
    try:
        value = float(retry_after)
    except ValueError:
        try:
            date = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            return None
        value = date.timestamp() - (time.time() if now is None else now)
    return max(value, 0.0) if math.isfinite(value) else None


def _anthropic_reset(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until every exhausted Anthropic rate limit resets (``None`` when none is exhausted)."""
    waits = []
    for name, value in headers.items():
        lowered = name.lower()
        if not (lowered.startswith(_ANTHROPIC_RATELIMIT) and lowered.endswith("-remaining")):
            continue
        if value.strip() != "0":
            continue
        reset = _get(headers, lowered.removesuffix("-remaining") + "-reset")
        try:
            at = datetime.fromisoformat(reset.strip().replace("Z", "+00:00")) if reset else None
        except ValueError:
            at = None
        if at is not None and at.tzinfo is not None:
            waits.append(max(at.timestamp() - now, 0.0))
    return max(waits) if waits else None


def should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The provider's explicit ``x-should-retry`` verdict, or ``None`` when it gave none."""
    value = _get(headers, "x-should-retry")
    if value is None:
        return None
    value = value.strip().lower()
    return True if value == "true" else False if value == "false" else None


def request_id(headers: Mapping[str, str]) -> str | None:
    """The provider's request id, from the first request-id header present."""
    for name in REQUEST_ID_HEADERS:
        value = _get(headers, name)
        if value:
            return value
    return None
