"""Test helpers: a loopback echo service to record against, and the shared configuration."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from turnout.testing import DEFAULT_REQUEST_HEADERS, Redactor

ECHO_KEY = "fixture-echo-key"
"""The key the loopback service accepts (a placeholder: never a real credential)."""

REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
"""The base URL while replaying: nothing listens there, replay never touches the network."""

REDACTOR = Redactor(
    request_headers=DEFAULT_REQUEST_HEADERS | {"x-echo-client"},
    url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://echo.test")],
)
"""What the cassettes keep: our client header too, and the random loopback port made stable."""


def echo_config(base_url: str) -> dict[str, Any]:
    """Configuration with one echo provider at ``base_url``."""
    return {
        "provider": {
            "echo": {
                "npm": "@turnout-example/echo",
                "api": base_url,
                "options": {"apiKey": ECHO_KEY},
                "models": {"echo-1": {}},
            }
        }
    }


class _EchoHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/v1/chat":
            self.send_error(404)
            return
        if self.headers.get("authorization") != f"Bearer {ECHO_KEY}":
            self.send_error(401)
            return
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        messages = body["messages"]
        last = next((m["text"] for m in reversed(messages) if m["role"] == "user"), "")
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        self._send("start", {"id": f"msg_{uuid.uuid4().hex[:12]}"})
        if "please fail" in last:
            self._send("error", {"message": "the echo service failed on purpose", "code": "echo_failed"})
            return
        words = f"echo: {last}".split(" ")
        for index, word in enumerate(words):
            self._send("delta", {"text": word if index == 0 else f" {word}"})
        usage = {"input_tokens": sum(len(m["text"].split()) for m in messages), "output_tokens": len(words)}
        self._send("done", {"finish_reason": "stop", "usage": usage})

    def _send(self, event: str, data: dict[str, Any]) -> None:
        self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def echo_server() -> Iterator[str]:
    """Run the echo service on 127.0.0.1 (a free port); yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
