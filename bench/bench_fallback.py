"""The fallback runtime (pydantic-ai) against pydantic-ai used directly, over a loopback server.

Three measurements, each against a baseline measured in the same run:

- ``stream``: one long stream (5,000 text deltas, then one tool call's 500 argument deltas; the
  per-event cost does not grow with the length: 20,000 + 2,000 gave the same ratio), one HTTP
  chunk per SSE event, from a server in a child process on 127.0.0.1, in both protocols the
  fallback's OpenAI-compatible providers speak: Chat Completions (``@ai-sdk/openai-compatible``,
  Groq, DeepSeek, … → ``OpenAIChatModel``) and Responses (``@ai-sdk/openai`` →
  ``OpenAIResponsesModel``). Interleaved round by round in one process: (a) pydantic-ai direct
  (``pydantic_ai.direct.model_request_stream`` on the same model class, events iterated, text
  and tool arguments collected) vs (b) ``turnout.Runtime().stream`` served by the fallback.
  CPU (this process only) and wall µs per SSE event; content checked on both sides.
- ``first event``: fresh processes, median: the fallback's time to its first text event (a new
  user's ``Runtime()``: every installed plugin discovered), per provider family (OpenAI Chat,
  OpenAI Responses, Anthropic and Gemini when their SDKs are installed), against ``python -c
  "import pydantic_ai"`` and against pydantic-ai direct's first event on the same server; each
  with ``len(sys.modules)``.
- ``refused``: fresh processes, median: start to the typed error for a refused connection
  (a port nothing listens on), fallback vs native (both under the core's retry policy).

    python3 -m uv run python bench/bench_fallback.py [--rounds 5] [--runs 3] [--quick]
        [--only stream|first-event|refused] [--text-deltas 5000] [--argument-deltas 500]

``stream_rows``, ``first_event_rows`` and ``refused_rows`` return rows shaped like
``bench/run_all.py``'s (its ``row``, ``interleave``, ``turnout_stream``, ``start_server`` and
``run_process`` are used; ``run_all.py`` runs all three).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
from collections.abc import Awaitable, Callable
from functools import partial
from importlib.util import find_spec
from typing import Any

from bench_native import responses_body

Content = tuple[str, str]
"""A stream's text and tool arguments, each put together."""

API_KEY = "sk-bench-not-a-key"


# -- stream bodies ------------------------------------------------------------------------------


def _frame(payload: dict[str, Any], event: str | None = None) -> bytes:
    named = f"event: {event}\n" if event else ""
    return f"{named}data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def chat_body(text_deltas: int, argument_deltas: int) -> list[bytes]:
    """The SSE events of one Chat Completions stream, one ``bytes`` per event."""

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        payload = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1764500000,
            "model": "bench-model",
            "system_fingerprint": "fp_bench",
            "choices": choices,
            **extra,
        }
        return _frame(payload)

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": f" word{n % 97}"}) for n in range(text_deltas)]
    call = {"index": 0, "id": "call_bench", "type": "function", "function": {"name": "lookup", "arguments": ""}}
    events.append(chunk({"tool_calls": [call]}))
    pieces = ['{"q": "'] + ["ab"] * (argument_deltas - 2) + ['"}']
    events += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}) for piece in pieces]
    events.append(chunk({}, "tool_calls"))
    usage = {"prompt_tokens": 10, "completion_tokens": text_deltas + argument_deltas, "total_tokens": 0}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    events.append(chunk(None, usage=usage))  # the usage chunk has no choices
    events.append(b"data: [DONE]\n\n")
    return events


def openai_responses_body(text_deltas: int, argument_deltas: int) -> list[bytes]:
    """``bench_native``'s Responses stream, its response objects completed the way the API sends
    them (``output``, ``model``, …): the openai SDK's typed events, which pydantic-ai reads, need them."""
    events = []
    for event in responses_body(text_deltas, argument_deltas):
        name, data = event.decode().removesuffix("\n\n").split("\n", 1)
        payload = json.loads(data.removeprefix("data: "))
        if "response" in payload:
            full = {"object": "response", "created_at": 1764500000, "model": "bench-model", "output": []}
            payload["response"] = {**full, **payload["response"]}
        events.append(_frame(payload, name.removeprefix("event: ")))
    return events


def anthropic_body(text_deltas: int) -> list[bytes]:
    """The SSE events of one Anthropic Messages stream of text."""
    message = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": "claude-bench",
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    }
    payloads: list[dict[str, Any]] = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    payloads += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f" word{n % 97}"}}
        for n in range(text_deltas)
    ]
    payloads += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": text_deltas}},
        {"type": "message_stop"},
    ]
    return [_frame(p, p["type"]) for p in payloads]


