"""Short request, native vs raw httpx2: per-request CPU and wall time, interleaved, plus a profile.

The ``short`` row of ``run_all.py`` on its own: a real recorded 37-event Responses answer served
from a loopback child process, one request after another on one client, native
``Runtime.stream`` against raw httpx2 (``aiter_lines`` + ``json.loads``), content checked on
every request. ``--in-memory`` serves the answer from an in-memory transport to both sides
instead (turnout's own cost over raw httpx2, without network noise). ``--profile N`` runs
cProfile over N native requests instead and prints the top functions.

    python3 -m uv run python bench/bench_short.py [--rounds 7] [--per-round 40] [--in-memory]
        [--profile N]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx2
from run_all import (
    expected_content,
    interleave,
    native_runtime,
    raw_stream,
    recorded_events,
    start_server,
    timed,
    turnout_stream,
)


class _RecordedBody(httpx2.AsyncByteStream):
    """The recorded answer as a response body, one chunk per event (no network)."""

    def __init__(self, events: list[bytes]) -> None:
        self.events = events

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in self.events:
            yield event


def in_memory_transport(events: list[bytes]) -> httpx2.MockTransport:
    """A transport answering every request with ``events``: both sides without network noise."""
    headers = {"content-type": "text/event-stream"}
    return httpx2.MockTransport(lambda request: httpx2.Response(200, headers=headers, stream=_RecordedBody(events)))


async def measure_short(rounds: int = 7, per_round: int = 40, *, in_memory: bool = False) -> dict[str, Any]:
    """Median per-request CPU and wall (ms) of both sides and the median per-round ratios.

    ``in_memory``: both sides read the answer from an in-memory transport instead of a loopback
    server, so the figures are turnout's own cost over raw httpx2, steadier under load.
    """
    events = recorded_events()
    expected = expected_content(events)
    server = None
    if in_memory:
        base_url = "http://127.0.0.1:9/v1"  # never connected to
        transport = in_memory_transport(events)
        raw_client = httpx2.AsyncClient(transport=transport)
        runtime = native_runtime(base_url, transport)
    else:
        server, base_url = start_server(events)
        raw_client = httpx2.AsyncClient(timeout=60)
        runtime = native_runtime(base_url)
    sides = {
        "raw": partial(raw_stream, raw_client, f"{base_url}/responses"),
        "native": partial(turnout_stream, runtime),
    }
    try:
        timings = await interleave(sides, expected, rounds, per_round)
    finally:
        await raw_client.aclose()
        await runtime.aclose()
        if server is not None:
            server.terminate()
    native, raw = timings["native"], timings["raw"]
    return {
        "events": len(events),
        "native_cpu_ms": statistics.median(c for _, c in native) / per_round * 1e3,
        "native_wall_ms": statistics.median(w for w, _ in native) / per_round * 1e3,
        "raw_cpu_ms": statistics.median(c for _, c in raw) / per_round * 1e3,
        "raw_wall_ms": statistics.median(w for w, _ in raw) / per_round * 1e3,
        "cpu_ratio": statistics.median(n[1] / r[1] for n, r in zip(native, raw, strict=True)),
        "wall_ratio": statistics.median(n[0] / r[0] for n, r in zip(native, raw, strict=True)),
    }


async def profile_short(requests: int, top: int = 40) -> None:
    """cProfile ``requests`` native requests (after one warm-up) and print the top functions."""
    events = recorded_events()
    expected = expected_content(events)
    server, base_url = start_server(events)
    runtime = native_runtime(base_url)
    try:
        await timed(lambda: turnout_stream(runtime), expected, 5)
        profiler = cProfile.Profile()
        profiler.enable()
        await timed(lambda: turnout_stream(runtime), expected, requests)
        profiler.disable()
    finally:
        await runtime.aclose()
        server.terminate()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--in-memory", action="store_true", help="an in-memory transport instead of loopback")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N native requests instead")
    args = parser.parse_args()
    if args.profile:
        asyncio.run(profile_short(args.profile))
    else:
        result = asyncio.run(measure_short(args.rounds, args.per_round, in_memory=args.in_memory))
        print(
            f"short ({result['events']} events{', in memory' if args.in_memory else ''}), per request: "
            f"native {result['native_cpu_ms']:.2f} ms CPU / {result['native_wall_ms']:.2f} ms wall, "
            f"raw {result['raw_cpu_ms']:.2f} ms CPU / {result['raw_wall_ms']:.2f} ms wall; "
            f"ratio CPU {result['cpu_ratio']:.2f}, wall {result['wall_ratio']:.2f}"
        )
