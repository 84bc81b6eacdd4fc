"""Every benchmark in one run: a table on stdout and ``bench/results.json``.

Each row compares turnout against a baseline measured in the same run, interleaved round by
round (the machine's speed drifts, so only ratios mean anything). CPU time is the client
process's own (``time.process_time``, or ``getrusage`` for child processes); servers run in
child processes on 127.0.0.1 and send one HTTP chunk per SSE event, writing as fast as the
client reads. Every stream's content is checked (the text and tool arguments put together
must equal what the server sent), not only its event count.

Rows:

- ``stream``: one Responses stream (20,000 text deltas + 2,000 argument deltas): native
  ``Runtime.stream`` vs raw httpx2 (``aiter_lines`` + ``json.loads``), and the openai SDK's
  typed stream (``responses.create(stream=True)``) vs native when ``openai`` is installed;
  native runs once over httpx2's transport and once over the C-parser one (``turnout[fast]``)
  when it is installed;
- ``short``: a real recorded 37-event answer, one request after another on one client: native
  (each transport) vs raw httpx2, per request;
- ``concurrent``: 200 concurrent streams, each side in a fresh process: aggregate events/s and
  peak RSS per stream (native on the transport turnout chooses);
- ``import``: ``import turnout; turnout.Runtime()`` (every installed plugin discovered) vs
  ``import httpx2, pydantic, pluggy``, fresh processes, median;
- ``first event``: a fresh process's time to its first event on the native path, vs
  ``python -c "import pydantic_ai"`` alone;
- ``fallback stream``, ``fallback first event``, ``refused`` (``bench_fallback.py``): the
  fallback vs pydantic-ai direct on one long stream (Chat Completions and Responses); the
  fallback's first event per provider family in a fresh process, vs ``import pydantic_ai`` and
  vs pydantic-ai direct; start to ``TransportError`` on a refused connection, fallback vs native.

    python3 -m uv run python bench/run_all.py [--rounds 3] [--quick] [--only STEP ...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import bench_fallback
import httpx2
from bench_native import responses_body, serve_forever

BENCH = Path(__file__).resolve().parent
RECORDED = BENCH.parent / "tests" / "recorded" / "openai-responses" / "mirascope__json-schema-gpt-4o.0.sse"
RESULTS = BENCH / "results.json"
TEXT_DELTA = "response.output_text.delta"
ARGS_DELTA = "response.function_call_arguments.delta"

Content = tuple[str, str]
"""A stream's text and tool arguments, each put together."""


# -- servers and expected content -------------------------------------------------------------


def start_server(events: list[bytes]) -> tuple[multiprocessing.Process, str]:
    """A child process serving ``events`` to every request; returns it and its ``/v1`` base URL."""
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_forever, args=(events, ports), daemon=True)
    server.start()
    return server, f"http://127.0.0.1:{ports.get(timeout=30)}/v1"


def recorded_events() -> list[bytes]:
    """The recorded answer's SSE frames, one ``bytes`` per event."""
    return [f"{frame}\n\n".encode() for frame in RECORDED.read_text().split("\n\n") if frame.strip()]


def expected_content(events: list[bytes]) -> Content:
    """The text and arguments the frames carry, read straight from their JSON payloads."""
    text, arguments = [], []
    for event in events:
        for line in event.decode().splitlines():
            if line.startswith("data: "):
                payload = json.loads(line[6:])
                if payload["type"] == TEXT_DELTA:
                    text.append(payload["delta"])
                elif payload["type"] == ARGS_DELTA:
                    arguments.append(payload["delta"])
    return "".join(text), "".join(arguments)


# -- clients ----------------------------------------------------------------------------------


async def raw_stream(client: httpx2.AsyncClient, url: str) -> Content:
    """Baseline: httpx2 lines, ``json.loads`` of every ``data:`` line, deltas collected."""
    text: list[str] = []
    arguments: list[str] = []
    async with client.stream("POST", url, json={"stream": True}) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                payload = json.loads(line[5:])
                kind = payload["type"]
                if kind == TEXT_DELTA:
                    text.append(payload["delta"])
                elif kind == ARGS_DELTA:
                    arguments.append(payload["delta"])
    return "".join(text), "".join(arguments)


