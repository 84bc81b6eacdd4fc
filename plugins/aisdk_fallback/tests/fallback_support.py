"""Helpers for the fallback plugin's tests: configs, running requests, replaying recordings.

Requests run through ``turnout.Runtime`` (selection, lowering, header merge, the stream guard,
host tools and the final ``finish``), either against a stdlib HTTP server bound to 127.0.0.1
(``loopback_server``) or over the testing kit's ``CassetteTransport`` replaying a recording
(``replay_recorded``): the SDK clients the fallback builds use the runtime's HTTP client either way.
"""

from __future__ import annotations

import asyncio
import http.server
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import turnout
from turnout.events import LLMEvent
from turnout.testing.cassette import Cassette, CassetteTransport, Interaction, RecordedRequest, RecordedResponse
from turnout_aisdk_fallback import plugin as fallback_plugin

from testsupport.loopback import serve

RECORDED_BASE_URL = "http://provider.test/v1"
"""The base URL when replaying a recording: nothing listens there, the cassette answers."""


def sse(*events: dict[str, Any], named: bool = True, done: bool = False) -> bytes:
    """An SSE body: one frame per payload (``event:`` lines named after ``type`` when ``named``)."""
    frames = [(f"event: {e['type']}\n" if named else "") + f"data: {json.dumps(e)}\n\n" for e in events]
    return ("".join(frames) + ("data: [DONE]\n\n" if done else "")).encode()


AnthropicBlock = tuple[dict[str, Any], list[dict[str, Any]]]
"""One Anthropic content block: its ``content_block_start`` body and its deltas."""


def anthropic_text(*chunks: str) -> AnthropicBlock:
    """A text block streamed in ``chunks``."""
    return {"type": "text", "text": ""}, [{"type": "text_delta", "text": c} for c in chunks]


def anthropic_thinking(*chunks: str, signature: str) -> AnthropicBlock:
    """A thinking block streamed in ``chunks``, closed by its signature."""
    deltas = [{"type": "thinking_delta", "thinking": c} for c in chunks]
    return {"type": "thinking", "thinking": ""}, [*deltas, {"type": "signature_delta", "signature": signature}]


def anthropic_tool_use(call_id: str, name: str, *partial_json: str) -> AnthropicBlock:
    """A tool_use block whose input arrives as ``partial_json`` fragments."""
    start = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
    return start, [{"type": "input_json_delta", "partial_json": p} for p in partial_json]


def anthropic_message_start(usage: dict[str, int], model: str = "claude-x") -> dict[str, Any]:
    """The ``message_start`` event of an Anthropic Messages stream."""
    message = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "usage": usage,
    }
    return {"type": "message_start", "message": message}


def anthropic_stream(
    *blocks: AnthropicBlock, usage: dict[str, int], stop_reason: str, output_tokens: int, model: str = "claude-x"
) -> bytes:
    """A whole Anthropic Messages SSE body: message start, each block, the final delta and stop."""
    events = [anthropic_message_start(usage, model)]
    for index, (start, deltas) in enumerate(blocks):
        events.append({"type": "content_block_start", "index": index, "content_block": start})
        events += [{"type": "content_block_delta", "index": index, "delta": delta} for delta in deltas]
        events.append({"type": "content_block_stop", "index": index})
    events.append(
        {"type": "message_delta", "delta": {"stop_reason": stop_reason}, "usage": {"output_tokens": output_tokens}}
    )
    events.append({"type": "message_stop"})
    return sse(*events)


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

    with serve(Handler) as origin:
        state.port = int(origin.rsplit(":", 1)[1])
        yield state


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


def recording(
    body: bytes | str,
    *,
    status: int = 200,
    content_type: str = "text/event-stream",
    headers: dict[str, str] | None = None,
) -> RecordedResponse:
    """A recorded response (a stream by default)."""
    text = body.decode() if isinstance(body, bytes) else body
    return RecordedResponse(status, {"content-type": content_type, **(headers or {})}, text)


class SentRequests(httpx2.AsyncBaseTransport):
    """Keeps every request as sent (credentials included, unlike a cassette) and passes it on."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, requests: list[httpx2.Request] | None = None) -> None:
        self.inner = inner
        self.requests: list[httpx2.Request] = [] if requests is None else requests

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Replayed:
    """What a replayed request gave: the events, the runtime used, the HTTP requests sent."""

    events: list[LLMEvent]
    runtime: str | None
    sent: list[httpx2.Request]

    def sent_json(self, index: int = 0) -> Any:
        """The JSON body of sent request ``index``."""
        return json.loads(self.sent[index].content)


def replay_recorded(
    config: dict[str, Any],
    request: turnout.LLMRequest,
    url: str,
    *responses: RecordedResponse,
    plugins: tuple[Any, ...] = (fallback_plugin,),
    native: bool | None = None,
    sent: list[httpx2.Request] | None = None,
) -> Replayed:
    """Run ``request`` through a ``turnout.Runtime`` whose network is an in-memory cassette.

    The cassette holds ``responses`` recorded by another client, each answering one ``POST url``
    in order: the recordings' request bodies are not ours, so the kit matches on method and URL
    only. A request elsewhere fails with the kit's diff, and so does a response nobody requested.
    The requests sent are also appended to ``sent`` when given (to count them when the run raises).
    """
    cassette = Cassette("recording", [Interaction(RecordedRequest("POST", url), r) for r in responses])
    transport = CassetteTransport(cassette, "replay", match_on=("method", "url"))
    spy = SentRequests(transport, sent)

    async def go() -> tuple[list[LLMEvent], str | None]:
        async with turnout.Runtime(
            native=native, config=config, plugins=plugins, load_entry_points=False, transport=spy
        ) as runtime:
            response = await runtime.generate(request)
            return list(response.events), response.runtime

    try:
        events, runtime = asyncio.run(go())
    except Exception as failure:
        if transport.errors:  # the cassette's own error, however the SDK wrapped it
            raise transport.errors[0] from failure
        raise
    transport.verify()
    return Replayed(events, runtime, spy.requests)