def gemini_body(text_deltas: int) -> list[bytes]:
    """The SSE events of one Gemini ``streamGenerateContent?alt=sse`` stream of text."""
    events = []
    for n in range(text_deltas):
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": f" word{n % 97}"}]}, "index": 0}
        payload: dict[str, Any] = {"candidates": [candidate], "modelVersion": "gemini-bench"}
        if n == text_deltas - 1:
            candidate["finishReason"] = "STOP"
            payload["usageMetadata"] = {"promptTokenCount": 10, "candidatesTokenCount": text_deltas}
        events.append(_frame(payload))
    return events


def expected_content(events: list[bytes]) -> Content:
    """The text and tool arguments the frames carry, read straight from their JSON payloads
    (Chat Completions, Responses, Anthropic or Gemini)."""
    text: list[str] = []
    arguments: list[str] = []
    for event in events:
        for line in event.decode().splitlines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            payload = json.loads(line[6:])
            kind = payload.get("type")
            if kind == "response.output_text.delta":
                text.append(payload["delta"])
            elif kind == "response.function_call_arguments.delta":
                arguments.append(payload["delta"])
            elif kind == "content_block_delta":
                text.append(payload["delta"]["text"])
            for choice in payload.get("choices", ()):
                delta = choice["delta"]
                text.append(delta.get("content") or "")
                arguments += [call["function"].get("arguments", "") for call in delta.get("tool_calls", ())]
            for candidate in payload.get("candidates", ()):
                text += [part.get("text", "") for part in candidate["content"]["parts"]]
    return "".join(text), "".join(arguments)


# -- clients ----------------------------------------------------------------------------------


def direct_model(protocol: str, base_url: str) -> Any:
    """The pydantic-ai model a user would build for ``protocol`` at ``base_url``."""
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    provider = OpenAIProvider(base_url=base_url, api_key=API_KEY)
    model_class = OpenAIChatModel if protocol == "chat" else OpenAIResponsesModel
    return model_class("bench-model", provider=provider)


async def direct_stream(model: Any) -> Content:
    """pydantic-ai direct: ``model_request_stream``, text and tool-argument deltas collected."""
    from pydantic_ai import messages as pai
    from pydantic_ai.direct import model_request_stream

    text: list[str] = []
    arguments: list[str] = []
    request = [pai.ModelRequest.user_text_prompt("bench")]
    async with model_request_stream(model, request, instrument=False) as stream:
        async for event in stream:
            if isinstance(event, pai.PartDeltaEvent):
                delta = event.delta
                if isinstance(delta, pai.TextPartDelta):
                    text.append(delta.content_delta)
                elif isinstance(delta, pai.ToolCallPartDelta) and isinstance(delta.args_delta, str):
                    arguments.append(delta.args_delta)
            elif isinstance(event, pai.PartStartEvent):
                part = event.part
                if isinstance(part, pai.TextPart):
                    text.append(part.content)
                elif isinstance(part, pai.ToolCallPart) and isinstance(part.args, str):
                    arguments.append(part.args)
    return "".join(text), "".join(arguments)


def fallback_runtime(protocol: str, base_url: str) -> Any:
    """A ``Runtime`` with only the fallback plugin, its provider at ``base_url``."""
    import turnout_aisdk_fallback.plugin as fallback_plugin
    from turnout import Runtime

    package = "@ai-sdk/openai-compatible" if protocol == "chat" else "@ai-sdk/openai"
    config = {"provider": {"bench": {"npm": package, "options": {"apiKey": API_KEY, "baseURL": base_url}}}}
    return Runtime(config=config, plugins=[fallback_plugin], load_entry_points=False)


# -- measurements -----------------------------------------------------------------------------


async def stream_rows(rounds: int, text_deltas: int = 5_000, argument_deltas: int = 500) -> list[dict[str, Any]]:
    """Fallback vs pydantic-ai direct on one long stream, per protocol (Chat, Responses)."""
    from run_all import interleave, row, start_server, turnout_stream

    rows = []
    for protocol, body in (("chat", chat_body), ("responses", openai_responses_body)):
        events = body(text_deltas, argument_deltas)
        expected = expected_content(events)
        server, base_url = start_server(events)
        model = direct_model(protocol, base_url)
        runtime = fallback_runtime(protocol, base_url)
        sides: dict[str, Callable[[], Awaitable[Content]]] = {
            "direct": partial(direct_stream, model),
            "fallback": partial(turnout_stream, runtime, "bench/bench-model"),
        }
        try:
            timings = await interleave(sides, expected, rounds)
        finally:
            await runtime.aclose()
            server.terminate()
        n = len(events)
        result = row(
            "fallback stream",
            f"fallback, {protocol}",
            f"pydantic-ai direct, {protocol}",
            timings["fallback"],
            timings["direct"],
            n / 1e6,
            "µs/event",
            events=n,
        )
        result["cpu_throughput_ratio"] = 1 / result["cpu_ratio"]
        result["wall_throughput_ratio"] = 1 / result["wall_ratio"]
        rows.append(result)
    return rows


