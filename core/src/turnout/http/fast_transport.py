"""``FastTransport``: an HTTP/1.1 network transport on httptools' C parser (``turnout[fast]``).

A drop-in for ``httpx2.AsyncHTTPTransport`` under the retry layer: a keep-alive connection
pool per (scheme, host, port) honouring ``httpx2.Limits``, TLS with httpx2's own SSL context
(``verify``, ``SSL_CERT_FILE``), content-length, chunked and close-delimited bodies, and the
timeouts of ``request.extensions["timeout"]`` (the read limit is read again at every wait, so
the client's switch to the idle limit for the body applies). Failures raise the httpx2
exceptions httpcore would, so error mapping, retries and redaction work unchanged.

The body path is lean: each network read is parsed in C, the body bytes it holds are handed
over in one piece, and a waiter (with its timer) exists only while the buffer is empty.
HTTP/1.1 only, no proxies (environment proxies are routed by httpx2's client around it).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import httptools
import httpx2

from turnout.http.client import DEFAULT_LIMITS

__all__ = ["FastTransport"]

_HIGH_WATER = 256 * 1024
"""Buffered body bytes above which the socket stops being read until the reader catches up."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _timeout(request: httpx2.Request, phase: str) -> float | None:
    limits: dict[str, float | None] = request.extensions.get("timeout", {})
    return limits.get(phase)


