"""Retrying a request before its response reaches a parser: ``RetryPolicy`` and ``RetryTransport``.

Only failures where replaying is safe are retried: error statuses the provider marks as
transient, and connections that failed before anything was sent. Once a response with a
successful status is returned, nothing is replayed (a read error in the middle of a body, or an
error event inside a stream, is the caller's to report).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx2

from turnout.http.errors import RETRYABLE_STATUSES, is_quota_exhausted, parse_error_body
from turnout.http.headers import parse_retry_after, should_retry_header

__all__ = ["RetryPolicy", "RetryTransport"]

logger = logging.getLogger("turnout.http.retry")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again."""

    max_retries: int = 2
    """Retries after the first attempt (so at most ``max_retries + 1`` attempts)."""
    statuses: frozenset[int] = field(default=RETRYABLE_STATUSES)
    """Statuses that are retried (``x-should-retry`` overrides this either way)."""
    max_retry_after: float = 60.0
    """The longest ``Retry-After`` honoured; a provider asking for more fails at once."""
    backoff_initial: float = 0.5
    """The wait before the first retry when the provider gave no hint, in seconds."""
    backoff_max: float = 8.0
    """The longest wait between attempts when the provider gave no hint, in seconds."""
    budget: float | None = 30.0
    """The wall time all attempts and waits together may take, in seconds (``None``: no limit).

    A retry whose wait would end past the budget is not made: the last error is raised at
    once (a ``Retry-After: 59`` answer fails after one attempt, not after two minutes)."""

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"RetryPolicy.max_retries must be 0 or more, not {self.max_retries!r}")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"RetryPolicy.budget must be 0 or more seconds or None, not {self.budget!r}")
        for name in ("max_retry_after", "backoff_initial", "backoff_max"):
            if getattr(self, name) < 0:
                raise ValueError(f"RetryPolicy.{name} must be 0 or more seconds, not {getattr(self, name)!r}")

    def backoff(self, retry_number: int) -> float:
        """The wait before retry ``retry_number`` (0 for the first) without a provider hint.

        ``backoff_initial · 2ⁿ`` capped at ``backoff_max``, less up to 25 % random jitter (so
        concurrent clients spread out and the cap still holds).
        """
        delay = min(self.backoff_max, self.backoff_initial * 2.0 ** min(retry_number, 64))
        return delay * random.uniform(0.75, 1.0)

    def delay_after(
        self, status: int, headers: Mapping[str, str], retry_number: int, elapsed: float = 0.0
    ) -> float | None:
        """The wait before retrying after an error response, or ``None`` not to retry it.

        ``x-should-retry: false`` forbids a retry and ``true`` asks for one whatever the status;
        otherwise ``statuses`` decides. ``retry-after-ms`` / ``Retry-After`` set the wait, but a
        wait longer than ``max_retry_after``, or one ending past the ``budget`` (``elapsed``
        seconds of which are spent), is not worth it: the error is raised at once.
        """
        if retry_number >= self.max_retries:
            return None
        explicit = should_retry_header(headers)
        if explicit is False or (explicit is None and status not in self.statuses):
            return None
        hint = parse_retry_after(headers)
        if hint is None:
            return self.within_budget(self.backoff(retry_number), elapsed)
        return self.within_budget(hint, elapsed) if hint <= self.max_retry_after else None

    def within_budget(self, delay: float, elapsed: float) -> float | None:
        """``delay``, or ``None`` when waiting it would end past the budget."""
        if self.budget is not None and elapsed + delay > self.budget:
            return None
        return delay


class _RetryableResponse(Exception):
    """Raised inside a stamina attempt to ask for a retry after an error response."""

    def __init__(self, response: httpx2.Response, delay: float, host: str) -> None:
        super().__init__(f"HTTP {response.status_code} from {host}")
        self.response = response
        self.delay = delay


class RetryTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport layer that retries transient failures with stamina.

    Wraps ``inner`` (the network, a recorder, a mock). Retries error statuses per ``policy``
    and ``httpx2.ConnectError`` / ``ConnectTimeout`` (nothing was sent); the bodies of
    discarded responses are read and closed. The last response is returned as is, its body
    already read, for the client to turn into a typed error. The first attempt is sent directly;
    after a retryable failure stamina takes over (with that failure as its first attempt), so
    ``stamina.set_testing(True, attempts=...)`` makes them instant in tests. Each retry is
    logged as a warning on ``turnout.http.retry`` with the attempt, the wait and the cause
    (stamina's own ``stamina.retry_scheduled`` record carries none of them; the CLI hides it).
    """

    def __init__(self, inner: httpx2.AsyncBaseTransport, policy: RetryPolicy | None = None) -> None:
        self.inner = inner
        """The transport requests are sent through."""
        self.policy = RetryPolicy() if policy is None else policy
        """When to retry and how long to wait."""

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` through ``inner``, retrying while the policy allows."""
        policy = self.policy
        if policy.max_retries == 0:
            return await self.inner.handle_async_request(request)
        started = time.monotonic()
        try:  # the first attempt goes straight out: stamina is only entered after a failure
            return await self._attempt(request, 0, started)
        except (_RetryableResponse, httpx2.ConnectError, httpx2.ConnectTimeout) as exc:
            first_failure = exc
        return await self._retry(request, first_failure, started)

    async def _retry(self, request: httpx2.Request, first_failure: Exception, started: float) -> httpx2.Response:
        """Hand ``first_failure`` to stamina as its first attempt's outcome, then retry as it says."""
        import stamina

        policy = self.policy
        retries = 0
        failure: Exception | None = first_failure

        def backoff_hook(exc: Exception) -> bool | float:
            nonlocal retries
            if isinstance(exc, _RetryableResponse):
                delay: float | None = exc.delay
            elif isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout) and retries < policy.max_retries:
                delay = policy.within_budget(policy.backoff(retries), time.monotonic() - started)
            else:
                return False
            if delay is None:
                return False
            retries += 1
            cause = str(exc) if isinstance(exc, _RetryableResponse) else f"{type(exc).__name__}: {exc}"
            logger.warning(
                "retrying %s %s%s in %.2f s (attempt %d of %d) after %s",
                request.method,
                request.url.host,
                request.url.path,
                delay,
                retries + 1,
                policy.max_retries + 1,
                cause,
            )
            return delay

        try:
            async for attempt in stamina.retry_context(on=backoff_hook, attempts=policy.max_retries + 1, timeout=None):
                with attempt:
                    if failure is not None:  # replayed, so stamina decides, waits and logs as ever
                        replayed, failure = failure, None
                        raise replayed
                    return await self._attempt(request, retries, started)
        except _RetryableResponse as exc:
            return exc.response  # retries used up, or retrying turned off (stamina.set_active)
        raise AssertionError("unreachable: stamina re-raises the last failure")

    async def _attempt(self, request: httpx2.Request, retry_number: int, started: float) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code < 400:
            return response
        elapsed = time.monotonic() - started
        delay = self.policy.delay_after(response.status_code, response.headers, retry_number, elapsed)
        if delay is None:
            return response
        try:
            await response.aread()
        finally:
            await response.aclose()
        if response.status_code == 429 and is_quota_exhausted(*parse_error_body(response.text)):
            return response  # an exhausted quota does not come back by waiting
        raise _RetryableResponse(response, delay, request.url.host)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
