"""``HTTPClient``: sending a ``WireRequest``, typed errors, timeouts, cancellation, retries.

Most tests swap the network transport for ``httpx2.MockTransport``; timeouts and connection
handling use a tiny HTTP/1.1 server on 127.0.0.1 whose every wait is bounded.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import pytest
import stamina
from turnout.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderServerError,
    RateLimitError,
    TimeoutError,
    TransportError,
)
from turnout.http import HTTPClient, RetryPolicy, Timeouts, network_transport
from turnout.sse import aiter_sse
from turnout.wire import WireRequest

from testsupport import recorded_files

T = TypeVar("T")
URL = "https://api.example.com/v1/responses"
API_KEY = "sk-test-0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def instant_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def wire(url: str = URL, **headers: str) -> WireRequest:
    return WireRequest(url=url, headers={"authorization": f"Bearer {API_KEY}", **headers}, json={"model": "m"})


def mock_client(handler: Callable[[httpx2.Request], httpx2.Response], **kwargs: Any) -> HTTPClient:
    return HTTPClient(transport=httpx2.MockTransport(handler), **kwargs)


async def read_all(http: HTTPClient, request: WireRequest) -> bytes:
    async with http.stream(request) as response:
        return b"".join([chunk async for chunk in response.aiter_bytes()])


# --- sending and status mapping -------------------------------------------------------------


def test_stream_sends_the_wire_request_and_yields_the_streaming_response() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, content=b"data: {}\n\n", headers={"content-type": "text/event-stream"})

    async def go() -> list[str]:
        async with (
            mock_client(handler) as http,
            http.stream(wire(**{"x-team": "search"})) as response,
        ):
            return [frame.data async for frame in aiter_sse(response.aiter_bytes())]

    assert run(go()) == ["{}"]
    request = seen[0]
    assert (request.method, str(request.url)) == ("POST", URL)
    assert json.loads(request.content) == {"model": "m"}
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["x-team"] == "search"
    assert request.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthenticationError),
        (404, InvalidRequestError),
        (429, RateLimitError),
        (503, ProviderServerError),
    ],
)
def test_error_status_raises_typed_error_after_retries(status: int, expected: type[Exception]) -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return httpx2.Response(status, json={"error": {"message": "no", "code": "c"}}, headers={"x-request-id": "r1"})

    with pytest.raises(expected) as caught:
        run(read_all(mock_client(handler), wire()))
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (status, "c", "r1")  # type: ignore[attr-defined]
    assert calls == (3 if status in (429, 503) else 1)


def test_rate_limit_over_the_cap_fails_at_once_with_retry_after() -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return httpx2.Response(429, headers={"retry-after": "120"}, json={"error": {"message": "later"}})

    with pytest.raises(RateLimitError) as caught:
        run(read_all(mock_client(handler), wire()))
    assert calls == 1
    assert caught.value.retry_after == 120.0


def test_a_401_never_shows_the_key_even_when_echoed() -> None:
    query_key = "query-secret-0123456789"  # matches no known key pattern: only the URL says it is secret

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent = request.headers["authorization"]
        message = f"Incorrect API key provided: {sent[7:]} (query key {request.url.params['key']})"
        return httpx2.Response(401, json={"error": {"message": message, "code": "invalid_api_key"}})

    with pytest.raises(AuthenticationError) as caught:
        run(read_all(mock_client(handler), wire(f"https://api.example.com/v1/responses?key={query_key}")))
    error = caught.value
    for text in (str(error), repr(error), error.body, str(error.url), *map(str, error.args)):
        assert API_KEY not in text
        assert query_key not in text
    assert "Incorrect API key provided: [REDACTED] (query key [REDACTED])" in str(error)


def test_the_shared_client_retries_for_sdks_too() -> None:
    responses = iter([httpx2.Response(503), httpx2.Response(200, text="ok")])

    async def go() -> str:
        async with mock_client(lambda request: next(responses)) as http:
            return (await http.client.get(URL)).text

    assert run(go()) == "ok"


REAL_ERRORS = recorded_files("errors", "*.http.json")


@pytest.mark.parametrize("path", REAL_ERRORS, ids=[p.name.removesuffix(".http.json") for p in REAL_ERRORS])
def test_real_error_responses_through_the_client(path: Path) -> None:
    recorded = json.loads(path.read_text())
    status = recorded["status"] or 429
    body = (recorded.get("body_raw") or json.dumps(recorded["body"])).encode()
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return httpx2.Response(status, headers=recorded["headers"], content=body)

    expected = {
        401: AuthenticationError,
        400: InvalidRequestError,
        404: InvalidRequestError,
        429: RateLimitError,
    }
    with pytest.raises(expected[status]) as caught:
        run(read_all(mock_client(handler), wire("https://api.openai.com/v1/responses")))
    assert caught.value.status == status
    assert calls == 1  # none of these is worth retrying (auth, bad request, exhausted quota)


# --- transport failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "phase"),
    [
        (httpx2.ConnectTimeout("t"), "connect"),
        (httpx2.PoolTimeout("t"), "connect"),
        (httpx2.ReadTimeout("t"), "first_byte"),
        (httpx2.WriteTimeout("t"), "first_byte"),
    ],
)
def test_timeouts_while_sending_map_to_their_phase(exc: Exception, phase: str) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    with pytest.raises(TimeoutError) as caught:
        run(read_all(mock_client(handler), wire()))
    assert caught.value.phase == phase
    assert caught.value.__cause__ is exc


@pytest.mark.usefixtures("each_transport")
def test_connection_refused_is_a_transport_error_after_retries() -> None:
    attempts = 0
    network = network_transport()

    class Counting(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            nonlocal attempts
            attempts += 1
            return await network.handle_async_request(request)

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = HTTPClient(transport=Counting())
    with pytest.raises(TransportError) as caught:
        run(read_all(http, wire(f"http://127.0.0.1:{port}/v1?api_key={API_KEY}")))
    assert not isinstance(caught.value, TimeoutError)
    assert attempts == 3
    assert "could not connect to 127.0.0.1" in str(caught.value)
    assert API_KEY not in str(caught.value)


@pytest.mark.usefixtures("each_transport")
@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://[::1/x"])
def test_unusable_url_is_a_transport_error(url: str) -> None:
    with pytest.raises(TransportError, match="cannot send the request"):
        run(read_all(HTTPClient(), wire(url)))


# --- a loopback server for timing and connection behaviour ------------------------------------


class Loopback:
    """An HTTP/1.1 server on 127.0.0.1 that answers every connection with ``script``."""

    def __init__(self, script: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> None:
        self.script = script
        self.requests = 0
        self.client_gone = asyncio.Event()
        self.url = ""

    async def __aenter__(self) -> Loopback:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v1/responses"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            self.requests += 1
            await self.script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def wait_for_client_to_leave(self, reader: asyncio.StreamReader) -> None:
        """Block until the client closes the connection (bounded), then record it."""
        try:
            while await asyncio.wait_for(reader.read(1024), 5):
                pass
        except (ConnectionError, builtins.TimeoutError):
            return
        self.client_gone.set()


STREAM_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@pytest.mark.usefixtures("each_transport")
def test_idle_gap_raises_timeout_with_phase_idle() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD + chunk(b"data: 1\n\n"))
        await writer.drain()
        await asyncio.sleep(5)

    async def go() -> list[bytes]:
        received: list[bytes] = []
        async with Loopback(script) as server, HTTPClient(timeouts=Timeouts(idle=0.2)) as http:
            with pytest.raises(TimeoutError) as caught:
                async with http.stream(wire(server.url)) as response:
                    async for part in response.aiter_bytes():
                        received.append(part)
            assert caught.value.phase == "idle"
            assert "idle timeout" in str(caught.value)
            assert server.requests == 1  # a stream that started is never replayed
        return received

    assert run(go()) == [b"data: 1\n\n"]


@pytest.mark.usefixtures("each_transport")
def test_slow_headers_raise_timeout_with_phase_first_byte() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def go() -> None:
        async with (
            Loopback(script) as server,
            HTTPClient(timeouts=Timeouts(first_byte=0.2)) as http,
        ):
            with pytest.raises(TimeoutError) as caught:
                await read_all(http, wire(server.url))
            assert caught.value.phase == "first_byte"
            assert server.requests == 1

    run(go())


@pytest.mark.usefixtures("each_transport")
def test_first_byte_limit_applies_to_headers_and_idle_limit_to_the_body() -> None:
    # Headers come after a pause longer than `idle` but within `first_byte`; then the body stalls.
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.4)
        writer.write(STREAM_HEAD + chunk(b"data: 1\n\n"))
        await writer.drain()
        await asyncio.sleep(5)

    async def go() -> None:
        # Were the body read under the first-byte limit, `total` would run out first.
        timeouts = Timeouts(first_byte=3.0, idle=0.2, total=2.5)
        async with Loopback(script) as server, HTTPClient(timeouts=timeouts) as http:
            with pytest.raises(TimeoutError) as caught:
                await read_all(http, wire(server.url))
            assert caught.value.phase == "idle"

    run(go())


@pytest.mark.usefixtures("each_transport")
def test_total_timeout_bounds_a_stream_that_never_stalls() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD)
        for _ in range(200):
            writer.write(chunk(b": tick\n\n"))
            await writer.drain()
            await asyncio.sleep(0.02)

    async def go() -> None:
        async with (
            Loopback(script) as server,
            HTTPClient(timeouts=Timeouts(idle=2, total=0.3)) as http,
        ):
            with pytest.raises(TimeoutError) as caught:
                await read_all(http, wire(server.url))
            assert caught.value.phase == "total"
            assert caught.value.url == server.url

    run(go())


@pytest.mark.usefixtures("each_transport")
def test_connection_dropped_mid_body_is_a_transport_error_and_not_retried() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\ndata: 1\n\n")
        await writer.drain()

    async def go() -> None:
        async with Loopback(script) as server, HTTPClient() as http:
            with pytest.raises(TransportError, match="broke while reading the response") as caught:
                await read_all(http, wire(server.url))
            assert not isinstance(caught.value, TimeoutError)
            assert server.requests == 1

    run(go())


@pytest.mark.usefixtures("each_transport")
def test_retryable_status_from_a_real_server_is_retried() -> None:
    answers = iter([b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 0\r\n\r\n"] * 2)

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(next(answers, b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\ndata: 1\n\n"))
        await writer.drain()

    async def go() -> bytes:
        async with Loopback(script) as server, HTTPClient() as http:
            body = await read_all(http, wire(server.url))
            assert server.requests == 3
            return body

    assert run(go()) == b"data: 1\n\n"


def stream_forever_script(
    server: list[Loopback],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(STREAM_HEAD + chunk(b"data: 1\n\n"))
        await writer.drain()
        await server[0].wait_for_client_to_leave(reader)

    return script


async def read_then_wait(response: httpx2.Response, started: asyncio.Event) -> None:
    """Read the first chunk, then wait on something else (not on httpx2) inside the block."""
    await response.aiter_bytes().__anext__()
    started.set()
    await asyncio.sleep(10)


async def iterate(response: httpx2.Response, started: asyncio.Event) -> None:
    async for _ in response.aiter_bytes():
        started.set()


@pytest.mark.usefixtures("each_transport")
@pytest.mark.parametrize("body", [read_then_wait, iterate], ids=["waiting", "iterating"])
def test_cancelling_the_consumer_closes_the_connection(
    body: Callable[[httpx2.Response, asyncio.Event], Awaitable[None]],
) -> None:
    async def go() -> None:
        holder: list[Loopback] = []
        async with Loopback(stream_forever_script(holder)) as server, HTTPClient() as http:
            holder.append(server)
            started = asyncio.Event()

            async def consume() -> None:
                async with http.stream(wire(server.url)) as response:
                    await body(response, started)

            task = asyncio.create_task(consume())
            await asyncio.wait_for(started.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.wait_for(server.client_gone.wait(), 5)

    run(go())


@pytest.mark.usefixtures("each_transport")
@pytest.mark.parametrize("read_first_chunk", [True, False], ids=["after-a-chunk", "unread"])
def test_leaving_the_block_early_closes_the_connection(read_first_chunk: bool) -> None:
    async def go() -> None:
        holder: list[Loopback] = []
        async with Loopback(stream_forever_script(holder)) as server, HTTPClient() as http:
            holder.append(server)
            async with http.stream(wire(server.url)) as response:
                if read_first_chunk:
                    async for _ in response.aiter_bytes():
                        break
            await asyncio.wait_for(server.client_gone.wait(), 5)

    run(go())


@pytest.mark.usefixtures("each_transport")
def test_errors_raised_by_the_caller_pass_through_unchanged() -> None:
    async def go() -> None:
        async with mock_client(lambda request: httpx2.Response(200, content=b"x")) as http:
            with pytest.raises(KeyError):
                async with http.stream(wire()):
                    raise KeyError("mine")

    run(go())


# --- configuration -----------------------------------------------------------------------------


def test_timeouts_defaults_and_validation() -> None:
    timeouts = Timeouts()
    assert (timeouts.connect, timeouts.idle, timeouts.total, timeouts.effective_first_byte) == (
        10.0,
        120.0,
        900.0,
        120.0,
    )
    assert Timeouts(first_byte=5).effective_first_byte == 5
    with pytest.raises(ValueError, match=r"Timeouts\.idle"):
        Timeouts(idle=0)
    with pytest.raises(TypeError, match=r"Timeouts\.total"):
        Timeouts(total="10")  # type: ignore[arg-type]


@pytest.mark.usefixtures("each_transport")
def test_client_uses_the_given_policy() -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return httpx2.Response(503)

    with pytest.raises(ProviderServerError):
        run(read_all(mock_client(handler, retry=RetryPolicy(max_retries=0)), wire()))
    assert calls == 1
