"""Running one request through either runtime against a loopback capture server.

The server (``testsupport.loopback.serve_sse``, 127.0.0.1) answers with recorded Responses
streams from ``tests/recorded`` and keeps every request exactly as it reached the wire: path,
headers (in wire order) and JSON body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import turnout_aisdk_fallback.plugin as fallback_plugin
import turnout_native_openai.plugin as native_plugin
from turnout.request import LLMRequest
from turnout.response import Response
from turnout.runtime import Runtime

from testsupport import recorded_path
from testsupport.loopback import Served, serve_sse

KEY = "sk-fidelity-test-0000"
"""The API key every test provider is configured with."""

RUNTIMES = {"native-openai": (True, native_plugin), "aisdk-fallback": (False, fallback_plugin)}
"""Runtime id → (native flag, the plugin that owns it)."""


def recorded_stream(name: str) -> bytes:
    """A recorded OpenAI Responses SSE body."""
    return recorded_path("openai-responses", f"{name}.sse").read_bytes()


def sse_payloads(body: bytes) -> list[dict[str, Any]]:
    """The JSON payloads of an SSE body, read without the parser under test."""
    return [json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")]


@dataclass
class Wire:
    """One request as the server received it."""

    path: str
    headers: list[tuple[str, str]]
    body: dict[str, Any]

    def header(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive)."""
        return [value for key, value in self.headers if key.lower() == name.lower()]


def wires(served: Served) -> list[Wire]:
    """Every request the server received."""
    return [
        Wire(str(r["path"]), list(r["headers"].items()), json.loads(r["body"]))  # type: ignore[union-attr,arg-type]
        for r in served.requests
    ]


@contextmanager
def capture(*bodies: bytes) -> Iterator[Served]:
    """A loopback server answering the n-th POST with ``bodies[n]`` (the last repeats)."""
    with serve_sse(list(bodies)) as served:
        yield served


def config_for(served: Served, provider: str = "openai", **options: Any) -> dict[str, Any]:
    """The built-in ``provider`` pointed at the capture server, with ``KEY``."""
    return {"provider": {provider: {"options": {"apiKey": KEY, "baseURL": f"{served.url}/v1", **options}}}}


def runtime(runtime_id: str, config: dict[str, Any], *extra_plugins: object) -> Runtime:
    """A ``Runtime`` where only ``runtime_id`` can run (its plugin alone, plus ``extra_plugins``)."""
    native, plugin = RUNTIMES[runtime_id]
    return Runtime(native=native, config=config, plugins=[plugin, *extra_plugins], load_entry_points=False)


def generate(runtime_id: str, config: dict[str, Any], request: LLMRequest, *extra_plugins: object) -> Response:
    """``generate_sync`` on ``runtime(...)``; checks the runtime that ran."""
    response = runtime(runtime_id, config, *extra_plugins).generate_sync(request)
    assert response.runtime == runtime_id
    return response
