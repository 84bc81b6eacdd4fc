"""Native Anthropic path vs the fallback vs raw httpx2 line reading, per event, over loopback.

A server on 127.0.0.1 (a child process, not sharing the clients' event loop; the one of
``bench_native.py``) streams one long Anthropic Messages body shaped like the recordings in
``tests/recorded/anthropic-messages`` (``message_start`` with cache usage, a thinking block with
its signature, a text block, a tool_use block streamed as ``input_json_delta``, ``ping`` frames,
``message_delta`` with the final usage, ``message_stop``), one HTTP chunk per event. Three
clients read it, interleaved in one process so the machine's drift cancels out:

(a) raw: ``httpx2.AsyncClient.stream`` + ``aiter_lines`` + ``json.loads`` per ``data:`` line;
(b) native: ``turnout.Runtime(native=True).stream(...)`` through ``native-anthropic`` (selection,
    lowering, the core HTTP client, SSE decoding, the parser, the stream guard);
(c) fallback: the same request with the native flag off, through ``aisdk-fallback`` (pydantic-ai
    and the Anthropic SDK over the core's HTTP client).

Prints SSE events/s and µs/event, wall and CPU (this process's CPU time: the server runs in its
own process), and the ratios native/fallback and native/raw in events/s (medians of the rounds).
Targets: native ≥ 5x the fallback, native ≥ 0.8x raw.

    python bench/bench_anthropic.py [--rounds 5] [--text-deltas 8000] [--thinking-deltas 2000]
        [--argument-deltas 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import turnout_aisdk_fallback.plugin as fallback_plugin
import turnout_native_anthropic.plugin as native_plugin
from bench_native import HOST, raw_client, serve_forever
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime


def messages_body(text_deltas: int, thinking_deltas: int, argument_deltas: int) -> list[bytes]:
    """The SSE events of one Messages stream, one ``bytes`` per event."""
    usage = {
        "input_tokens": 2293,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 1024,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 1,
        "service_tier": "standard",
    }
    message = {
        "model": "claude-sonnet-4-5-20250929",
        "id": "msg_01BenchBenchBenchBench01",
        "type": "message",
        "role": "assistant",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    payloads: list[dict[str, Any]] = [{"type": "message_start", "message": message}]

    def block(index: int, start: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        payloads.append({"type": "content_block_start", "index": index, "content_block": start})
        for n, delta in enumerate(deltas):
            payloads.append({"type": "content_block_delta", "index": index, "delta": delta})
            if n % 500 == 499:
                payloads.append({"type": "ping"})
        payloads.append({"type": "content_block_stop", "index": index})

    thinking = [{"type": "thinking_delta", "thinking": f" step{n % 89}"} for n in range(thinking_deltas)]
    block(
        0,
        {"type": "thinking", "thinking": "", "signature": ""},
        [
            *thinking,
            {"type": "signature_delta", "signature": "EusBClsIDRgCKkBpzetW9oKOZtFP6IeFJJr3gnQBXqdZrYcRnwTLcVuC"},
        ],
    )
    block(
        1, {"type": "text", "text": ""}, [{"type": "text_delta", "text": f" word{n % 97}"} for n in range(text_deltas)]
    )
    pieces = ['{"q": "'] + ["ab"] * (argument_deltas - 2) + ['"}']
    block(
        2,
        {"type": "tool_use", "id": "toolu_01BenchBenchBench", "name": "lookup", "input": {}},
        [{"type": "input_json_delta", "partial_json": piece} for piece in pieces],
    )
    final = {
        "input_tokens": 2293,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 1024,
        "output_tokens": 9000,
    }
    payloads.append(
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": final}
    )
    payloads.append({"type": "message_stop"})
    return [f"event: {p['type']}\ndata: {json.dumps(p, separators=(',', ':'))}\n\n".encode() for p in payloads]


def runtime_client(base_url: str, native: bool) -> Callable[[], Awaitable[int]]:
    """A runtime with both plugins: native on → ``native-anthropic``, off → ``aisdk-fallback``."""
    runtime = Runtime(
        native=native,
        config={"provider": {"anthropic": {"options": {"apiKey": "sk-ant-bench-not-a-key", "baseURL": base_url}}}},
        plugins=[native_plugin, fallback_plugin],
        load_entry_points=False,
    )
    request = LLMRequest(model="anthropic/claude-sonnet-4-5", messages=[user("bench")])
    expected = "native-anthropic" if native else "aisdk-fallback"
    chosen = runtime.select(request).runtime
    if chosen != expected:
        raise SystemExit(f"expected {expected}, the runtime chose {chosen}")

    async def run() -> int:
        count = 0
        async for _ in runtime.stream(request):
            count += 1
        return count

    return run


async def main(rounds: int, text_deltas: int, thinking_deltas: int, argument_deltas: int) -> None:
    events = messages_body(text_deltas, thinking_deltas, argument_deltas)
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_forever, args=(events, ports), daemon=True)
    server.start()
    names = ("raw", "native", "fallback")
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    counts: dict[str, int] = {}
    try:
        base_url = f"http://{HOST}:{ports.get(timeout=30)}/v1"
        clients: dict[str, Callable[[], Awaitable[int]]] = {
            "raw": lambda: raw_client(f"{base_url}/messages"),
            "native": runtime_client(base_url, native=True),
            "fallback": runtime_client(base_url, native=False),
        }
        for round_index in range(rounds + 1):  # the first round warms up (and imports) and is not counted
            for name in names:
                start_wall, start_cpu = time.perf_counter(), time.process_time()
                counts[name] = await clients[name]()
                elapsed_wall, elapsed_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
                if round_index:
                    wall[name].append(elapsed_wall)
                    cpu[name].append(elapsed_cpu)
    finally:
        server.terminate()
        server.join(timeout=10)
    print(
        f"stream: {len(events)} SSE events ({thinking_deltas} thinking, {text_deltas} text, "
        f"{argument_deltas} argument deltas), {rounds} interleaved rounds"
    )
    for name in names:
        median_wall, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"  {name:>8}: {counts[name]:>6} events out, wall {len(events) / median_wall:>9,.0f} SSE events/s "
            f"({median_wall / len(events) * 1e6:6.2f} µs/event), "
            f"CPU {len(events) / median_cpu:>9,.0f} SSE events/s ({median_cpu / len(events) * 1e6:6.2f} µs/event)"
        )
    for label, other, target in (("fallback", "fallback", 5.0), ("raw", "raw", 0.8)):
        for kind, timings in (("wall", wall), ("CPU", cpu)):
            ratios = [o / n for n, o in zip(timings["native"], timings[other], strict=True)]
            print(
                f"  native/{label} events/s, {kind}: {statistics.median(ratios):.2f}x (target ≥ {target}x; "
                f"per round: {', '.join(f'{r:.2f}' for r in ratios)})"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--text-deltas", type=int, default=8_000)
    parser.add_argument("--thinking-deltas", type=int, default=2_000)
    parser.add_argument("--argument-deltas", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.text_deltas, args.thinking_deltas, args.argument_deltas))
