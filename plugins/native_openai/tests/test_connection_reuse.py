"""Connections: a completed native stream leaves its connection in the pool; a cancelled one closes it.

A real keep-alive HTTP/1.1 server on 127.0.0.1 counts the TCP connections it accepts and sees
the client close them; it sends a recorded Responses answer, one chunk per event.
"""

from __future__ import annotations

import asyncio
import json

from turnout import LLMRequest, Runtime, user
from turnout_native_openai import plugin

from testsupport import recorded_path
from testsupport.loopback import KeepAliveServer, serve_keepalive_sse

RECORDING = recorded_path("openai-responses", "mirascope__json-schema-gpt-4o.0.sse")
REQUEST = LLMRequest(model="openai/gpt-4o", messages=[user("hi")])


def recorded_frames() -> list[bytes]:
    """The recording's SSE frames, each as sent (``event:`` + ``data:`` + blank line)."""
    text = RECORDING.read_text()
    return [f"{frame}\n\n".encode() for frame in text.split("\n\n") if frame.strip()]


def expected_text() -> str:
    """The answer's text, from the recorded payloads' ``output_text`` deltas."""
    payloads = [json.loads(line[6:]) for line in RECORDING.read_text().splitlines() if line.startswith("data: ")]
    return "".join(p["delta"] for p in payloads if p["type"] == "response.output_text.delta")


def runtime(url: str) -> Runtime:
    config = {"provider": {"openai": {"options": {"apiKey": "sk-test-reuse-0000", "baseURL": f"{url}/v1"}}}}
    return Runtime(native=True, config=config, plugins=[plugin], load_entry_points=False)


def test_sequential_requests_share_one_connection() -> None:
    frames = recorded_frames()

    async def main(url: str) -> list[str]:
        async with runtime(url) as rt:
            texts = []
            for _ in range(20):
                texts.append("".join([e.text async for e in rt.stream(REQUEST) if e.type == "text-delta"]))
            return texts

    with serve_keepalive_sse(frames) as server:
        texts = asyncio.run(main(server.url))
    assert texts == [expected_text()] * 20
    assert server.requests == 20
    assert server.connections == 1


def test_leaving_a_stream_early_closes_its_connection() -> None:
    async def main(server: KeepAliveServer) -> bool:
        async with runtime(server.url) as rt:
            async for event in rt.stream(REQUEST):
                if event.type == "text-delta":
                    break
            return await asyncio.to_thread(server.closed_mid_stream.wait, 5)  # before the runtime closes

    with serve_keepalive_sse(recorded_frames(), hold_after=8) as server:
        assert asyncio.run(main(server))
    assert server.requests == 1


def test_cancelling_a_stream_closes_its_connection() -> None:
    async def main(server: KeepAliveServer) -> bool:
        async with runtime(server.url) as rt:
            started = asyncio.Event()

            async def consume() -> None:
                async for event in rt.stream(REQUEST):
                    if event.type == "text-delta":
                        started.set()

            task = asyncio.create_task(consume())
            await started.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            assert task.cancelled()
            return await asyncio.to_thread(server.closed_mid_stream.wait, 5)  # before the runtime closes

    with serve_keepalive_sse(recorded_frames(), hold_after=8) as server:
        assert asyncio.run(main(server))


def test_a_new_connection_follows_a_cancelled_one() -> None:
    """After a cancelled stream, the next request works (on a fresh connection)."""
    frames = recorded_frames()

    async def main(url: str) -> str:
        async with runtime(url) as rt:
            async for event in rt.stream(REQUEST):
                if event.type == "text-delta":
                    break
            return "".join([e.text async for e in rt.stream(REQUEST) if e.type == "text-delta"])

    with serve_keepalive_sse(frames) as server:
        text = asyncio.run(main(server.url))
    assert text == expected_text()
    assert server.requests == 2
