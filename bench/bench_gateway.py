"""The gateway (``turnout serve``) against calling turnout directly, over loopback.

A loopback upstream (a child process) streams OpenAI Responses bodies. The gateway runs in its own
child process (uvicorn, one worker, the native runtime). In the main process, interleaved:

(a) direct: ``turnout.Runtime(native=True).stream(...)`` against the upstream;
(b) gateway: ``httpx2`` streaming ``POST /v1/responses`` to the gateway, every ``data:`` line
    decoded as JSON (what any client does).

Two workloads: a long stream (20,000 text + 2,000 argument deltas) for throughput (upstream SSE
events per second, the ratio gateway/direct; target ≥ 0.5), and short requests (20 deltas) for
the gateway's added latency per request (streamed and whole). Prints wall time and CPU seconds
(main process, and the gateway process read from /proc, so Linux only), medians of the rounds.

    python bench/bench_gateway.py [--rounds 5] [--short-requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import turnout_native_openai.plugin as native_plugin
from bench_native import HOST, responses_body, serve_forever
from turnout import LLMRequest, Runtime, user

KEY = "gw-bench-key"


def runtime_for(base_url: str) -> Runtime:
    """The native runtime pointed at the loopback upstream."""
    config = {"provider": {"openai": {"options": {"apiKey": "sk-bench-not-a-key", "baseURL": base_url}}}}
    return Runtime(native=True, config=config, plugins=[native_plugin], load_entry_points=False)


def run_gateway(base_url: str, ports: multiprocessing.Queue[int]) -> None:
    """Run in a child process: the gateway on uvicorn, one worker, until terminated."""
    import uvicorn
    from turnout_serve.app import create_app
    from turnout_serve.settings import GatewayKey, GatewaySettings, digest

    app = create_app(runtime_for(base_url), GatewaySettings(keys=(GatewayKey("bench", digest(KEY)),)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio then sets TCP_NODELAY
    sock.bind((HOST, 0))
    ports.put(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    asyncio.run(server.serve(sockets=[sock]))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(target: Callable[..., None], *args: Any) -> tuple[multiprocessing.Process, int]:
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(*args, ports), daemon=True)
    process.start()
    return process, ports.get(timeout=60)


async def main(rounds: int, short_requests: int) -> None:
    long_events = responses_body(20_000, 2_000)
    short_events = responses_body(20, 2)
    children = []
    try:
        long_up, long_port = start(serve_forever, long_events)
        short_up, short_port = start(serve_forever, short_events)
        children += [long_up, short_up]
        gateways = {}
        for name, port in (("long", long_port), ("short", short_port)):
            process, gateway_port = start(run_gateway, f"http://{HOST}:{port}/v1")
            children.append(process)
            gateways[name] = (process, f"http://{HOST}:{gateway_port}")
        direct = {
            name: runtime_for(f"http://{HOST}:{port}/v1") for name, port in (("long", long_port), ("short", short_port))
        }
        request = LLMRequest(model="openai/gpt-4.1-mini", messages=[user("bench")])
        client = httpx2.AsyncClient(timeout=120, headers={"authorization": f"Bearer {KEY}"})

        async def run_direct(workload: str) -> int:
            count = 0
            async for _ in direct[workload].stream(request):
                count += 1
            return count

        async def run_gateway_stream(workload: str) -> int:
            body = {"model": "openai/gpt-4.1-mini", "input": "bench", "stream": True}
            count = 0
            async with client.stream("POST", f"{gateways[workload][1]}/v1/responses", json=body) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        json.loads(line[5:])
                        count += 1
            return count

        async def run_gateway_whole(workload: str) -> int:
            body = {"model": "openai/gpt-4.1-mini", "input": "bench"}
            response = await client.post(f"{gateways[workload][1]}/v1/responses", json=body)
            return len(response.json()["output"])

        async def measure(
            run: Callable[[], Awaitable[int]], times: int, gateway_pid: int
        ) -> tuple[float, float, float]:
            cpu, gateway_cpu, wall = time.process_time(), cpu_seconds(gateway_pid), time.perf_counter()
            for _ in range(times):
                await run()
            return (
                time.perf_counter() - wall,
                time.process_time() - cpu,
                cpu_seconds(gateway_pid) - gateway_cpu,
            )

        cases: dict[str, tuple[Callable[[], Awaitable[int]], int, str]] = {
            "direct long": (lambda: run_direct("long"), 1, "long"),
            "gateway long": (lambda: run_gateway_stream("long"), 1, "long"),
            "direct short": (lambda: run_direct("short"), short_requests, "short"),
            "gateway short streamed": (lambda: run_gateway_stream("short"), short_requests, "short"),
            "gateway short whole": (lambda: run_gateway_whole("short"), short_requests, "short"),
        }
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        for round_index in range(rounds + 1):  # the first round warms up and is not counted
            for name, (run, times, workload) in cases.items():
                measured = await measure(run, times, gateways[workload][0].pid or 0)
                if round_index:
                    results[name].append(measured)
        await client.aclose()
    finally:
        for child in children:
            child.terminate()
            child.join(timeout=10)

    def median(name: str, index: int) -> float:
        return statistics.median(result[index] for result in results[name])

    print(f"long stream: {len(long_events)} SSE events; short: {len(short_events)} events x {short_requests} requests")
    print(f"{rounds} interleaved rounds, medians; CPU = main process (client) + gateway process")
    for name, (_, times, _workload) in cases.items():
        wall, cpu, gateway_cpu = (median(name, i) for i in range(3))
        per = f"{wall / times * 1e3:7.2f} ms/request" if times > 1 else f"{len(long_events) / wall:9,.0f} events/s"
        print(f"  {name:>23}: wall {wall:7.3f} s  {per}  CPU client {cpu:6.3f} s  gateway {gateway_cpu:6.3f} s")
    throughput = [d[0] / g[0] for d, g in zip(results["direct long"], results["gateway long"], strict=True)]
    print(f"  throughput gateway/direct: {statistics.median(throughput):.2f}x (target >= 0.5)")
    for name in ("gateway short streamed", "gateway short whole"):
        added = (median(name, 0) - median("direct short", 0)) / short_requests * 1e3
        ratio = median("direct short", 0) / median(name, 0)
        print(f"  {name}: +{added:.2f} ms per request over direct, requests/s ratio {ratio:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--short-requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.short_requests))
