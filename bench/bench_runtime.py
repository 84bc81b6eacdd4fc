"""Import cost, selection overhead and concurrent streams, each against a baseline in the same run.

1. import: ``import turnout; turnout.Runtime()`` (every installed plugin discovered) vs
   ``import httpx2`` alone, as fresh processes, interleaved; also checks no provider SDK loaded.
2. selection: ``Runtime.select(request)`` vs one loopback HTTP round trip with httpx2.
3. concurrency: 100 concurrent streams (200 text deltas each) through ``Runtime.stream`` on the
   native path vs 100 raw httpx2 ``aiter_lines`` + ``json.loads`` streams; wall time and peak RSS.

    python bench/bench_runtime.py [--import-runs 7] [--streams 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import time

import httpx2
import turnout
import turnout_native_openai.plugin as native_plugin
from bench_native import responses_body, serve_forever

IMPORT_TURNOUT = (
    "import sys, turnout; turnout.Runtime(); "
    "sys.exit(any(m in sys.modules for m in ('openai', 'anthropic', 'pydantic_ai')))"
)
IMPORT_BASELINE = "import httpx2"


def time_process(code: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True)
    if result.returncode != 0:
        raise SystemExit(f"{code!r} failed (a provider SDK was imported?): {result.stderr.decode()[-500:]}")
    return time.perf_counter() - start


def bench_import(runs: int) -> None:
    ours, base = [], []
    time_process(IMPORT_TURNOUT)  # warm the file cache
    for _ in range(runs):
        ours.append(time_process(IMPORT_TURNOUT))
        base.append(time_process(IMPORT_BASELINE))
    ratios = [a / b for a, b in zip(ours, base, strict=True)]
    print(
        f"import turnout + Runtime(): {statistics.median(ours) * 1000:.0f} ms median; "
        f"import httpx2: {statistics.median(base) * 1000:.0f} ms; ratio {statistics.median(ratios):.2f} "
        f"(process start included in both; no provider SDK imported)"
    )


def start_server(text_deltas: int) -> tuple[multiprocessing.Process, str]:
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_forever, args=(responses_body(text_deltas, 0), ports), daemon=True)
    server.start()
    return server, f"http://127.0.0.1:{ports.get(timeout=30)}"


def native_runtime(base_url: str) -> turnout.Runtime:
    config = {"provider": {"openai": {"options": {"apiKey": "bench-key", "baseURL": f"{base_url}/v1"}}}}
    return turnout.Runtime(native=True, config=config, plugins=[native_plugin], load_entry_points=False)


async def bench_selection(base_url: str) -> None:
    runtime = native_runtime(base_url)
    request = turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")])
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        runtime.select(request)
    select_us = (time.perf_counter() - start) / n * 1e6
    trips = []
    async with httpx2.AsyncClient() as client:
        for _ in range(50):
            start = time.perf_counter()
            async with client.stream("POST", f"{base_url}/v1/responses", json={}) as response:
                await response.aread()
            trips.append((time.perf_counter() - start) * 1e6)
    trip_us = statistics.median(trips)
    print(
        f"selection: {select_us:.0f} µs per Runtime.select; one loopback round trip (2 text deltas): "
        f"{trip_us:.0f} µs; ratio {select_us / trip_us:.2f}"
    )


async def bench_concurrency(base_url: str, streams: int) -> None:
    runtime = native_runtime(base_url)
    request = turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")])

    async def ours() -> int:
        return sum([1 async for _ in runtime.stream(request)])

    shared = httpx2.AsyncClient(timeout=60)  # one shared client, as the runtime has

    async def raw() -> int:
        count = 0
        async with shared.stream("POST", f"{base_url}/v1/responses", json={"stream": True}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    json.loads(line[5:])
                    count += 1
        return count

    timings: dict[str, list[float]] = {"runtime": [], "raw": []}
    for _ in range(3):
        for name, client in (("raw", raw), ("runtime", ours)):
            start = time.perf_counter()
            counts = await asyncio.gather(*(client() for _ in range(streams)))
            timings[name].append(time.perf_counter() - start)
            assert all(count > 200 for count in counts), counts[:3]
    await runtime.aclose()
    await shared.aclose()
    ours_s, raw_s = statistics.median(timings["runtime"]), statistics.median(timings["raw"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{streams} concurrent streams: Runtime.stream {ours_s:.2f} s, raw httpx2 {raw_s:.2f} s, "
        f"ratio {ours_s / raw_s:.2f}; peak RSS of this process {peak:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-runs", type=int, default=7)
    parser.add_argument("--streams", type=int, default=100)
    args = parser.parse_args()
    bench_import(args.import_runs)
    small, small_url = start_server(2)
    medium, medium_url = start_server(200)
    try:
        asyncio.run(bench_selection(small_url))
        asyncio.run(bench_concurrency(medium_url, args.streams))
    finally:
        for server in (small, medium):
            server.terminate()
            server.join(timeout=10)


if __name__ == "__main__":
    main()