TRANSPORTS = ("httpx2", "fast") if find_spec("httptools") is not None else ("httpx2",)
"""The network transports measured: httpx2's, and the C-parser one when ``turnout[fast]`` is installed."""


def network(transport: str) -> httpx2.AsyncBaseTransport:
    """The network transport named ``transport`` (``"httpx2"`` or ``"fast"``)."""
    if transport == "fast":
        from turnout.http.fast_transport import FastTransport

        return FastTransport()
    from turnout.http.client import DEFAULT_LIMITS

    return httpx2.AsyncHTTPTransport(limits=DEFAULT_LIMITS)


def native_runtime(base_url: str, transport: httpx2.AsyncBaseTransport | None = None) -> Any:
    """A native ``Runtime`` pointed at ``base_url``, with only the native OpenAI plugin.

    ``transport`` is the network transport under the retry layer; ``None`` lets turnout choose
    (the fast one when its extra is installed).
    """
    import turnout_native_openai.plugin as native_plugin
    from turnout import Runtime

    config = {"provider": {"openai": {"options": {"apiKey": "sk-bench-not-a-key", "baseURL": base_url}}}}
    return Runtime(native=True, config=config, plugins=[native_plugin], load_entry_points=False, transport=transport)


async def turnout_stream(runtime: Any, model: str = "openai/gpt-4.1-mini") -> Content:
    """``Runtime.stream`` of ``model``, text and tool-input deltas collected."""
    from turnout import LLMRequest, user

    text: list[str] = []
    arguments: list[str] = []
    async for event in runtime.stream(LLMRequest(model=model, messages=[user("bench")])):
        kind = event.type
        if kind == "text-delta":
            text.append(event.text)
        elif kind == "tool-input-delta":
            arguments.append(event.text)
    return "".join(text), "".join(arguments)


async def sdk_stream(client: Any) -> Content:
    """The openai SDK's typed Responses stream, deltas collected."""
    text: list[str] = []
    arguments: list[str] = []
    stream = await client.responses.create(model="gpt-4.1-mini", input="bench", stream=True)
    async for event in stream:
        if event.type == TEXT_DELTA:
            text.append(event.delta)
        elif event.type == ARGS_DELTA:
            arguments.append(event.delta)
    return "".join(text), "".join(arguments)


# -- measuring --------------------------------------------------------------------------------


async def timed(run: Callable[[], Awaitable[Content]], expected: Content, repeat: int = 1) -> tuple[float, float]:
    """Wall and CPU seconds of ``repeat`` runs; each run's content must equal ``expected``."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        got = await run()
        if got != expected:
            raise SystemExit(
                f"wrong content: {len(got[0])}+{len(got[1])} characters, not {len(expected[0])}+{len(expected[1])}"
            )
    return time.perf_counter() - wall, time.process_time() - cpu


async def interleave(
    sides: dict[str, Callable[[], Awaitable[Content]]], expected: Content, rounds: int, repeat: int = 1
) -> dict[str, list[tuple[float, float]]]:
    """``timed`` runs of every side, round after round (round 0 warms up and is not kept)."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for round_index in range(rounds + 1):
        for name, run in sides.items():
            measured = await timed(run, expected, repeat)
            if round_index:
                timings[name].append(measured)
    return timings


def native_sides(base_url: str) -> tuple[dict[str, Callable[[], Awaitable[Content]]], list[Any]]:
    """One native side per network transport in ``TRANSPORTS``, and the runtimes to close."""
    runtimes = {transport: native_runtime(base_url, network(transport)) for transport in TRANSPORTS}
    sides = {transport: partial(turnout_stream, runtime) for transport, runtime in runtimes.items()}
    return sides, list(runtimes.values())