FALLBACK_FIRST_EVENT = """
import asyncio, sys
from turnout import LLMRequest, Runtime, user
async def main():
    config = {"provider": {"bench": {"npm": PACKAGE, "options": {"apiKey": "sk-bench-not-a-key", "baseURL": BASE}}}}
    runtime = Runtime(config=config)
    async for event in runtime.stream(LLMRequest(model="bench/bench-model", messages=[user("bench")])):
        if event.type == "text-delta":
            break
    await runtime.aclose()
    print(len(sys.modules))
asyncio.run(main())
"""

DIRECT_FIRST_EVENT = """
import asyncio, sys
from pydantic_ai import messages as pai
from pydantic_ai.direct import model_request_stream
MODEL
async def main():
    request = [pai.ModelRequest.user_text_prompt("bench")]
    async with model_request_stream(model, request, instrument=False) as stream:
        async for event in stream:
            if isinstance(event, pai.PartDeltaEvent) or isinstance(event, pai.PartStartEvent) and event.part.content:
                break
    print(len(sys.modules))
asyncio.run(main())
"""

DIRECT_MODELS = {
    "chat": "from pydantic_ai.models.openai import OpenAIChatModel as M\n"
    "from pydantic_ai.providers.openai import OpenAIProvider as P\n"
    "model = M('bench-model', provider=P(base_url=BASE, api_key='sk-bench-not-a-key'))",
    "responses": "from pydantic_ai.models.openai import OpenAIResponsesModel as M\n"
    "from pydantic_ai.providers.openai import OpenAIProvider as P\n"
    "model = M('bench-model', provider=P(base_url=BASE, api_key='sk-bench-not-a-key'))",
    "anthropic": "from pydantic_ai.models.anthropic import AnthropicModel as M\n"
    "from pydantic_ai.providers.anthropic import AnthropicProvider as P\n"
    "model = M('bench-model', provider=P(base_url=BASE.removesuffix('/v1'), api_key='sk-bench-not-a-key'))",
    "gemini": "from pydantic_ai.models.google import GoogleModel as M\n"
    "from pydantic_ai.providers.google import GoogleProvider as P\n"
    "model = M('bench-model', provider=P(base_url=BASE.removesuffix('/v1'), api_key='sk-bench-not-a-key'))",
}
"""pydantic-ai direct, as a user would build each model (``BASE``: the server's ``/v1`` URL)."""

FAMILIES: dict[str, tuple[str, str | None, Callable[[], list[bytes]]]] = {
    "chat": ("@ai-sdk/openai-compatible", "openai", lambda: chat_body(20, 4)),
    "responses": ("@ai-sdk/openai", "openai", lambda: openai_responses_body(20, 4)),
    "anthropic": ("@ai-sdk/anthropic", "anthropic", lambda: anthropic_body(20)),
    "gemini": ("@ai-sdk/google", "google.genai", lambda: gemini_body(20)),
}
"""Provider family → (package, SDK module, a short stream of its protocol)."""


def first_event_rows(runs: int) -> list[dict[str, Any]]:
    """Fresh processes: the fallback's and pydantic-ai direct's first event, per family."""
    from run_all import row, run_process, start_server

    run_process("import pydantic_ai")  # warm the file cache
    baseline = [run_process("import pydantic_ai")[:2] for _ in range(runs)]
    baseline_modules = int(run_process("import sys, pydantic_ai; print(len(sys.modules))")[2])
    rows = []
    for family, (package, sdk, body) in FAMILIES.items():
        if find_spec(sdk.split(".")[0]) is None or find_spec(sdk) is None:
            continue
        server, base_url = start_server(body())
        fallback = FALLBACK_FIRST_EVENT.replace("PACKAGE", repr(package)).replace("BASE", repr(base_url))
        direct = DIRECT_FIRST_EVENT.replace("MODEL", DIRECT_MODELS[family]).replace("BASE", repr(base_url))
        timings: dict[str, list[tuple[float, float]]] = {"fallback": [], "direct": []}
        modules: dict[str, int] = {}
        try:
            run_process(fallback)  # warm this family's files
            for _ in range(runs):
                for side, code in (("fallback", fallback), ("direct", direct)):
                    wall, cpu, out = run_process(code)
                    timings[side].append((wall, cpu))
                    modules[side] = int(out.split()[-1])
        finally:
            server.terminate()
        subject = f"fallback, {family}, fresh process ({modules['fallback']} modules)"
        rows.append(
            row(
                "first event",
                subject,
                f"import pydantic_ai ({baseline_modules} modules)",
                timings["fallback"],
                baseline,
                1e-3,
                "ms",
                modules=modules["fallback"],
            )
        )
        rows.append(
            row(
                "first event",
                subject,
                f"pydantic-ai direct, {family}, fresh process ({modules['direct']} modules)",
                timings["fallback"],
                timings["direct"],
                1e-3,
                "ms",
                modules=modules["fallback"],
                baseline_modules=modules["direct"],
            )
        )
    return rows


