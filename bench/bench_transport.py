"""The network transports on the streaming path: native over httpx2 vs native over FastTransport.

The same loopback stream as ``run_all.py``'s ``stream`` row (a child process serving one OpenAI
Responses body, one HTTP chunk per event), read by three clients interleaved round by round:

- ``raw``: httpx2 ``aiter_lines`` + ``json.loads`` per ``data:`` line (the baseline);
- ``native-httpx2``: ``Runtime.stream`` over ``httpx2.AsyncHTTPTransport`` (the default without
  ``turnout[fast]``);
- ``native-fast``: ``Runtime.stream`` over ``FastTransport`` (httptools).

Every run's text and tool arguments are checked against the payloads. Prints CPU and wall
µs/event (medians) and the median per-round ratios to ``raw`` (CPU first).

    python3 -m uv run python bench/bench_transport.py [--rounds 5] [--text-deltas 20000] [--argument-deltas 2000]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from bench_native import responses_body
from run_all import expected_content, raw_stream, row, start_server, timed, turnout_stream

SIDES = ("raw", "native-httpx2", "native-fast")


def native_runtime(base_url: str, transport: httpx2.AsyncBaseTransport) -> Any:
    """A native ``Runtime`` at ``base_url`` over ``transport``, with only the native OpenAI plugin."""
    import turnout_native_openai.plugin as native_plugin
    from turnout import Runtime

    config = {"provider": {"openai": {"options": {"apiKey": "sk-bench-not-a-key", "baseURL": base_url}}}}
    return Runtime(native=True, config=config, plugins=[native_plugin], load_entry_points=False, transport=transport)


async def bench_transports(
    rounds: int = 5, text_deltas: int = 20_000, argument_deltas: int = 2_000
) -> list[dict[str, Any]]:
    """Rows (``run_all.row`` shape): native over each transport vs raw httpx2, and fast vs httpx2."""
    from turnout.http.client import DEFAULT_LIMITS
    from turnout.http.fast_transport import FastTransport

    events = responses_body(text_deltas, argument_deltas)
    expected = expected_content(events)
    server, base_url = start_server(events)
    raw_client = httpx2.AsyncClient(timeout=60)
    runtimes = {
        "native-httpx2": native_runtime(base_url, httpx2.AsyncHTTPTransport(limits=DEFAULT_LIMITS)),
        "native-fast": native_runtime(base_url, FastTransport()),
    }
    sides: dict[str, Callable[[], Awaitable[tuple[str, str]]]] = {
        "raw": lambda: raw_stream(raw_client, f"{base_url}/responses"),
        "native-httpx2": lambda: turnout_stream(runtimes["native-httpx2"]),
        "native-fast": lambda: turnout_stream(runtimes["native-fast"]),
    }
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in SIDES}
    try:
        for round_index in range(rounds + 1):  # round 0 warms up
            for name in SIDES:
                measured = await timed(sides[name], expected)
                if round_index:
                    timings[name].append(measured)
    finally:
        await raw_client.aclose()
        for runtime in runtimes.values():
            await runtime.aclose()
        server.terminate()
    n = len(events)
    per_event = n / 1e6
    return [
        row(
            "stream",
            "native (httpx2 transport)",
            "raw httpx2",
            timings["native-httpx2"],
            timings["raw"],
            per_event,
            "µs/event",
            events=n,
        ),
        row(
            "stream",
            "native (FastTransport)",
            "raw httpx2",
            timings["native-fast"],
            timings["raw"],
            per_event,
            "µs/event",
            events=n,
        ),
        row(
            "stream",
            "native (FastTransport)",
            "native (httpx2 transport)",
            timings["native-fast"],
            timings["native-httpx2"],
            per_event,
            "µs/event",
            events=n,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--text-deltas", type=int, default=20_000)
    parser.add_argument("--argument-deltas", type=int, default=2_000)
    args = parser.parse_args()
    rows = asyncio.run(bench_transports(args.rounds, args.text_deltas, args.argument_deltas))
    print(f"stream: {rows[0]['events']} SSE events, {args.rounds} interleaved rounds (CPU first; ratio < 1 is faster)")
    for result in rows:
        print(
            f"  {result['subject']:<26} vs {result['baseline']:<26} "
            f"CPU {result['cpu']:6.2f} vs {result['baseline_cpu']:6.2f} µs/event (ratio {result['cpu_ratio']:.2f}), "
            f"wall {result['wall']:6.2f} vs {result['baseline_wall']:6.2f} (ratio {result['wall_ratio']:.2f})"
        )


if __name__ == "__main__":
    main()