def row(
    name: str,
    subject: str,
    baseline: str,
    ours: list[tuple[float, float]],
    base: list[tuple[float, float]],
    unit: float,
    unit_name: str,
    **extra: Any,
) -> dict[str, Any]:
    """A result row: medians per ``unit`` and the median of per-round ratios (ours / baseline)."""
    return {
        "benchmark": name,
        "subject": subject,
        "baseline": baseline,
        "unit": unit_name,
        "wall": statistics.median(w for w, _ in ours) / unit,
        "cpu": statistics.median(c for _, c in ours) / unit,
        "baseline_wall": statistics.median(w for w, _ in base) / unit,
        "baseline_cpu": statistics.median(c for _, c in base) / unit,
        "wall_ratio": statistics.median(a[0] / b[0] for a, b in zip(ours, base, strict=True)),
        "cpu_ratio": statistics.median(a[1] / b[1] for a, b in zip(ours, base, strict=True)),
        "rounds": len(ours),
        **extra,
    }


async def bench_stream(rounds: int, text_deltas: int, argument_deltas: int) -> list[dict[str, Any]]:
    events = responses_body(text_deltas, argument_deltas)
    expected = expected_content(events)
    server, base_url = start_server(events)
    raw_client = httpx2.AsyncClient(timeout=60)
    sides: dict[str, Callable[[], Awaitable[Content]]] = {
        "raw": partial(raw_stream, raw_client, f"{base_url}/responses")
    }
    natives, runtimes = native_sides(base_url)
    sides.update(natives)
    sdk = None
    if find_spec("openai") is not None:
        import openai

        sdk = openai.AsyncOpenAI(api_key="sk-bench-not-a-key", base_url=base_url, max_retries=0)
        sides["sdk"] = partial(sdk_stream, sdk)
    try:
        timings = await interleave(sides, expected, rounds)
    finally:
        await raw_client.aclose()
        for runtime in runtimes:
            await runtime.aclose()
        if sdk is not None:
            await sdk.close()
        server.terminate()
    n = len(events)
    rows = [
        row("stream", f"native ({name})", "raw httpx2", timings[name], timings["raw"], n / 1e6, "µs/event", events=n)
        for name in TRANSPORTS
    ]
    if "sdk" in timings:
        rows.extend(
            row(
                "stream",
                "openai SDK typed stream",
                f"native ({name})",
                timings["sdk"],
                timings[name],
                n / 1e6,
                "µs/event",
                events=n,
            )
            for name in TRANSPORTS
        )
    return rows


async def bench_short(rounds: int, per_round: int) -> list[dict[str, Any]]:
    events = recorded_events()
    expected = expected_content(events)
    server, base_url = start_server(events)
    raw_client = httpx2.AsyncClient(timeout=60)
    sides: dict[str, Callable[[], Awaitable[Content]]] = {
        "raw": partial(raw_stream, raw_client, f"{base_url}/responses")
    }
    natives, runtimes = native_sides(base_url)
    sides.update(natives)
    try:
        timings = await interleave(sides, expected, rounds, per_round)
    finally:
        await raw_client.aclose()
        for runtime in runtimes:
            await runtime.aclose()
        server.terminate()
    return [
        row(
            "short",
            f"native ({name})",
            "raw httpx2",
            timings[name],
            timings["raw"],
            per_round / 1e3,
            "ms/request",
            events=len(events),
        )
        for name in TRANSPORTS
    ]


