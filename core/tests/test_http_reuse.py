"""``HTTPClient.stream`` and the connection pool, against a keep-alive server on 127.0.0.1.

Leaving the block normally reads the short rest of the body so the connection is reused;
leaving by an exception closes it; a long rest is not read (the connection is closed instead).
"""

from __future__ import annotations

import asyncio

import pytest
from turnout.http import HTTPClient
from turnout.wire import WireRequest

from testsupport.loopback import KeepAliveServer, serve_keepalive_sse

pytestmark = pytest.mark.usefixtures("each_transport")


def frames(count: int, size: int = 10) -> list[bytes]:
    return [b"data: " + str(n).encode().rjust(size, b"0") + b"\n\n" for n in range(count)]


async def first_chunk(http: HTTPClient, url: str) -> bytes:
    """Read one chunk, then leave the block normally."""
    async with http.stream(WireRequest(url=f"{url}/v1/responses", json={})) as response:
        async for chunk in response.aiter_bytes():
            return chunk
    raise AssertionError("empty body")


def test_leaving_normally_after_part_of_a_short_body_reuses_the_connection() -> None:
    sent = frames(5)

    async def main(url: str) -> list[bytes]:
        async with HTTPClient() as http:
            return [await first_chunk(http, url) for _ in range(3)]

    with serve_keepalive_sse(sent) as server:
        chunks = asyncio.run(main(server.url))
    assert all(chunk.startswith(sent[0]) for chunk in chunks)  # the fast transport may hand over more at once
    assert (server.requests, server.connections) == (3, 1)


def test_a_long_rest_of_the_body_is_not_read_the_connection_is_closed() -> None:
    async def main(url: str) -> None:
        async with HTTPClient() as http:
            for _ in range(2):
                await first_chunk(http, url)

    with serve_keepalive_sse(frames(400, size=1000)) as server:  # ~400 KB after the first chunk
        asyncio.run(main(server.url))
    assert (server.requests, server.connections) == (2, 2)


def test_leaving_by_an_exception_closes_the_connection() -> None:
    async def main(server: KeepAliveServer) -> bool:
        async with HTTPClient() as http:
            with pytest.raises(LookupError):
                async with http.stream(WireRequest(url=f"{server.url}/v1/responses", json={})) as response:
                    async for _ in response.aiter_bytes():
                        raise LookupError("the reader gave up")
            return await asyncio.to_thread(server.closed_mid_stream.wait, 5)  # before the client closes

    with serve_keepalive_sse(frames(5), hold_after=2) as server:
        assert asyncio.run(main(server))
