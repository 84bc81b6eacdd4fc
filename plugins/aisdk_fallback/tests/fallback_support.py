"""Helpers for the fallback plugin's tests: a loopback HTTP server, configs, running requests.

Requests run through ``turnout.Runtime`` (selection, lowering, header merge, the stream guard,
host tools and the final ``finish``) against a stdlib HTTP server bound to 127.0.0.1 that
replays a recorded body.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import turnout
from turnout.events import LLMEvent
from turnout_aisdk_fallback import plugin as fallback_plugin


def sse(*events: dict[str, Any], named: bool = True, done: bool = False) -> bytes:
    """An SSE body: one frame per payload (``event:`` lines named after ``type`` when ``named``)."""
    frames = [(f"event: {e['type']}\n" if named else "") + f"data: {json.dumps(e)}\n\n" for e in events]
    return ("".join(frames) + ("data: [DONE]\n\n" if done else "")).encode()


@dataclass
class Recorded:
    """One request the loopback server received."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class LoopbackServer:
    """Answers every POST with the configured status, content type and body; records requests."""

    status: int = 200
    content_type: str = "text/event-stream"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def serve(
        self,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "text/event-stream",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Set what the next requests get."""
        self.body, self.status, self.content_type = body, status, content_type
        self.headers = headers or {}


@contextmanager
def loopback_server() -> Iterator[LoopbackServer]:
    """A loopback HTTP server in a thread (127.0.0.1, an ephemeral port), shut down on exit."""
    state = LoopbackServer()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            state.requests.append(
                Recorded(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
            )
            self.send_response(state.status)
            self.send_header("content-type", state.content_type)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def provider_config(base_url: str, package: str, provider: str = "p", **extra: Any) -> dict[str, Any]:
    """A config with one provider served by ``package`` at ``base_url``."""
    options = {"apiKey": "test-key", "baseURL": base_url, **extra}
    return {"provider": {provider: {"npm": package, "options": options}}}


def run_fallback(
    config: dict[str, Any],
    request: turnout.LLMRequest,
    *,
    plugins: tuple[Any, ...] = (fallback_plugin,),
    native: bool | None = None,
    max_steps: int = 1,
) -> tuple[list[LLMEvent], str | None]:
    """Run ``request`` through a ``turnout.Runtime``; return the events and the runtime used."""

    async def go() -> tuple[list[LLMEvent], str | None]:
        async with turnout.Runtime(native=native, config=config, plugins=plugins, load_entry_points=False) as runtime:
            response = await runtime.generate(request, max_steps=max_steps)
            return list(response.events), response.runtime

    return asyncio.run(go())