def current_rss_kib() -> float:
    """This process's resident set size now, in KiB (Linux ``/proc``; else the peak so far)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024


def concurrency_child(side: str, base_url: str, streams: int) -> None:
    """In a fresh process: ``streams`` concurrent streams on one side; prints its figures as JSON."""
    expected = expected_content(responses_body(200, 0))

    async def main() -> dict[str, float]:
        if side == "raw":
            client = httpx2.AsyncClient(timeout=120, limits=httpx2.Limits(max_connections=1000))

            def run() -> Awaitable[Content]:
                return raw_stream(client, f"{base_url}/responses")
        else:
            client = native_runtime(base_url)

            def run() -> Awaitable[Content]:
                return turnout_stream(client)

        await run()  # warm: imports, first connection
        base_rss = current_rss_kib()
        cpu, wall = time.process_time(), time.perf_counter()
        results = await asyncio.gather(*(run() for _ in range(streams)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if any(got != expected for got in results):
            raise SystemExit("wrong content in a concurrent stream")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        await client.aclose()
        return {"wall": wall, "cpu": cpu, "base_rss_kib": base_rss, "peak_rss_kib": peak}

    print(json.dumps(asyncio.run(main())))


def bench_concurrency(rounds: int, streams: int) -> list[dict[str, Any]]:
    events = responses_body(200, 0)
    server, base_url = start_server(events)
    timings: dict[str, list[tuple[float, float]]] = {"raw": [], "native": []}
    peaks: dict[str, list[float]] = {"raw": [], "native": []}
    peak_totals: dict[str, list[float]] = {"raw": [], "native": []}
    try:
        for _ in range(rounds):
            for side in ("raw", "native"):
                out = subprocess.run(
                    [sys.executable, __file__, "--concurrency-child", side, base_url, str(streams)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(out.stdout)
                timings[side].append((figures["wall"], figures["cpu"]))
                peaks[side].append((figures["peak_rss_kib"] - figures["base_rss_kib"]) / streams)
                peak_totals[side].append(figures["peak_rss_kib"])
    finally:
        server.terminate()
    total = len(events) * streams
    result = row(
        "concurrent",
        f"native ({TRANSPORTS[-1]}), {streams} streams",
        "raw httpx2",
        timings["native"],
        timings["raw"],
        total / 1e6,
        "µs/event",
        events=total,
    )
    result["events_per_s"] = 1e6 / result["wall"]
    result["baseline_events_per_s"] = 1e6 / result["baseline_wall"]
    result["throughput_ratio"] = 1 / result["wall_ratio"]
    result["rss_kib_per_stream"] = statistics.median(peaks["native"])
    result["peak_rss_mib"] = statistics.median(peak_totals["native"]) / 1024
    result["baseline_peak_rss_mib"] = statistics.median(peak_totals["raw"]) / 1024
    result["baseline_rss_kib_per_stream"] = statistics.median(peaks["raw"])
    return [result]


def run_process(code: str, stdin: str | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds of ``python -c code`` in a fresh process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, input=stdin)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"{code!r} failed: {out.stderr[-800:]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, out.stdout


IMPORT_TURNOUT = "import turnout; turnout.Runtime()"
IMPORT_BASELINE = "import httpx2, pydantic, pluggy"
FIRST_EVENT = """
import asyncio, sys
from turnout import LLMRequest, Runtime, user
base_url, native = sys.argv[1], sys.argv[2] == "native"
async def main():
    options = {"apiKey": "sk-bench-not-a-key", "baseURL": base_url}
    runtime = Runtime(native=native, config={"provider": {"openai": {"options": options}}})
    async for event in runtime.stream(LLMRequest(model="openai/gpt-4.1-mini", messages=[user("bench")])):
        if event.type == "text-delta":
            break
    await runtime.aclose()
    print(len(sys.modules))
