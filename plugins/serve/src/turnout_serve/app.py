"""The ASGI application: ``/v1/responses``, ``/v1/chat/completions``, ``/v1/models``, ``/healthz``.

Each completion request is authenticated (401), read up to the body limit (413), checked
against the key's model allowlist (403), mapped to an ``LLMRequest`` and run through the
runtime with ``max_steps=1`` and no host tools: client tool calls go back to the client. The
first event is awaited before anything is sent, so upstream failures before it (HTTP status,
transport, no runtime) become OpenAI-style error responses with the right status; after it, a
failure ends the stream the way the wire format does. When the client goes away, the upstream
request is closed at once. Nothing is kept between requests.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import anyio
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from turnout.plugin_api import Finish, LLMEvent, LLMRequest

from turnout_serve.access_log import AccessRecord, log_to_stderr
from turnout_serve.auth import authenticate
from turnout_serve.chat_request import chat_request
from turnout_serve.chat_stream import ChatWriter
from turnout_serve.coalesce import coalesced
from turnout_serve.errors import GatewayError, from_exception, invalid
from turnout_serve.responses_request import responses_request
from turnout_serve.responses_stream import ResponsesWriter
from turnout_serve.settings import GatewayKey, GatewaySettings

if TYPE_CHECKING:
    from turnout import Runtime

__all__ = ["app_from_environment", "create_app"]

T = TypeVar("T")
_CLOSE_TIMEOUT = 1.0  # seconds the upstream gets to close when the client went away


class _Writer(Protocol):
    def start(self) -> list[dict[str, Any]]: ...
    def feed(self, event: LLMEvent) -> list[dict[str, Any]]: ...
    def fail(self, error: GatewayError) -> list[dict[str, Any]]: ...
    def result(self) -> dict[str, Any]: ...
    @property
    def failed(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class _Api:
    """One wire format: how its body becomes a request and how events go back."""

    to_request: Callable[[Mapping[str, Any], str], LLMRequest]
    writer: Callable[[str, dict[str, Any]], _Writer]
    named_events: bool
    """Responses SSE names each event (``event: <type>``); Chat Completions ends with ``[DONE]``."""


_RESPONSES = _Api(responses_request, lambda model, body: ResponsesWriter(model, body), named_events=True)
_CHAT = _Api(
    chat_request,
    lambda model, body: ChatWriter(model, include_usage=bool((body.get("stream_options") or {}).get("include_usage"))),
    named_events=False,
)


class _ClientGone(Exception):
    """The client disconnected before the response started."""


def _error_response(error: GatewayError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers())


def _encode(events: list[dict[str, Any]], named: bool) -> bytes:
    if named:
        return b"".join(
            b"event: " + event["type"].encode() + b"\ndata: " + to_json(event) + b"\n\n" for event in events
        )
    return b"".join(b"data: " + to_json(event) + b"\n\n" for event in events)


class Gateway:
    """The request handlers, around one ``Runtime`` and the settings."""

    def __init__(self, runtime: Runtime, settings: GatewaySettings) -> None:
        self.runtime = runtime
        self.settings = settings

    # -- plain endpoints ------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        """Liveness and readiness: 200 while the process serves."""
        return JSONResponse({"status": "ok"})

    async def models(self, request: Request) -> Response:
        """The configured models and aliases the key may use."""
        record = AccessRecord(request.method, request.url.path)
        try:
            key = self._authenticate(request)
            record.key_id = key.id
            names = [
                (f"{provider_id}/{model_id}", provider_id)
                for provider_id, provider in self.runtime.config.provider.items()
                for model_id in provider.models
            ]
            names += [(alias, ref.partition("/")[0]) for alias, ref in self.settings.aliases.items()]
            data = [
                {"id": name, "object": "model", "created": 0, "owned_by": owner}
                for name, owner in names
                if key.allows(name, self.settings.aliases.get(name, name))
            ]
            return JSONResponse({"object": "list", "data": data})
        except GatewayError as error:
            record.status, record.outcome = error.status, "error"
            return _error_response(error)
        finally:
            record.emit()

    # -- completions ----------------------------------------------------------------------------

    async def responses(self, request: Request) -> Response:
        """``POST /v1/responses``."""
        return await self._complete(request, _RESPONSES)

    async def chat_completions(self, request: Request) -> Response:
        """``POST /v1/chat/completions``."""
        return await self._complete(request, _CHAT)

    async def _complete(self, request: Request, api: _Api) -> Response:
        record = AccessRecord(request.method, request.url.path)
        streaming = False
        try:
            key = self._authenticate(request)
            record.key_id = key.id
            body = await self._json_body(request)
            requested, ref = self._model(body, key)
            record.model, record.stream = ref, bool(body.get("stream"))
            llm_request = api.to_request(body, ref)
            record.runtime = self.runtime.select(llm_request).runtime
            events = self.runtime.stream(llm_request, max_steps=1)
            try:
                first = await self._until_disconnect(request, anext(events))
            except BaseException:
                await _close(events)
                raise
            writer = api.writer(requested, body)
            headers = {"x-turnout-runtime": record.runtime or ""}
            if record.stream:
                streaming = True
                return StreamingResponse(
                    coalesced(self._sse(events, first, writer, record, api.named_events)),
                    media_type="text/event-stream",
                    headers={**headers, "cache-control": "no-cache"},
                )
            result = await self._until_disconnect(request, self._collect(events, first, writer, record))
            if writer.failed:
                raise GatewayError(502, _failure_message(result), type="upstream_error")
            return JSONResponse(result, headers=headers)
        except _ClientGone:
            record.status, record.outcome = 499, "client_disconnected"
            return Response(status_code=499)
        except Exception as exc:
            error = from_exception(exc)
            record.status, record.outcome = error.status, "error"
            return _error_response(error)
        finally:
            if not streaming:
                record.emit()

    def _authenticate(self, request: Request) -> GatewayKey:
        key = authenticate(request.headers, self.settings.keys)
        if key is None:
            raise GatewayError(
                401,
                "missing or invalid gateway API key (send it as 'Authorization: Bearer <key>')",
                type="authentication_error",
                code="invalid_api_key",
            )
        return key

    async def _json_body(self, request: Request) -> dict[str, Any]:
        limit = self.settings.max_body_bytes
        too_large = GatewayError(413, f"request body larger than {limit} bytes", code="request_too_large")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        try:
            body = json.loads(b"".join(chunks))
        except ValueError:
            raise invalid("the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        return body

    def _model(self, body: Mapping[str, Any], key: GatewayKey) -> tuple[str, str]:
        requested = body.get("model")
        if not isinstance(requested, str) or not requested:
            raise invalid("model is required: '<provider>/<model>' or a configured alias", param="model")
        ref = self.settings.aliases.get(requested, requested)
        provider, _, model_id = ref.partition("/")
        if not provider or not model_id:
            raise GatewayError(
                404,
                f"unknown model {requested!r}: use '<provider>/<model>' or a configured alias",
                code="model_not_found",
                param="model",
            )
        if not key.allows(requested, ref):
            raise GatewayError(
                403,
                f"this API key may not use the model {requested!r}",
                type="permission_error",
                code="model_not_allowed",
                param="model",
            )
        return requested, ref

    async def _until_disconnect(self, request: Request, work: Awaitable[T]) -> T:
        """Await ``work``, cancelling it (and raising ``_ClientGone``) if the client disconnects."""
        result: list[T] = []
        failure: list[Exception] = []

        async def run(scope: anyio.CancelScope) -> None:
            try:
                result.append(await work)
            except Exception as exc:  # raised below, not as an exception group
                failure.append(exc)
            scope.cancel()

        async def watch(scope: anyio.CancelScope) -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(run, group.cancel_scope)
            group.start_soon(watch, group.cancel_scope)
        if failure:
            raise failure[0]
        if not result:
            raise _ClientGone
        return result[0]

    async def _collect(
        self, events: AsyncIterator[LLMEvent], first: LLMEvent, writer: _Writer, record: AccessRecord
    ) -> dict[str, Any]:
        try:
            writer.start()
            writer.feed(first)
            async for event in events:
                if isinstance(event, Finish):
                    record.usage(event.usage)
                writer.feed(event)
        finally:
            await _close(events)
        return writer.result()

    async def _sse(
        self,
        events: AsyncIterator[LLMEvent],
        first: LLMEvent,
        writer: _Writer,
        record: AccessRecord,
        named: bool,
    ) -> AsyncIterator[bytes]:
        try:
            yield _encode(writer.start() + writer.feed(first), named)
            async for event in events:
                if isinstance(event, Finish):
                    record.usage(event.usage)
                wire = writer.feed(event)
                if wire:
                    yield _encode(wire, named)
            if writer.failed:
                record.outcome = "upstream_error"
        except anyio.get_cancelled_exc_class():
            record.outcome = "client_disconnected"
            raise
        except Exception as exc:
            error = from_exception(exc)
            record.outcome = "error"
            yield _encode(writer.fail(error), named)
        finally:
            await _close(events)
            record.emit()
        if not named:
            yield b"data: [DONE]\n\n"


def _failure_message(result: Mapping[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return f"upstream error: {error['message']}"
    return "the upstream provider reported an error"


async def _close(events: AsyncIterator[LLMEvent]) -> None:
    """Close the runtime's stream (and so the upstream connection), even inside a cancelled scope."""
    close = getattr(events, "aclose", None)
    if close is None:
        return
    with anyio.move_on_after(_CLOSE_TIMEOUT, shield=True), contextlib.suppress(Exception):
        await close()


def create_app(runtime: Runtime, settings: GatewaySettings) -> Starlette:
    """The gateway application for ``runtime`` and ``settings`` (the runtime is closed on shutdown)."""
    gateway = Gateway(runtime, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await runtime.aclose()

    app = Starlette(
        routes=[
            Route("/healthz", gateway.healthz, methods=["GET"]),
            Route("/v1/models", gateway.models, methods=["GET"]),
            Route("/v1/responses", gateway.responses, methods=["POST"]),
            Route("/v1/chat/completions", gateway.chat_completions, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
        )
    return app


def app_from_environment() -> Starlette:
    """The application for ``uvicorn --factory`` (each worker): configuration from
    ``$TURNOUT_CONFIG`` and friends, access lines to stderr."""
    from turnout import Runtime

    log_to_stderr()
    runtime = Runtime()
    return create_app(runtime, GatewaySettings.from_config(runtime.config))