REFUSED = """
import asyncio, time
from turnout import LLMRequest, Runtime, errors, user
async def main():
    options = {"apiKey": "sk-bench-not-a-key", "baseURL": BASE}
    async with Runtime(native=NATIVE, config={"provider": {"openai": {"options": options}}}) as runtime:
        start = time.perf_counter()
        try:
            async for _ in runtime.stream(LLMRequest(model="openai/gpt-4.1-mini", messages=[user("bench")])):
                pass
        except errors.TransportError as exc:
            print(type(exc).__name__, time.perf_counter() - start)
asyncio.run(main())
"""
"""Prints ``TransportError <seconds from the stream call to the error>``."""


def refused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refused_rows(runs: int) -> list[dict[str, Any]]:
    """Fresh processes: start to ``TransportError`` on a refused connection, fallback vs native."""
    from run_all import row, run_process

    base_url = f"http://127.0.0.1:{refused_port()}/v1"
    codes = {
        side: REFUSED.replace("BASE", repr(base_url)).replace("NATIVE", str(side == "native"))
        for side in ("fallback", "native")
    }
    timings: dict[str, list[tuple[float, float]]] = {"fallback": [], "native": []}
    in_stream: dict[str, list[float]] = {"fallback": [], "native": []}
    for _ in range(runs):
        for side, code in codes.items():
            wall, cpu, out = run_process(code)
            name, _, seconds = out.strip().partition(" ")
            if name != "TransportError":
                raise SystemExit(f"{side}: no TransportError for a refused connection: {out!r}")
            timings[side].append((wall, cpu))
            in_stream[side].append(float(seconds))
    # ``stream_ms``: from the ``stream()`` call to the error (the fallback's includes its lazy
    # import of pydantic-ai and the SDK; both include the core's retry backoff).
    return [
        row(
            "refused",
            "fallback: start → TransportError (3 attempts)",
            "native: start → TransportError (3 attempts)",
            timings["fallback"],
            timings["native"],
            1e-3,
            "ms",
            stream_ms=statistics.median(in_stream["fallback"]) * 1e3,
            baseline_stream_ms=statistics.median(in_stream["native"]) * 1e3,
        )
    ]


def print_rows(rows: list[dict[str, Any]]) -> None:
    """One line per row: ours vs baseline, CPU first."""
    for r in rows:
        print(
            f"{r['benchmark']:>12} | {r['subject']} vs {r['baseline']}: "
            f"CPU {r['cpu']:.2f} vs {r['baseline_cpu']:.2f} {r['unit']} (x{r['cpu_ratio']:.2f}), "
            f"wall {r['wall']:.2f} vs {r['baseline_wall']:.2f} (x{r['wall_ratio']:.2f})"
            + (f", throughput CPU x{r['cpu_throughput_ratio']:.2f}" if "cpu_throughput_ratio" in r else "")
            + (
                f", stream() → error {r['stream_ms']:.0f} vs {r['baseline_stream_ms']:.0f} ms"
                if "stream_ms" in r
                else ""
            )
        )


def main() -> None:
    """Run the three measurements and print their rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--text-deltas", type=int, default=5_000)
    parser.add_argument("--argument-deltas", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="short stream, 1 run: a smoke test")
    parser.add_argument("--only", choices=("stream", "first-event", "refused"))
    args = parser.parse_args()
    text, arguments = (1_000, 100) if args.quick else (args.text_deltas, args.argument_deltas)
    runs = 1 if args.quick else args.runs
    if args.only in (None, "stream"):
        print_rows(asyncio.run(stream_rows(args.rounds, text, arguments)))
    if args.only in (None, "first-event"):
        print_rows(first_event_rows(runs))
    if args.only in (None, "refused"):
        print_rows(refused_rows(runs))


if __name__ == "__main__":
    main()