asyncio.run(main())
"""


def bench_imports(runs: int) -> list[dict[str, Any]]:
    run_process(IMPORT_TURNOUT)  # warm the file cache
    ours, base = [], []
    for _ in range(runs):
        ours.append(run_process(IMPORT_TURNOUT)[:2])
        base.append(run_process(IMPORT_BASELINE)[:2])
    return [row("import", "import turnout; Runtime()", "import httpx2, pydantic, pluggy", ours, base, 1e-3, "ms")]


def bench_first_event(runs: int) -> list[dict[str, Any]]:
    """The native path's first event in a fresh process vs ``import pydantic_ai`` alone (the
    fallback's rows, per provider family, come from ``bench_fallback.first_event_rows``)."""
    events = recorded_events()
    server, base_url = start_server(events)
    code = FIRST_EVENT.replace("sys.argv[1]", repr(base_url)).replace("sys.argv[2]", repr("native"))
    timings: dict[str, list[tuple[float, float]]] = {"pydantic_ai": [], "native": []}
    try:
        run_process("import pydantic_ai")  # warm the file cache
        for _ in range(runs):
            timings["pydantic_ai"].append(run_process("import pydantic_ai")[:2])
            wall, cpu, out = run_process(code)
            timings["native"].append((wall, cpu))
        modules = int(out.split()[-1])
        pydantic_ai_modules = int(run_process("import sys, pydantic_ai; print(len(sys.modules))")[2])
    finally:
        server.terminate()
    return [
        row(
            "first event",
            f"native, fresh process ({modules} modules)",
            f"import pydantic_ai ({pydantic_ai_modules} modules)",
            timings["native"],
            timings["pydantic_ai"],
            1e-3,
            "ms",
        )
    ]


# -- report -----------------------------------------------------------------------------------


def figure(value: float) -> str:
    """A measurement for the table: three significant digits, whole numbers from 100 up."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| benchmark | subject | baseline | unit | wall | CPU | base wall | base CPU | wall ratio | CPU ratio |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['benchmark']} | {r['subject']} | {r['baseline']} | {r['unit']} | {figure(r['wall'])} "
            f"| {figure(r['cpu'])} | {figure(r['baseline_wall'])} | {figure(r['baseline_cpu'])} "
            f"| {r['wall_ratio']:.2f}x | {r['cpu_ratio']:.2f}x |"
        )
    for r in rows:
        if "rss_kib_per_stream" in r:
            lines.append("")
            lines.append(
                f"{r['subject']}: {r['events_per_s']:,.0f} events/s vs raw {r['baseline_events_per_s']:,.0f} "
                f"(throughput {r['throughput_ratio']:.2f}x); peak RSS per stream {r['rss_kib_per_stream']:.1f} KiB "
                f"vs raw {r['baseline_rss_kib_per_stream']:.1f} KiB (process peak {r['peak_rss_mib']:.0f} MiB "
                f"vs {r['baseline_peak_rss_mib']:.0f} MiB)"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller streams and fewer runs (a smoke test)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="STEP",
        help="run only this step (repeatable): stream, short, concurrent, import, first event, "
        "fallback stream, fallback first event, refused; results.json is then not written",
    )
    parser.add_argument("--concurrency-child", nargs=3, metavar=("SIDE", "URL", "STREAMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.concurrency_child:
        side, url, streams = args.concurrency_child
        concurrency_child(side, url, int(streams))
        return
    quick = args.quick
    rounds = 1 if quick else args.rounds
    rows: list[dict[str, Any]] = []
    steps: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = [
        ("stream", lambda: asyncio.run(bench_stream(rounds, 2000 if quick else 20_000, 200 if quick else 2000))),
        ("short", lambda: asyncio.run(bench_short(rounds + 2, 10 if quick else 40))),
        ("concurrent", lambda: bench_concurrency(rounds, 20 if quick else 200)),
        ("import", lambda: bench_imports(3 if quick else 7)),
        ("first event", lambda: bench_first_event(1 if quick else 3)),
        (
            "fallback stream",
            lambda: asyncio.run(bench_fallback.stream_rows(rounds, *(500, 50) if quick else (5000, 500))),
        ),
        ("fallback first event", lambda: bench_fallback.first_event_rows(1 if quick else 3)),
        ("refused", lambda: bench_fallback.refused_rows(1 if quick else 3)),
    ]
    steps = [(name, step) for name, step in steps if not args.only or name in args.only]
    for name, step in steps:
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows.extend(step())
    if find_spec("openai") is None:
        print("openai is not installed: the SDK row is skipped", file=sys.stderr)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
        },
        "quick": quick,
        "rows": rows,
    }
    print(table(rows))
    if args.only:
        return
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
