"""A real console on loopback for the tests: stdlib ``http.server`` in a thread on 127.0.0.1.

It implements ``console-protocol.md``: the device login (``authorization_pending`` a few
times, then ``slow_down``, then approval), token refresh with rotation and expiry, ``/api/user``,
``/api/orgs``, ``/api/config`` (or 404), and the Zen proxy under
``/proxy/connections/<id>/v1`` that checks ``Authorization`` and ``x-org-id`` (401 otherwise)
and serves recorded Responses, Chat Completions and Anthropic Messages streams read from ``tests/recorded`` at test
time, with Zen's trailing ``ping`` event after ``response.completed``. Every request is
recorded so tests can assert on what the client sent.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONNECTION = "conn_test"
USER = {"id": "usr_test", "email": "dev@example.com"}
ORGS = [{"id": "org_alpha", "name": "Alpha"}, {"id": "org_beta", "name": "Beta"}]
PING = b'event: ping\ndata: {"type":"ping","cost":"0.00042"}\n\n'


@dataclass
class Recorded:
    """One request the console received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ConsoleState:
    """What the console knows, how it should behave, and what it received."""

    responses_stream: Path | None = None
    chat_stream: Path | None = None
    messages_stream: Path | None = None
    pending_polls: int = 3
    slow_down: bool = True
    deny: bool = False
    interval: int = 0
    expires_in: int = 3600
    has_config: bool = True
    refusal_status: int | None = None
    config_extra: dict[str, Any] = field(default_factory=dict)
    """Merged over the remote config served by ``/api/config`` (e.g. a malicious console's)."""
    refresh_delay: float = 0.05
    """Seconds a refresh takes (it holds the console's lock: refreshes never overlap)."""
    refresh_gate: threading.Event | None = None
    """When set, a refresh waits (at most 10 s) until the test sets this event."""
    access_tokens: list[str] = field(default_factory=list)
    refresh_tokens: list[str] = field(default_factory=list)
    polls: int = 0
    refreshes: int = 0
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def access_token(self) -> str | None:
        """The newest access token (the API answers only to it; the proxy accepts every issued one
        until it expires, as bearer tokens with an expiry do)."""
        return self.access_tokens[-1] if self.access_tokens else None

    def issue(self) -> dict[str, Any]:
        access = f"ztok-SECRET-{secrets.token_hex(12)}"
        refresh = f"zref-SECRET-{secrets.token_hex(12)}"
        self.access_tokens.append(access)
        self.refresh_tokens.append(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }

    def paths(self, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(prefix)]


class ConsoleServer:
    """Start with ``with ConsoleServer(state) as server:``; ``server.url`` is the base URL."""

    def __init__(self, state: ConsoleState) -> None:
        self.state = state
        handler = type("Handler", (_Handler,), {"state": state})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        handler.base_url = self.url
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> ConsoleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def remote_config(self) -> dict[str, Any]:
        return _remote_config(self.url)


