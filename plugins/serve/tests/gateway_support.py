"""Test helpers: a loopback upstream replaying recorded streams, the gateway on uvicorn in a
thread, and what a recording says (text, calls, usage) computed from its payloads."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import turnout_aisdk_fallback.plugin as fallback_plugin
import turnout_native_openai.plugin as native_plugin
import uvicorn
from turnout import Runtime
from turnout_serve.app import create_app
from turnout_serve.server import server_options
from turnout_serve.settings import GatewayKey, GatewaySettings, digest

from testsupport import recorded_path
from testsupport.loopback import serve

GATEWAY_KEY = "gw-test-key-4f1d9c2b"
"""The key tests present to the gateway."""
UPSTREAM_KEY = "sk-upstream-test-0000"
"""The key the gateway's runtime sends upstream."""


# -- the upstream ---------------------------------------------------------------------------


@dataclass
class Upstream:
    """A loopback provider: answers each POST with the next body; remembers what it was sent."""

    url: str = ""
    bodies: list[bytes] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    hang_after: int | None = None
    """When set: send this many bytes of the body, then wait for the client to close..."""
    resume_after: float | None = None
    """...or, when set too, this many seconds, then send the rest."""
    closed: threading.Event = field(default_factory=threading.Event)
    closed_at: float | None = None
    sent_partial: threading.Event = field(default_factory=threading.Event)

    def play(self, *bodies: bytes) -> None:
        """Answer the next POSTs with ``bodies`` (the last one repeats); forget earlier requests."""
        self.bodies[:] = bodies
        self.requests.clear()

    def json_requests(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [json.loads(request["body"]) for request in self.requests]


@contextmanager
def upstream(*bodies: bytes, hang_after: int | None = None, resume_after: float | None = None) -> Iterator[Upstream]:
    """Run an ``Upstream`` on 127.0.0.1."""
    state = Upstream(bodies=list(bodies), hang_after=hang_after, resume_after=resume_after)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)})
            body = state.bodies[min(len(state.requests), len(state.bodies)) - 1]
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            if state.hang_after is None:
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(body[: state.hang_after])
            self.wfile.flush()
            state.sent_partial.set()
            if state.resume_after is not None:
                time.sleep(state.resume_after)
                self.wfile.write(body[state.hang_after :])
                self.wfile.flush()
                return
            self.connection.settimeout(10)
            try:
                while self.connection.recv(1024):
                    pass
            except OSError:
                pass
            state.closed_at = time.monotonic()
            state.closed.set()
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Handler) as origin:
        state.url = origin
        yield state


@dataclass
class Failing:
    """What a failing upstream answers: ``status`` (``0``: nothing at all), ``body``, ``headers``."""

    url: str = ""
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@contextmanager
def failing_upstream() -> Iterator[Failing]:
    """A loopback provider answering every POST with the error its ``Failing`` state names."""
    state = Failing()
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if state.status == 0:
                release.wait(10)
                return
            self.send_response(state.status)
            self.send_header("content-type", "application/json")
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Handler) as origin:
        state.url = origin
        try:
            yield state
        finally:
            release.set()


def recording(subdir: str, name: str) -> bytes:
    """The bytes of a recorded stream."""
    return recorded_path(subdir, name).read_bytes()


# -- the gateway ----------------------------------------------------------------------------


def make_runtime(upstream_url: str, **options: Any) -> Runtime:
    """A runtime with the native OpenAI path for ``openai/*`` and the fallback (Chat
    Completions) for ``compat/*``, both pointed at the loopback upstream."""
    config = {
        "provider": {
            "openai": {"options": {"baseURL": f"{upstream_url}/v1", "apiKey": UPSTREAM_KEY}},
            "compat": {
                "npm": "@ai-sdk/openai-compatible",
                "api": f"{upstream_url}/v1",
                "options": {"apiKey": UPSTREAM_KEY},
                "models": {"gpt-4o": {}},
            },
        }
    }
    return Runtime(
        native=True, config=config, plugins=[native_plugin, fallback_plugin], load_entry_points=False, **options
    )


def settings(**overrides: Any) -> GatewaySettings:
    """Gateway settings with the test key (id ``tester``)."""
    values: dict[str, Any] = {"keys": (GatewayKey("tester", digest(GATEWAY_KEY)),)}
    values.update(overrides)
    return GatewaySettings(**values)


@dataclass
class Running:
    """A gateway running in a thread."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread


@contextmanager
def running_gateway(runtime: Runtime, gateway_settings: GatewaySettings | None = None) -> Iterator[Running]:
    """The gateway on uvicorn (the options ``turnout serve`` uses), in a thread, on an ephemeral
    loopback port."""
    gateway_settings = gateway_settings or settings()
    app = create_app(runtime, gateway_settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options = {**server_options(gateway_settings.drain_timeout), "log_level": "warning"}
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **options))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start")
        time.sleep(0.01)
    try:
        yield Running(f"http://127.0.0.1:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def gateway(runtime: Runtime, gateway_settings: GatewaySettings | None = None) -> Iterator[str]:
    """``running_gateway``, yielding its base URL."""
    with running_gateway(runtime, gateway_settings) as running:
        yield running.url


# -- what a recording says --------------------------------------------------------------------


def payloads(body: bytes) -> list[dict[str, Any]]:
    """Every JSON ``data:`` payload of an SSE body (``[DONE]`` left out)."""
    result = []
    for line in body.decode().splitlines():
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            result.append(json.loads(line[5:].strip()))
    return result


@dataclass
class Recorded:
    """The observable outcome of a recorded stream."""

    text: str = ""
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    """(call id, name, parsed arguments) of client function calls, in order."""
    usage: dict[str, int] = field(default_factory=dict)
    """input, output, total, cached, reasoning token counts."""
    terminal: dict[str, Any] | None = None
    """Responses: the ``response`` of the terminal event."""


def responses_recorded(body: bytes) -> Recorded:
    """What a Responses recording says."""
    result = Recorded()
    for event in payloads(body):
        kind = event["type"]
        if kind == "response.output_text.delta":
            result.text += event["delta"]
        elif kind == "response.output_item.done" and event["item"]["type"] == "function_call":
            item = event["item"]
            result.calls.append((item["call_id"], item["name"], json.loads(item["arguments"])))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            result.terminal = event["response"]
            usage = event["response"].get("usage") or {}
            result.usage = {
                "input": usage["input_tokens"],
                "output": usage["output_tokens"],
                "total": usage["total_tokens"],
                "cached": (usage.get("input_tokens_details") or {}).get("cached_tokens", 0),
                "reasoning": (usage.get("output_tokens_details") or {}).get("reasoning_tokens", 0),
            }
    return result


def chat_recorded(body: bytes) -> Recorded:
    """What a Chat Completions recording says."""
    result = Recorded()
    slots: dict[int, dict[str, str]] = {}
    for chunk in payloads(body):
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            result.text += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                slot = slots.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                slot["name"] += (call.get("function") or {}).get("name") or ""
                slot["arguments"] += (call.get("function") or {}).get("arguments") or ""
        if usage := chunk.get("usage"):
            result.usage = {
                "input": usage["prompt_tokens"],
                "output": usage["completion_tokens"],
                "total": usage["total_tokens"],
                "cached": (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0),
                "reasoning": (usage.get("completion_tokens_details") or {}).get("reasoning_tokens", 0),
            }
    result.calls = [(slot["id"], slot["name"], json.loads(slot["arguments"] or "{}")) for slot in slots.values()]
    return result
