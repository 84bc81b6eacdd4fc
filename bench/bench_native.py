"""Native OpenAI path vs raw httpx2 line reading, per event, over a loopback HTTP server.

A server on 127.0.0.1 (a child process, not sharing the clients' event loop) streams one
OpenAI Responses body (20,000 text deltas + 2,000 function-argument deltas, one HTTP chunk per
event). Two clients read it, interleaved in one process so the machine's drift cancels out:

(a) raw: ``httpx2.AsyncClient.stream`` + ``aiter_lines`` + ``json.loads`` per ``data:`` line;
(b) native: ``turnout.Runtime(native=True).stream(...)`` through the native OpenAI plugin
    (selection, lowering, the core HTTP client, SSE decoding, the parser, the stream guard).

Prints events/s, µs/event and the ratio b/a (median of the rounds). Runs in well under 60 s.

    python bench/bench_native.py [--rounds 5] [--text-deltas 20000] [--argument-deltas 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx2
import turnout_native_openai.plugin as native_plugin
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime

HOST = "127.0.0.1"


def responses_body(text_deltas: int, argument_deltas: int) -> list[bytes]:
    """The SSE events of one Responses stream, one ``bytes`` per event."""
    payloads: list[dict[str, object]] = [
        {
            "type": "response.created",
            "sequence_number": 0,
            "response": {"id": "resp_bench", "status": "in_progress"},
        },
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {
                "id": "msg_bench",
                "type": "message",
                "status": "in_progress",
                "content": [],
                "role": "assistant",
            },
        },
    ]
    for n in range(text_deltas):
        payloads.append(
            {
                "type": "response.output_text.delta",
                "sequence_number": len(payloads),
                "item_id": "msg_bench",
                "output_index": 0,
                "content_index": 0,
                "delta": f" word{n % 97}",
                "logprobs": [],
                "obfuscation": "Xy12AbCd",
            }
        )
    payloads.append(
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {
                "id": "msg_bench",
                "type": "message",
                "status": "completed",
                "content": [],
                "role": "assistant",
            },
        }
    )
    payloads.append(
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {
                "id": "fc_bench",
                "type": "function_call",
                "status": "in_progress",
                "arguments": "",
                "call_id": "call_bench",
                "name": "lookup",
            },
        }
    )
    pieces = ['{"q": "'] + ["ab"] * (argument_deltas - 2) + ['"}']
    for piece in pieces:
        payloads.append(
            {
                "type": "response.function_call_arguments.delta",
                "sequence_number": len(payloads),
                "item_id": "fc_bench",
                "output_index": 1,
                "delta": piece,
                "obfuscation": "Xy12",
            }
        )
    payloads.append(
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": {
                "id": "fc_bench",
                "type": "function_call",
                "status": "completed",
                "arguments": "".join(pieces),
                "call_id": "call_bench",
                "name": "lookup",
            },
        }
    )
    payloads.append(
        {
            "type": "response.completed",
            "sequence_number": len(payloads),
            "response": {
                "id": "resp_bench",
                "status": "completed",
                "incomplete_details": None,
                "usage": {
                    "input_tokens": 10,
                    "output_tokens": 22000,
                    "total_tokens": 22010,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens_details": {"reasoning_tokens": 0},
                },
            },
        }
    )
    return [f"event: {p['type']}\ndata: {json.dumps(p, separators=(',', ':'))}\n\n".encode() for p in payloads]


def serve_forever(events: list[bytes], ports: multiprocessing.Queue[int]) -> None:
    """Run in a child process: a loopback HTTP/1.1 server answering every request with the
    stream, one chunk per event, until the parent terminates it."""
    chunks = [b"%x\r\n%s\r\n" % (len(event), event) for event in events] + [b"0\r\n\r\n"]
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in request_head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                writer.write(head)
                for index, chunk in enumerate(chunks, 1):
                    writer.write(chunk)  # one send per event, as the real API streams
                    if index % 256 == 0:
                        await writer.drain()
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, HOST, 0)
        ports.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def raw_client(url: str) -> int:
    """Baseline: read lines, decode every ``data:`` line as JSON."""
    count = 0
    async with (
        httpx2.AsyncClient(timeout=60) as client,
        client.stream("POST", url, json={"stream": True}) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                json.loads(line[5:])
                count += 1
    return count


def native_client(base_url: str) -> Callable[[], Awaitable[int]]:
    """The native runtime, end to end, counting the events it yields."""
    runtime = Runtime(
        native=True,
        config={"provider": {"openai": {"options": {"apiKey": "sk-bench-not-a-key", "baseURL": base_url}}}},
        plugins=[native_plugin],
        load_entry_points=False,
    )
    request = LLMRequest(model="openai/gpt-4.1-mini", messages=[user("bench")])

    async def run() -> int:
        count = 0
        async for _ in runtime.stream(request):
            count += 1
        return count

    return run


async def main(rounds: int, text_deltas: int, argument_deltas: int) -> None:
    events = responses_body(text_deltas, argument_deltas)
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_forever, args=(events, ports), daemon=True)
    server.start()
    try:
        base_url = f"http://{HOST}:{ports.get(timeout=30)}/v1"
        native = native_client(base_url)
        timings: dict[str, list[float]] = {"raw": [], "native": []}
        counts: dict[str, int] = {}
        for round_index in range(rounds + 1):  # the first round warms up and is not counted
            for name, run in (
                ("raw", lambda: raw_client(f"{base_url}/responses")),
                ("native", native),
            ):
                start = time.perf_counter()
                counts[name] = await run()
                elapsed = time.perf_counter() - start
                if round_index:
                    timings[name].append(elapsed)
    finally:
        server.terminate()
        server.join(timeout=10)
    print(
        f"stream: {len(events)} SSE events ({text_deltas} text deltas, "
        f"{argument_deltas} argument deltas), "
        f"{rounds} interleaved rounds"
    )
    for name in ("raw", "native"):
        median = statistics.median(timings[name])
        print(
            f"  {name:>6}: {counts[name]:>6} events out, "
            f"{len(events) / median:>9,.0f} SSE events/s, "
            f"{median / len(events) * 1e6:6.2f} µs/event (median {median * 1000:.0f} ms)"
        )
    ratios = [n / r for n, r in zip(timings["native"], timings["raw"], strict=True)]
    print(f"  ratio native/raw: {statistics.median(ratios):.2f} (per round: {', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--text-deltas", type=int, default=20_000)
    parser.add_argument("--argument-deltas", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.text_deltas, args.argument_deltas))
