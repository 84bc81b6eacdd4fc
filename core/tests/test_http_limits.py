"""Limits against real loopback servers: oversized SSE frames, the retry budget, redirects.

Each server is an ``asyncio`` server on 127.0.0.1 that answers every request with a scripted
response and counts the requests it received.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from turnout.errors import FrameTooLargeError, RateLimitError, RedirectError, StreamDecodeError
from turnout.http import HTTPClient, RetryPolicy, Timeouts
from turnout.sse import DEFAULT_MAX_FRAME_BYTES, SSEDecoder, aiter_sse
from turnout.wire import WireRequest

pytestmark = pytest.mark.usefixtures("each_transport")

API_KEY = "sk-limits-0123456789abcdefghij"
Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def loopback(respond: Writer) -> AsyncIterator[tuple[str, list[str]]]:
    """A server answering each request with ``respond``; yields (base URL, request lines seen)."""
    seen: list[str] = []
    handlers: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            handlers.add(task)
        writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            await reader.readexactly(length)
            seen.append(head.split(b"\r\n")[0].decode())
            await respond(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1", seen
    finally:
        server.close()
        for writer in writers:
            writer.transport.abort()  # a handler still writing then fails with ConnectionError
        await asyncio.gather(*handlers, return_exceptions=True)


def wire(base: str) -> WireRequest:
    return WireRequest(url=f"{base}/responses", headers={"authorization": f"Bearer {API_KEY}"}, json={"model": "m"})


async def status(writer: asyncio.StreamWriter, line: str, *headers: str, body: bytes = b"") -> None:
    lines = [f"HTTP/1.1 {line}", *headers, f"content-length: {len(body)}", "connection: close", "", ""]
    writer.write("\r\n".join(lines).encode() + body)
    await writer.drain()


# --- a 200 MB line without a newline ---------------------------------------------------------

LINE_BYTES = 200 * 1024 * 1024
MEMORY_BOUND = 64 * 1024 * 1024  # far below the 200 MB line; the limit itself is 16 MiB


async def endless_line(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")
    writer.write(f"content-length: {LINE_BYTES}\r\n\r\n".encode())
    chunk = b"data: " + b"x" * (64 * 1024 - 6)
    sent = 0
    while sent < LINE_BYTES:
        writer.write(chunk[: LINE_BYTES - sent])
        sent += len(chunk)
        await writer.drain()


def test_a_200_mb_line_fails_fast_with_bounded_memory() -> None:
    async def go() -> tuple[FrameTooLargeError, int, int]:
        async with loopback(endless_line) as (base, _), HTTPClient() as http:
            tracemalloc.start()
            try:
                with pytest.raises(FrameTooLargeError) as caught:
                    async with http.stream(wire(base)) as response:
                        received = 0
                        decoder = SSEDecoder()

                        async def counted() -> AsyncIterator[bytes]:
                            nonlocal received
                            async for chunk in response.aiter_bytes():
                                received += len(chunk)
                                yield chunk

                        async for _ in aiter_sse(counted(), decoder):
                            pass
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            return caught.value, peak, received

    error, peak, received = asyncio.run(go())
    assert error.limit == DEFAULT_MAX_FRAME_BYTES == 16 * 1024 * 1024
    assert str(error).startswith("an SSE frame exceeded the 16 MiB limit without ending")
    assert isinstance(error, StreamDecodeError)
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.0f} MiB"
    assert received < 2 * DEFAULT_MAX_FRAME_BYTES  # it stopped reading soon after the limit


def test_frame_limit_is_configurable_and_frames_below_it_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = b"data: " + b"y" * 1000 + b"\n\n"
    assert SSEDecoder(max_frame_bytes=2000).feed(frame)[0].data == "y" * 1000
    decoder = SSEDecoder(max_frame_bytes=1000)
    assert decoder.feed(frame[:900]) == []
    with pytest.raises(FrameTooLargeError, match="1,000 byte limit"):
        decoder.feed(frame[900:1005])
    monkeypatch.setenv("TURNOUT_SSE_MAX_FRAME_BYTES", "500")
    assert SSEDecoder().max_frame_bytes == 500
    with pytest.raises(FrameTooLargeError):
        SSEDecoder().feed(frame[:600])


# --- the retry budget -------------------------------------------------------------------------


def test_retry_after_beyond_the_budget_fails_after_one_attempt() -> None:
    async def too_busy(writer: asyncio.StreamWriter) -> None:
        await status(writer, "429 Too Many Requests", "retry-after: 59", body=b'{"error": {"message": "slow down"}}')

    async def go() -> tuple[RateLimitError, list[str]]:
        async with loopback(too_busy) as (base, seen), HTTPClient() as http:
            with pytest.raises(RateLimitError) as caught:
                async with http.stream(wire(base)):
                    pass
            return caught.value, seen

    error, seen = asyncio.run(go())
    assert seen == ["POST /v1/responses HTTP/1.1"]  # no wait, no second attempt
    assert error.retry_after == 59
    assert "retry after 59 s" in str(error)
    assert RetryPolicy().budget == 30.0


def test_retries_stop_when_the_budget_is_spent() -> None:
    policy = RetryPolicy(budget=10.0)
    assert policy.delay_after(503, {"retry-after": "4"}, 0, elapsed=0.0) == 4
    assert policy.delay_after(503, {"retry-after": "4"}, 1, elapsed=7.0) is None
    assert RetryPolicy(budget=None).delay_after(503, {"retry-after": "59"}, 0, elapsed=100.0) == 59
    with pytest.raises(ValueError, match="budget"):
        RetryPolicy(budget=-1)


def test_total_timeout_is_on_by_default_and_can_be_switched_off() -> None:
    assert Timeouts().total == 900.0
    assert Timeouts(total=None).total is None


# --- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["301 Moved Permanently", "307 Temporary Redirect"])
def test_a_redirect_is_a_clear_error(code: str) -> None:
    async def moved(writer: asyncio.StreamWriter) -> None:
        await status(writer, code, "location: https://elsewhere.example/v1/responses?key=leaky-secret-value")

    async def go() -> tuple[RedirectError, list[str]]:
        async with loopback(moved) as (base, seen), HTTPClient() as http:
            with pytest.raises(RedirectError) as caught:
                async with http.stream(wire(base)):
                    pass
            return caught.value, seen

    error, seen = asyncio.run(go())
    assert len(seen) == 1
    assert error.status == int(code[:3])
    assert str(error) == (
        f"request to 127.0.0.1 failed with HTTP {code[:3]}: the provider redirected the request to "
        "https://elsewhere.example/v1/responses?key=[REDACTED]; redirects are not followed "
        "(check the provider's base URL: api / options.baseURL)"
    )
    assert API_KEY not in repr(error)
