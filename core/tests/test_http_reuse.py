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


def test_a_late_end_of_body_after_the_reader_stopped_raises_nothing_in_the_background() -> None:
    frame = frames(1)[0]
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n" % (len(frame), frame)
    )

    connections = 0

    async def respond(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
                )
                await reader.readexactly(length)
                writer.write(answer)  # the terminal frame now, the end of the body a moment later
                await asyncio.sleep(0.2)
                writer.write(b"0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> tuple[list[bytes], list[dict[str, object]]]:
        reported: list[dict[str, object]] = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context))
        server = await asyncio.start_server(respond, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with server:
            async with HTTPClient() as http:
                chunks = [await first_chunk(http, url) for _ in range(2)]  # each drops its iterator unclosed
            await asyncio.sleep(0.1)  # the server sees the client leave
        return chunks, reported

    chunks, reported = asyncio.run(main())
    assert chunks == [frame, frame]
    assert reported == []
    assert connections == 1  # the rest was read, so the connection was reused