def _settle(waiter: asyncio.Future[bool], value: bool) -> None:
    """Wake a waiting reader: ``True`` for news from the server, ``False`` for its timeout."""
    if not waiter.done():
        waiter.set_result(value)


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: the socket protocol, the parser's callbacks and the body buffer."""

    def __init__(self, pool: FastTransport, key: tuple[str, str, int]) -> None:
        self._pool = pool
        self.key = key
        self.loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._slot_held = True
        self._paused = False
        self._write_waiter: asyncio.Future[None] | None = None
        self._waiter: asyncio.Future[bool] | None = None
        self._reset()

    def _reset(self) -> None:
        """Get ready for the next response (the pool hands the connection out again)."""
        self._parser: Any = None
        self.body_stream: _Body | None = None
        """The body handed out for the response in progress (``None`` once it is over)."""
        self._status = 0
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._headers_done = False
        self._close_delimited = False
        self._bodiless = False
        self.done = False
        self._reusable = True
        self._error: Exception | None = None
        self.received = False
        """Whether any byte of the response arrived."""
        self._eof = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None or self.done:  # nothing asked for: the server broke the protocol
            self._reusable = False
            self.close()
            return
        self.received = True
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx2.RemoteProtocolError("the server switched protocols, which is not supported"))
        except httptools.HttpParserError as exc:
            self._fail(httpx2.RemoteProtocolError(f"malformed HTTP response: {exc}"))
        if self._buffered > _HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        self._end_of_stream()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_of_stream()
        self.closed = True
        self._release_slot()
        waiter = self._write_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_waiter = self.loop.create_future()

    def resume_writing(self) -> None:
        waiter, self._write_waiter = self._write_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- httptools callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.done:  # a second response nobody asked for
            self._reusable = False

    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self._parser
        status = parser.get_status_code()
        if 100 <= status < 200:  # an interim response: the real one follows
            self._headers = []
            self._reason = b""
            return
        self._status = status
        self._headers_done = True
        self._reusable = self._reusable and parser.should_keep_alive()
        names = {name.lower() for name, _ in self._headers}
        self._close_delimited = b"content-length" not in names and b"transfer-encoding" not in names
        if self._bodiless:
            self.done = True

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)

    def on_message_complete(self) -> None:
        if self._headers_done:
            self.done = True

    # -- internals ---------------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            _settle(waiter, True)

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._reusable = False
        self.close()

    def _end_of_stream(self) -> None:
        if self._eof:
            return
        self._eof = True
        self._reusable = False
        if self._parser is not None and not self.done and self._error is None:
            if self._headers_done and self._close_delimited:
                self.done = True  # the body ends with the connection
            elif self._headers_done:
                self._error = httpx2.RemoteProtocolError("peer closed connection without sending complete message body")
            else:
                self._error = httpx2.RemoteProtocolError("Server disconnected without sending a response.")
        self._wake()

    def _release_slot(self) -> None:
        if self._slot_held:
            self._slot_held = False
            self._pool._slot_freed()

    def close(self) -> None:
        """Close the socket; the pool slot is freed."""
        self.closed = True
        if self._transport is not None and not self.loop.is_closed():  # a dead loop's socket goes with it
            self._transport.close()
        self._release_slot()

    def usable(self) -> bool:
        """Whether an idle connection can carry another request."""
        transport = self._transport
        return (
            not self.closed
            and self._reusable
            and transport is not None
            and not transport.is_closing()
            and self.loop is asyncio.get_running_loop()
        )

    async def _wait(self, request: httpx2.Request) -> None:
        """Wait until the parser has something new, within the request's read limit."""
        limit = _timeout(request, "read")
        self._waiter = waiter = self.loop.create_future()
        timer = None if limit is None else self.loop.call_later(limit, _settle, waiter, False)
        try:
            if not await waiter:
                raise httpx2.ReadTimeout("timed out waiting for the server", request=request)
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    # -- the exchange ------------------------------------------------------------------

    async def send(self, request: httpx2.Request) -> httpx2.Response:
        """Write ``request`` and wait for the response head."""
        self._reset()
        self._parser = httptools.HttpResponseParser(self)
        if request.method == "HEAD":  # the parser cannot know a HEAD answer has no body
            self._reusable = False
            self._bodiless = True
        target = request.url.raw_path
        lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), target)]
        for name, value in request.headers.raw:
            if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name:
                raise httpx2.LocalProtocolError("illegal header: line breaks are not allowed", request=request)
            lines.append(b"%s: %s" % (name, value))
        head = b"\r\n".join(lines) + b"\r\n\r\n"
        chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
        if isinstance(request.stream, httpx2.ByteStream):
            body = b"".join(request.stream)
            await self._write(request, head + body)
        else:
            await self._write(request, head)
            async for part in request.stream:  # type: ignore[union-attr]
                if part:
                    await self._write(request, b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            if chunked:
                await self._write(request, b"0\r\n\r\n")
        while not self._headers_done:
            if self._error is not None:
                raise self._with_request(self._error, request)
            await self._wait(request)
        self.body_stream = _Body(self, request)
        return httpx2.Response(
            self._status,
            headers=self._headers,
            stream=self.body_stream,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": self._reason},
        )

    async def _write(self, request: httpx2.Request, data: bytes) -> None:
        if self.closed or self._transport is None:
            raise httpx2.WriteError("the connection is closed", request=request)
        self._transport.write(data)
        waiter = self._write_waiter
        if waiter is None:
            return
        try:
            async with asyncio.timeout(_timeout(request, "write")):
                await asyncio.shield(waiter)
        except TimeoutError:
            raise httpx2.WriteTimeout("timed out sending the request", request=request) from None
        if self.closed:
            raise httpx2.WriteError("the connection closed while sending the request", request=request)

    @staticmethod
    def _with_request(error: Exception, request: httpx2.Request) -> Exception:
        if isinstance(error, httpx2.RequestError):
            error.request = request
        return error

    async def body(self, request: httpx2.Request) -> AsyncIterator[bytes]:
        """The body, as the bytes each network read brought; the connection is released at its end."""
        chunks = self._chunks
        while True:
            if chunks:
                data = chunks.popleft() if len(chunks) == 1 else b"".join(chunks)
                chunks.clear()
                self._buffered = 0
                if self._paused and self._transport is not None:
                    self._paused = False
                    self._transport.resume_reading()
                yield data
            elif self.done:
                self.finish()
                return
            elif self._error is not None:
                raise self._with_request(self._error, request)
            else:
                await self._wait(request)

    def finish(self) -> None:
        """The response is over: back to the pool when it ended cleanly, closed otherwise."""
        parser, self._parser = self._parser, None
        self.body_stream = None
        if parser is None:
            return
        if self.done and not self._chunks and self._reusable and self._error is None and not self.closed:
            self._pool._put_idle(self)
        else:
            self.close()


class _Body(httpx2.AsyncByteStream):
    """The response body handed to httpx2: iterating reads the connection, closing releases it."""

    __slots__ = ("_connection", "_request")

    def __init__(self, connection: _Connection, request: httpx2.Request) -> None:
        self._connection = connection
        self._request = request

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._connection.body(self._request)

    async def aclose(self) -> None:
        if self._connection.body_stream is self:  # not a later response's on the same connection
            self._connection.finish()


class FastTransport(httpx2.AsyncBaseTransport):
    """HTTP/1.1 over httptools: the network transport when ``turnout[fast]`` is installed.

    :param verify: certificate verification as httpx2 takes it (``True``, ``False`` or an
        ``ssl.SSLContext``); ``True`` uses httpx2's default context (certifi, or
        ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when ``trust_env``).
    :param trust_env: whether the SSL environment variables apply.
    :param limits: the connection pool limits (default ``DEFAULT_LIMITS``).
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        limits: httpx2.Limits = DEFAULT_LIMITS,
    ) -> None:
        self._verify = verify
        self._trust_env = trust_env
        self._ssl_context: ssl.SSLContext | None = None
        self._limits = limits
        self._max_open = limits.max_connections
        self._open = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._idle_count = 0

    def _ssl(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            context = httpx2.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
            context.set_alpn_protocols(["http/1.1"])  # as httpcore does without HTTP/2
            self._ssl_context = context
        return self._ssl_context

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` on a pooled or new connection and return the streaming response."""
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            detail = (
                "is missing an 'http://' or 'https://' protocol" if not scheme else f"has unsupported scheme {scheme!r}"
            )
            raise httpx2.UnsupportedProtocol(f"Request URL {detail}.", request=request)
        key = (scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme])
        may_resend = isinstance(request.stream, httpx2.ByteStream)
        while True:
            connection, reused = await self._acquire(request, key)
            try:
                return await connection.send(request)
            except (httpx2.RemoteProtocolError, httpx2.WriteError):
                connection.close()
                # A kept-alive connection the server closed before it read a byte: the request
                # was never handled, so it goes again, once, on a new connection (as urllib3 does).
                if not (reused and may_resend) or connection.received:
                    raise
                may_resend = False
            except BaseException:
                connection.close()
                raise

    async def _acquire(self, request: httpx2.Request, key: tuple[str, str, int]) -> tuple[_Connection, bool]:
        """An idle connection to ``key`` (``True``: reused) or a new one, waiting at the limit."""
        loop = asyncio.get_running_loop()
        limit = _timeout(request, "pool")
        deadline = None if limit is None else loop.time() + limit
        while True:
            connection = self._take_idle(key)
            if connection is not None:
                return connection, True
            if self._max_open is None or self._open < self._max_open or self._close_one_idle():
                return await self._connect(request, key), False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiting.append(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter  # a cancelled waiter stays queued; waking skips it
            except BaseException as exc:
                if waiter.done() and not waiter.cancelled():
                    self._wake_next()  # the wake-up this request got goes to the next in line
                if isinstance(exc, TimeoutError):
                    raise httpx2.PoolTimeout("timed out waiting for a free connection", request=request) from None
                raise

    def _wake_next(self) -> None:
        """Let the longest-waiting request look again: a connection or a slot came free."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _slot_freed(self) -> None:
        self._open -= 1
        self._wake_next()

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        expiry = self._limits.keepalive_expiry
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.usable() and (expiry is None or now - connection.idle_since < expiry):
                return connection
            connection.close()
        return None

    def _put_idle(self, connection: _Connection) -> None:
        keep = self._limits.max_keepalive_connections
        if keep is not None and self._idle_count >= keep:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.setdefault(connection.key, []).append(connection)
        self._idle_count += 1
        self._wake_next()

    def _close_one_idle(self) -> bool:
        """Close the oldest idle connection to make room (``False``: none is idle)."""
        for connections in self._idle.values():
            if connections:
                connections.pop(0).close()
                self._idle_count -= 1
                return True
        return False

    async def _connect(self, request: httpx2.Request, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        loop = asyncio.get_running_loop()
        self._open += 1
        connection = _Connection(self, key)  # holds the slot until it closes
        try:
            tls = self._ssl() if scheme == "https" else None
            async with asyncio.timeout(_timeout(request, "connect")):
                await loop.create_connection(
                    lambda: connection, host, port, ssl=tls, server_hostname=host if tls is not None else None
                )
        except TimeoutError:
            connection.close()
            raise httpx2.ConnectTimeout(f"timed out connecting to {host}:{port}", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            connection.close()
            raise httpx2.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        except BaseException:
            connection.close()
            raise
        return connection

    async def aclose(self) -> None:
        """Close every idle connection (responses still streaming close when they finish)."""
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        self._idle_count = 0
