"""Benchmark: turnout's SSE decoder + ``json.loads`` against raw line reading + ``json.loads``.

Builds a Responses-like SSE body (20,000 ``response.output_text.delta`` events, one HTTP chunk
per event, as the real API sends them) and decodes it in four ways, interleaved over several
rounds (the machine's speed drifts, so only ratios from one run mean anything):

- ``turnout``        ``SSEDecoder.feed`` over the chunks, ``json.loads`` of each frame's data;
- ``naive lines``    a line reader (split the buffered bytes on ``\\n``, decode each line, keep
                     ``data:`` lines) + ``json.loads``: the least a hand-written client does;
- ``turnout/httpx2`` ``aiter_sse(response.aiter_bytes())`` on an ``httpx2.Response`` streaming
                     the chunks, + ``json.loads``;
- ``httpx2 lines``   ``response.aiter_lines()`` on the same response + ``json.loads``: the raw
                     httpx2 baseline of ``performance-notes.md``.

Run: ``.venv/bin/python bench/bench_sse.py`` (takes a few seconds).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator, Callable, Mapping

import httpx2
from turnout.sse import SSEDecoder, aiter_sse

EVENTS = 20_000
ROUNDS = 7


def build_chunks(count: int = EVENTS) -> list[bytes]:
    """One chunk per event, shaped like OpenAI Responses text deltas."""
    chunks = []
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
    for sequence in range(count):
        payload = {
            "type": "response.output_text.delta",
            "sequence_number": sequence,
            "item_id": "msg_68c42de022c881948db7ed1cc2529f2e0202c9ad459e0d23",
            "output_index": 0,
            "content_index": 0,
            "delta": words[sequence % len(words)],
            "logprobs": [],
            "obfuscation": "k2Qb3XzYw9",
        }
        data = json.dumps(payload, separators=(",", ":"))
        chunks.append(f"event: response.output_text.delta\ndata: {data}\n\n".encode())
    return chunks


def decode_turnout(chunks: list[bytes]) -> int:
    """``SSEDecoder`` + ``json.loads``; returns the number of events decoded."""
    decoder = SSEDecoder()
    count = 0
    for chunk in chunks:
        for frame in decoder.feed(chunk):
            json.loads(frame.data)
            count += 1
    decoder.close()
    return count


def decode_naive_lines(chunks: list[bytes]) -> int:
    """A minimal line reader + ``json.loads`` (ignores ``\\r``, comments, multi-line data)."""
    pending = b""
    count = 0
    for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for raw in lines:
            line = raw.decode()
            if line.startswith("data:"):
                json.loads(line[5:])
                count += 1
    return count


def _response(chunks: list[bytes]) -> httpx2.Response:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body())


async def _httpx2_turnout(chunks: list[bytes]) -> int:
    count = 0
    async for frame in aiter_sse(_response(chunks).aiter_bytes()):
        json.loads(frame.data)
        count += 1
    return count


async def _httpx2_lines(chunks: list[bytes]) -> int:
    count = 0
    async for line in _response(chunks).aiter_lines():
        if line.startswith("data:"):
            json.loads(line[5:])
            count += 1
    return count


def decode_httpx2_turnout(chunks: list[bytes]) -> int:
    """``aiter_sse(response.aiter_bytes())`` + ``json.loads``."""
    return asyncio.run(_httpx2_turnout(chunks))


def decode_httpx2_lines(chunks: list[bytes]) -> int:
    """``response.aiter_lines()`` + ``json.loads`` (raw httpx2)."""
    return asyncio.run(_httpx2_lines(chunks))


def measure(contenders: Mapping[str, Callable[[list[bytes]], int]], chunks: list[bytes]) -> dict[str, float]:
    """Median seconds per run of each contender, interleaved over ``ROUNDS`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, decode in contenders.items():
            started = time.perf_counter()
            count = decode(chunks)
            times[name].append(time.perf_counter() - started)
            if count != len(chunks):
                raise SystemExit(f"{name} decoded {count} events, expected {len(chunks)}")
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    chunks = build_chunks()
    size = sum(map(len, chunks))
    print(f"{len(chunks):,} events, {size / 1e6:.1f} MB, one chunk per event, median of {ROUNDS} rounds")
    contenders = {
        "turnout SSEDecoder": decode_turnout,
        "naive line reader": decode_naive_lines,
        "turnout aiter_sse over httpx2": decode_httpx2_turnout,
        "httpx2 aiter_lines": decode_httpx2_lines,
    }
    medians = measure(contenders, chunks)
    print(f"{'':32} {'events/s':>10} {'µs/event':>9}")
    for name, seconds in medians.items():
        print(f"{name:32} {len(chunks) / seconds:>10,.0f} {seconds / len(chunks) * 1e6:>9.2f}")
    decoder_ratio = medians["turnout SSEDecoder"] / medians["naive line reader"]
    stack_ratio = medians["turnout aiter_sse over httpx2"] / medians["httpx2 aiter_lines"]
    print(f"ratio turnout / naive line reader (decoder + json):  {decoder_ratio:.2f}")
    print(f"ratio turnout / httpx2 aiter_lines (through httpx2): {stack_ratio:.2f}")


if __name__ == "__main__":
    main()