def _remote_config(base_url: str) -> dict[str, Any]:
    return {
        "provider": {
            "opencode": {
                "name": "OpenCode Zen",
                "npm": "@ai-sdk/openai-compatible",
                "api": f"{base_url}/proxy/connections/{CONNECTION}/v1",
                "options": {
                    "apiKey": "{env:OPENCODE_CONSOLE_TOKEN}",
                    "headers": {"x-org-id": ORGS[0]["id"]},
                },
                "models": {
                    "gpt-5.2-codex": {
                        "name": "GPT-5.2 Codex",
                        "provider": {"npm": "@ai-sdk/openai"},
                    },
                    "claude-sonnet-4-5": {"provider": {"npm": "@ai-sdk/anthropic"}},
                    "qwen3-coder": {},
                },
            }
        }
    }


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = (
            _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


class _Handler(BaseHTTPRequestHandler):
    state: ConsoleState
    base_url: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        state = self.state
        with state.lock:
            state.requests.append(Recorded(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        route = {
            ("POST", "/auth/device/code"): self._device_code,
            ("POST", "/auth/device/token"): self._token,
            ("GET", "/api/user"): lambda _: self._authorized(lambda: (200, USER)),
            ("GET", "/api/orgs"): lambda _: self._authorized(lambda: (200, ORGS)),
            ("GET", "/api/config"): self._config,
        }.get((method, self.path))
        proxy = f"/proxy/connections/{CONNECTION}/v1/"
        if route is not None:
            route(body)
        elif method == "POST" and self.path.startswith(proxy):
            self._proxy(self.path.removeprefix(proxy))
        else:
            self._json(404, {"error": "not_found"})

    # -- auth -------------------------------------------------------------------------------

    def _device_code(self, body: Any) -> None:
        if not isinstance(body, dict) or not body.get("client_id"):
            self._json(400, {"error": "invalid_client"})
            return
        self._json(
            200,
            {
                "device_code": "dev-SECRET-code",
                "user_code": "WXYZ-1234",
                "verification_uri_complete": "/auth/device?user_code=WXYZ-1234",
                "expires_in": 600,
                "interval": self.state.interval,
            },
        )

    def _token(self, body: Any) -> None:
        state = self.state
        grant = body.get("grant_type") if isinstance(body, dict) else None
        with state.lock:
            if grant == "urn:ietf:params:oauth:grant-type:device_code" and body.get("device_code") == "dev-SECRET-code":
                state.polls += 1
                if state.deny:
                    self._json(400, {"error": "access_denied", "error_description": "the user said no"})
                elif state.polls <= state.pending_polls:
                    self._json(400, {"error": "authorization_pending"})
                elif state.slow_down and state.polls == state.pending_polls + 1:
                    self._json(400, {"error": "slow_down"})
                else:
                    self._json(200, state.issue())
            elif grant == "refresh_token":
                if state.refusal_status is not None:
                    self._json(
                        state.refusal_status,
                        {"error": "invalid_grant", "error_description": "revoked"},
                    )
                elif state.refresh_tokens and body.get("refresh_token") == state.refresh_tokens[-1]:
                    state.refreshes += 1
                    if state.refresh_gate is not None:
                        state.refresh_gate.wait(10)
                    time.sleep(state.refresh_delay)  # widen the window in which refreshes would overlap
                    self._json(200, state.issue())
                else:
                    self._json(
                        400,
                        {"error": "invalid_grant", "error_description": "unknown refresh token"},
                    )
            else:
                self._json(400, {"error": "unsupported_grant_type"})

    def _authorized(self, answer: Any) -> None:
        if self.headers.get("authorization") != f"Bearer {self.state.access_token}":
            self._json(401, {"error": "unauthorized"})
            return
        status, body = answer()
        self._json(status, body)

    def _config(self, _: Any) -> None:
        if self.headers.get("x-org-id") not in {org["id"] for org in ORGS}:
            self._json(403, {"error": "forbidden"})
        elif not self.state.has_config:
            self._authorized(lambda: (404, {"error": "no config"}))
        else:
            config = _merged(_remote_config(self.base_url), self.state.config_extra)
            self._authorized(lambda: (200, {"config": config}))

    # -- Zen proxy --------------------------------------------------------------------------

    def _proxy(self, endpoint: str) -> None:
        state = self.state
        if (
            self.headers.get("authorization") not in {f"Bearer {token}" for token in state.access_tokens}
            or self.headers.get("x-org-id") != ORGS[0]["id"]
        ):
            self._json(401, {"error": {"message": "invalid console credentials", "type": "unauthorized"}})
            return
        if endpoint == "responses" and state.responses_stream is not None:
            self._sse(state.responses_stream.read_bytes().rstrip(b"\n") + b"\n\n" + PING)
        elif endpoint == "chat/completions" and state.chat_stream is not None:
            self._sse(state.chat_stream.read_bytes())
        elif endpoint == "messages" and state.messages_stream is not None:
            self._sse(state.messages_stream.read_bytes())
        else:
            self._json(404, {"error": {"message": f"no such endpoint {endpoint}"}})

    def _sse(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
