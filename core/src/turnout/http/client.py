"""``HTTPClient``: the one place provider HTTP requests are sent from.

One ``httpx2.AsyncClient`` per runtime, over a ``RetryTransport`` over the network transport
(or whatever transport tests and cassettes swap in). ``stream(wire)`` sends a ``WireRequest``
and hands over the streaming response; every failure comes out as a ``turnout.errors`` type.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib.util
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import httpx2

from turnout.errors import ConfigError, TurnoutError
from turnout.http.errors import error_from_exception, error_from_response, total_timeout_error
from turnout.http.redaction import install_log_redaction, secrets_in_headers, secrets_in_url
from turnout.http.retry import RetryPolicy, RetryTransport
from turnout.http.timeouts import Timeouts

if TYPE_CHECKING:
    from turnout.wire import WireRequest

__all__ = ["DEFAULT_LIMITS", "HTTPClient", "network_transport"]

DEFAULT_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100, keepalive_expiry=30.0)
"""Connection pool limits of the default network transport: room for hundreds of streams."""

_TRANSPORT_VARIABLE = "TURNOUT_HTTP_TRANSPORT"
_TRANSPORT_CHOICES = ("auto", "fast", "httpx2")


def network_transport() -> httpx2.AsyncBaseTransport:
    """The network transport ``HTTPClient`` uses when none is passed.

    ``FastTransport`` (httptools) when ``turnout[fast]`` is installed, else
    ``httpx2.AsyncHTTPTransport``; ``$TURNOUT_HTTP_TRANSPORT`` (``auto``, ``fast`` or ``httpx2``)
    overrides the choice. Raises ``ConfigError`` for ``fast`` without the extra, or an unknown value.
    """
    choice = os.environ.get(_TRANSPORT_VARIABLE, "").strip().lower() or "auto"
    if choice not in _TRANSPORT_CHOICES:
        raise ConfigError(
            f"unknown HTTP transport {choice!r}; expected one of {', '.join(_TRANSPORT_CHOICES)}",
            source=f"${_TRANSPORT_VARIABLE}",
        )
    fast_available = importlib.util.find_spec("httptools") is not None
    if choice == "fast" and not fast_available:
        raise ConfigError(
            "the fast HTTP transport needs httptools: pip install 'turnout[fast]'",
            source=f"${_TRANSPORT_VARIABLE}",
        )
    if choice == "httpx2" or not fast_available:
        return httpx2.AsyncHTTPTransport(limits=DEFAULT_LIMITS)
    from turnout.http.fast_transport import FastTransport

    return FastTransport()


_MAPPED_EXCEPTIONS = (httpx2.HTTPError, httpx2.InvalidURL)

_DRAIN_BYTES = 64 * 1024
"""The most of a body read after its reader finished, to keep the connection for the next request."""
_DRAIN_SECONDS = 1.0
"""The longest wait for the rest of a body after its reader finished."""


class _Chunks:
    """The body's chunk iterator as handed to httpx2: the inner iterator's own ``__anext__``
    (one call per chunk), but no ``aclose``, so a reader's abandoned iterator, finalised in the
    background, cannot close it while ``_ReusableBody.finish`` is reading the rest."""

    __slots__ = ("_next",)

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._next = chunks.__anext__

    def __aiter__(self) -> _Chunks:
        return self

    def __anext__(self) -> Awaitable[bytes]:
        return self._next()


class _ReusableBody(httpx2.AsyncByteStream):
    """A response body whose reading can be finished after its reader stopped.

    A parser stops at the stream's terminal event, a few bytes before the body ends (the last
    chunk marker). Closing the response there throws the connection away; reading those bytes
    first returns it to the pool. A close asked for while that reading goes on waits for it
    (``HTTPClient`` closes the body once the exchange is over, with ``release``).
    """

    __slots__ = ("_chunks", "_finishing", "_inner")

    def __init__(self, inner: httpx2.AsyncByteStream) -> None:
        self._inner = inner
        self._chunks: AsyncIterator[bytes] | None = None
        self._finishing = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = chunks = self._inner.__aiter__()
        return _Chunks(chunks)  # an async iterator, minus aclose

    async def finish(self) -> None:
        """Read the rest of a body already being read, if it is short and comes at once."""
        chunks = self._chunks
        if chunks is None:  # never read: whatever it holds is not worth waiting for
            return
        left = _DRAIN_BYTES
        self._finishing = True
        try:
            async with asyncio.timeout(_DRAIN_SECONDS):
                async for chunk in chunks:
                    left -= len(chunk)
                    if left < 0:
                        return
        except (httpx2.HTTPError, builtins.TimeoutError):
            return  # the connection is closed instead; the caller already has everything
        finally:
            self._finishing = False

    async def aclose(self) -> None:
        if not self._finishing:
            await self.release()

    async def release(self) -> None:
        """Close the body (again: closing twice is harmless), whatever reads it."""
        chunks = self._chunks
        if isinstance(chunks, AsyncGenerator):
            await chunks.aclose()
        await self._inner.aclose()


class HTTPClient:
    """Sends provider requests with retries, timeouts and typed errors.

    :param transport: the transport under the retry layer; defaults to the network
        (``network_transport()``). Tests pass a mock or a cassette here.
    :param timeouts: connect / first-byte / idle / total limits (defaults: ``Timeouts()``).
    :param retry: the retry policy (defaults: ``RetryPolicy()``).
    """

    def __init__(
        self,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        install_log_redaction()
        self.timeouts = Timeouts() if timeouts is None else timeouts
        """The time limits applied to every request."""
        network = network_transport() if transport is None else transport
        self.retry_transport = RetryTransport(network, retry)
        """The retry layer over the network transport."""
        self.client = httpx2.AsyncClient(
            transport=self.retry_transport, timeout=self.timeouts.as_httpx(read=self.timeouts.idle)
        )
        """The shared ``httpx2.AsyncClient``: SDKs built on it get the same retries and timeouts."""
        self._send_timeout = self.timeouts.as_httpx(read=self.timeouts.effective_first_byte)
        self._body_timeout = self.timeouts.as_httpx(read=self.timeouts.idle).as_dict()

    @asynccontextmanager
    async def stream(self, wire: WireRequest) -> AsyncIterator[httpx2.Response]:
        """Send ``wire`` and yield the streaming response (status 2xx), closed on exit.

        A redirect (3xx) raises ``RedirectError``; an error status raises the matching
        ``ProviderHTTPError`` subclass (body read and redacted). httpx2 failures, while sending
        and while the block reads the body, raise ``TransportError`` or ``TimeoutError``
        (``phase`` = ``connect``, ``first_byte``, ``idle`` or ``total``; ``wire.timeout``, when
        set, is the total limit for this request). Leaving the block early (an exception, or the
        task cancelled) closes the connection; leaving it normally first reads what is left of
        the body (up to 64 KiB, within a second), so the connection goes back to the pool for
        the next request.

        >>> async with http.stream(wire) as response:  # doctest: +SKIP
        ...     async for chunk in response.aiter_bytes(): ...
        """
        timeouts = self.timeouts if wire.timeout is None else replace(self.timeouts, total=wire.timeout)
        total = timeouts.total
        if total is None:
            async with self._exchange(wire) as response:
                yield response
            return
        deadline = asyncio.timeout(total)
        try:
            async with deadline, self._exchange(wire) as response:
                yield response
        except builtins.TimeoutError as exc:
            if deadline.expired() and not isinstance(exc, TurnoutError):
                raise total_timeout_error(wire.url, timeouts) from None
            raise

    @asynccontextmanager
    async def _exchange(self, wire: WireRequest) -> AsyncIterator[httpx2.Response]:
        url = wire.url
        try:
            request = self.client.build_request(
                wire.method,
                url,
                headers=wire.headers,
                json=wire.json_body,
                timeout=self._send_timeout,
            )
            response = await self.client.send(request, stream=True)
        except _MAPPED_EXCEPTIONS as exc:
            raise error_from_exception(exc, url, timeouts=self.timeouts, reading_body=False) from exc
        body: _ReusableBody | None = None
        try:
            if response.status_code >= 300:  # redirects are not followed: a 3xx is an error too
                try:
                    await response.aread()
                except httpx2.HTTPError as exc:
                    raise error_from_exception(exc, url, timeouts=self.timeouts, reading_body=True) from exc
                raise error_from_response(
                    response.status_code,
                    response.headers,
                    response.text,
                    url,
                    secrets=[*secrets_in_headers(request.headers.items()), *secrets_in_url(url)],
                ) from None
            # From here on a read timeout is the gap between chunks: httpcore reads this
            # mapping when the body starts streaming.
            request.extensions["timeout"] = self._body_timeout
            if isinstance(response.stream, httpx2.AsyncByteStream):
                response.stream = body = _ReusableBody(response.stream)
            try:
                yield response
            except httpx2.HTTPError as exc:
                raise error_from_exception(exc, url, timeouts=self.timeouts, reading_body=True) from exc
            if body is not None and not response.is_closed:
                await body.finish()
        finally:
            if body is not None:
                await body.release()
            await response.aclose()

    async def aclose(self) -> None:
        """Close the client and its connections."""
        await self.client.aclose()

    async def __aenter__(self) -> HTTPClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
