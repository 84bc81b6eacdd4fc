"""pydantic-ai stream events → turnout ``LLMEvent``s, for one provider call.

Each pydantic-ai part becomes one block: text → ``text-*``, thinking → ``reasoning-*``, a
function tool call → ``tool-input-start → tool-input-delta* → tool-input-end → tool-call``
(arguments parsed; malformed JSON gives a ``tool-error``, never ``{}``), a provider-executed
("native") tool call / return → ``tool-call`` / ``tool-result`` with ``provider_executed``. The
step ends with one ``step-finish`` carrying normalized usage and the finish reason; the core
emits the final ``finish``. Importing this module imports pydantic-ai.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard, cast

from pydantic_ai import messages as pai
from pydantic_ai.direct import model_request_stream
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import RequestUsage
from pydantic_core import to_jsonable_python
from turnout.plugin_api import (
    FinishReason,
    HTTPClient,
    LLMEvent,
    ProviderError,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    ResolvedModel,
    Source,
    StepFinish,
    StepStart,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolInputDelta,
    ToolInputEnd,
    ToolInputStart,
    ToolResult,
    ToolResultValue,
    Usage,
    WireRequest,
    excerpt,
    secrets_in_headers,
)

from turnout_aisdk_fallback import metadata
from turnout_aisdk_fallback.errors import in_stream_error, map_exception
from turnout_aisdk_fallback.gate import NO_EXTRA_HEADERS
from turnout_aisdk_fallback.lowering import Lowered
from turnout_aisdk_fallback.models import build_model

__all__ = ["CACHE_READ_DETAIL", "CACHE_WRITE_DETAIL", "EventConverter", "open_stream", "to_usage"]

CACHE_READ_DETAIL = "cached_tokens"
"""The usage detail present when the provider reported its cached input (even 0; see ``dialects``)."""
CACHE_WRITE_DETAIL = "cache_write_tokens"
"""The usage detail present when the provider reported its cache writes (even 0)."""

_FINISH_REASONS: dict[str | None, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_call": "tool-calls",
    "content_filter": "content-filter",
    "error": "error",
}

_OPENAI_HOSTED_NAMES = {"code_execution": "code_interpreter"}
"""pydantic-ai's name → the Responses tool name the native runtime reports (its item type)."""

_REPORTED_BUCKETS: dict[str, frozenset[str]] = {
    # Buckets the provider's API always reports, so 0 there means "none", not "unknown".
    "openai-responses": frozenset({"cache_read", "reasoning"}),
    # Chat Completions providers: only what the payload reported (see ``dialects``).
    "openai-chat": frozenset(),
    "openrouter": frozenset(),
    "azure": frozenset({"cache_read", "reasoning"}),
    "anthropic": frozenset({"cache_read", "cache_write"}),
    "google": frozenset({"cache_read", "reasoning"}),
    "google-vertex": frozenset({"cache_read", "reasoning"}),
    "mistral": frozenset(),
}


async def open_stream(wire: WireRequest, model: ResolvedModel, http: HTTPClient) -> AsyncIterator[LLMEvent]:
    """Send the lowered request through pydantic-ai over ``http.client``; yield the events.

    SDK and pydantic-ai failures are raised as ``turnout.errors`` types; an error the provider
    reports inside the stream is yielded as ``provider-error`` (the core then ends the step).
    """
    lowered = wire.payload
    if not isinstance(lowered, Lowered):
        raise TypeError(f"aisdk-fallback expects a payload it lowered, got {type(lowered).__name__}")
    pai_model = build_model(model, lowered.route, http.client)
    settings = dict(lowered.settings)
    if wire.headers and lowered.route.api not in NO_EXTRA_HEADERS:  # the gate refuses caller headers there
        settings["extra_headers"] = dict(wire.headers)
    secrets = [model.api_key.get_secret_value()] if model.api_key is not None else []
    secrets += secrets_in_headers(wire.headers)
    converter = EventConverter(api=lowered.route.api)
    try:
        async with model_request_stream(
            pai_model,
            lowered.messages,
            model_settings=cast(ModelSettings, settings),
            model_request_parameters=lowered.parameters,
            instrument=False,
        ) as stream:
            async for event in stream:
                for converted in converter.feed(event):
                    yield converted
            response = stream.get()
    except Exception as exc:
        reported = in_stream_error(exc, secrets)
        if reported is None:
            mapped = map_exception(exc, url=wire.url, timeouts=http.timeouts, secrets=secrets)
            if mapped is exc:
                raise
            raise mapped from exc
        for converted in converter.fail(reported):
            yield converted
        return
    for converted in converter.finish(response):
        yield converted


@dataclass
class _Block:
    kind: Literal["text", "reasoning", "tool", "native-call", "native-return", "other"]
    id: str
    name: str = ""
    part: Any = None
    ended: bool = False
    string_args: bool = False
    pending: list[pai.ModelResponsePartDelta | list[str]] = field(default_factory=list)
    """Deltas not yet applied to ``part``, a run of plain text deltas kept as its texts. An open
    part is only needed whole when it ends without its own end event (rare), so its deltas are
    applied then, not one by one: each application copies the part and the text so far."""

    def hold(self, delta: pai.ModelResponsePartDelta) -> None:
        """Keep ``delta`` for ``current_part``."""
        if not _plain_text(delta):
            self.pending.append(delta)
        elif self.pending and isinstance(self.pending[-1], list):
            self.pending[-1].append(delta.content_delta)
        else:
            self.pending.append([delta.content_delta])

    def current_part(self) -> Any:
        """``part`` with every delta received so far applied."""
        for held in self.pending:
            # A run of plain text deltas applies as one: the same content, name, details, citations.
            delta = pai.TextPartDelta(content_delta="".join(held)) if isinstance(held, list) else held
            self.part = _applied(delta, self.part)
        self.pending.clear()
        return self.part


def _plain_text(delta: pai.ModelResponsePartDelta) -> TypeGuard[pai.TextPartDelta]:
    """A text delta carrying nothing but text (no provider name, details or citations)."""
    return (
        isinstance(delta, pai.TextPartDelta)
        and delta.provider_name is None
        and not delta.provider_details
        and delta.citations_delta is None
    )


def _applied(delta: pai.ModelResponsePartDelta, part: Any) -> Any:
    """``part`` with ``delta`` applied (unchanged if the delta does not fit it)."""
    try:
        return delta.apply(part)
    except (ValueError, TypeError):
        return part


@dataclass
class EventConverter:
    """Turns one pydantic-ai response stream into turnout events (``feed``, then ``finish``)."""

    api: str = "openai-chat"
    """The route's API family (decides which usage buckets are known to be reported)."""
    _blocks: dict[int, _Block] = field(default_factory=dict)
    _ids: set[str] = field(default_factory=set)
    _deferred_reasoning: list[int] = field(default_factory=list)
    _started: bool = False

    def feed(self, event: pai.ModelResponseStreamEvent) -> Iterator[LLMEvent]:
        """The turnout events for one pydantic-ai stream event."""
        if not self._started:
            self._started = True
            yield StepStart()
        if isinstance(event, pai.PartStartEvent):
            yield from self._start(event.index, event.part)
        elif isinstance(event, pai.PartDeltaEvent):
            yield from self._delta(event.index, event.delta)
        elif isinstance(event, pai.PartEndEvent):
            yield from self._end(event.index, event.part)
        # FinalResultEvent concerns agent output selection: nothing to emit.

    def finish(self, response: pai.ModelResponse) -> Iterator[LLMEvent]:
        """Close what is still open and emit the one ``step-finish``."""
        if not self._started:
            self._started = True
            yield StepStart()
        for index, block in list(self._blocks.items()):
            if not block.ended:
                part = response.parts[index] if index < len(response.parts) else block.current_part()
                yield from self._end(index, part)
        yield from self._flush_reasoning()
        refusal = (response.provider_details or {}).get("refusal")
        if isinstance(refusal, str) and refusal:
            # pydantic-ai keeps a refusal out of the parts (and reports content_filter); the
            # caller still sees what the model said, as a text block of its own.
            block_id = self._unique_id("refusal", "text", len(self._blocks), exact=False)
            marker = {response.provider_name or self.api: {"refusal": True}}
            yield TextStart(id=block_id, provider_metadata=marker)
            yield TextDelta(id=block_id, text=refusal, provider_metadata=marker)
            yield TextEnd(id=block_id, provider_metadata=marker)
        reason = _FINISH_REASONS.get(response.finish_reason, "unknown")
        if reason == "content-filter" and refusal and any(b.kind == "tool" for b in self._blocks.values()):
            reason = "tool-calls"  # the refusal rule: a tool call decides the reason first
        step_metadata = (
            {response.provider_name or self.api: {"responseId": response.provider_response_id}}
            if response.provider_response_id
            else None
        )
        yield StepFinish(
            reason=reason,
            usage=to_usage(response.usage, self.api, response.provider_name),
            provider_metadata=step_metadata,
        )

    def fail(self, error: ProviderError) -> Iterator[LLMEvent]:
        """The ``provider-error`` for an error reported inside the stream (no ``step-finish``)."""
        if not self._started:
            self._started = True
            yield StepStart()
        yield from self._flush_reasoning()
        yield error

    # -- parts ---------------------------------------------------------------------------

    def _start(self, index: int, part: pai.ModelResponsePart) -> Iterator[LLMEvent]:
        if index in self._blocks and not self._blocks[index].ended:
            # a restarted part replaces the old one
            yield from self._end(index, self._blocks[index].current_part())
        if not isinstance(part, pai.ThinkingPart):
            yield from self._flush_reasoning()
        if isinstance(part, pai.TextPart):
            block = self._open(index, "text", part, part.id)
            yield TextStart(id=block.id)
            if part.content:
                yield TextDelta(id=block.id, text=part.content)
        elif isinstance(part, pai.ThinkingPart):
            block = self._open(index, "reasoning", part, part.id)
            yield ReasoningStart(id=block.id)
            if part.content:
                yield ReasoningDelta(id=block.id, text=part.content)
        elif isinstance(part, pai.NativeToolCallPart):
            self._open(index, "native-call", part, part.tool_call_id, name=self._hosted_name(part.tool_name))
        elif isinstance(part, pai.NativeToolReturnPart):
            # A provider's tool result arrives whole: emitted now, in stream order, under the
            # id of the call it answers.
            name = self._hosted_name(part.tool_name)
            self._open(index, "native-return", part, part.tool_call_id, name=name, exact=True)
            yield from self._end(index, part)
        elif isinstance(part, pai.ToolCallPart):
            block = self._open(index, "tool", part, part.tool_call_id, name=part.tool_name, exact=True)
            yield ToolInputStart(id=block.id, name=block.name)
            if isinstance(part.args, str):
                block.string_args = True
                if part.args:
                    yield ToolInputDelta(id=block.id, name=block.name, text=part.args)
        else:  # files, compaction, speech: no turnout event carries them
            self._open(index, "other", part, None)

    def _delta(self, index: int, delta: pai.ModelResponsePartDelta) -> Iterator[LLMEvent]:
        block = self._blocks.get(index)
        if block is None:
            return
        if block.ended:
            if block.part is not None:  # late signatures / citations: kept on the part, shown on its end event
                block.part = _applied(delta, block.part)
            return
        if block.part is not None:
            block.hold(delta)
        if isinstance(delta, pai.TextPartDelta) and block.kind == "text" and delta.content_delta:
            yield TextDelta(id=block.id, text=delta.content_delta)
        elif isinstance(delta, pai.ThinkingPartDelta) and block.kind == "reasoning" and delta.content_delta:
            yield ReasoningDelta(id=block.id, text=delta.content_delta)
        elif (
            isinstance(delta, pai.ToolCallPartDelta)
            and block.kind == "tool"
            and isinstance(delta.args_delta, str)
            and delta.args_delta
        ):
            block.string_args = True
            yield ToolInputDelta(id=block.id, name=block.name, text=delta.args_delta)

    def _end(self, index: int, part: pai.ModelResponsePart) -> Iterator[LLMEvent]:
        block = self._blocks.get(index)
        if block is None or block.ended:
            return
        block.ended = True
        block.part = part
        block.pending.clear()
        if block.kind == "text":
            yield from _sources(block.id, part)
            yield TextEnd(id=block.id, provider_metadata=_metadata(part))
        elif block.kind == "reasoning":
            # OpenAI sends a reasoning item's encrypted content after its summary parts ended:
            # hold reasoning-end until the reasoning run is over, so its metadata is complete.
            self._deferred_reasoning.append(index)
        elif block.kind == "tool":
            yield from self._tool_call(block, part)
        elif block.kind == "native-call":
            assert isinstance(part, pai.NativeToolCallPart)
            yield ToolCall(
                id=block.id,
                name=block.name,
                input=_native_args(part),
                provider_executed=True,
                provider_metadata=_metadata(part),
            )
        elif block.kind == "native-return":
            assert isinstance(part, pai.NativeToolReturnPart)
            result = ToolResultValue(type="json", value=to_jsonable_python(part.content, fallback=str))
            yield ToolResult(
                id=block.id,
                name=block.name,
                result=result,
                provider_executed=True,
                provider_metadata=_metadata(part),
            )

    def _tool_call(self, block: _Block, part: pai.ModelResponsePart) -> Iterator[LLMEvent]:
        assert isinstance(part, pai.ToolCallPart)
        args = part.args
        if isinstance(args, dict) and not block.string_args:
            # Structured arguments (no JSON text was streamed): one delta of their JSON.
            yield ToolInputDelta(id=block.id, name=block.name, text=json.dumps(args))
        yield ToolInputEnd(id=block.id, name=block.name)
        if args is None or args == "":
            parsed: Any = {}
        elif isinstance(args, dict):
            parsed = args
        else:
            try:
                parsed = json.loads(args)
            except json.JSONDecodeError as exc:
                yield ToolError(
                    id=block.id,
                    name=block.name,
                    message=f"the model sent malformed JSON arguments for tool {block.name!r} "
                    f"({exc}): {excerpt(args, 200)}",
                )
                return
        yield ToolCall(id=block.id, name=block.name, input=parsed, provider_metadata=_metadata(part))

    def _hosted_name(self, name: str) -> str:
        """The provider's own name of a hosted tool (pydantic-ai's are provider-neutral)."""
        return _OPENAI_HOSTED_NAMES.get(name, name) if self.api == "openai-responses" else name

    def _flush_reasoning(self) -> Iterator[LLMEvent]:
        for index in self._deferred_reasoning:
            block = self._blocks[index]
            yield ReasoningEnd(id=block.id, provider_metadata=_metadata(block.part))
        self._deferred_reasoning.clear()

    def _open(
        self,
        index: int,
        kind: Any,
        part: Any,
        preferred: str | None,
        *,
        name: str = "",
        exact: bool = False,
    ) -> _Block:
        block_id = self._unique_id(preferred, kind, index, exact=exact)
        block = _Block(kind=kind, id=block_id, name=name, part=part)
        self._blocks[index] = block
        return block

    def _unique_id(self, preferred: str | None, kind: str, index: int, *, exact: bool) -> str:
        """The part's own id if free (tool calls keep theirs), else ``<id>:<n>`` / ``<kind>-<n>``."""
        candidate = preferred or f"{kind}-{index}"
        if exact or candidate not in self._ids:
            self._ids.add(candidate)
            return candidate
        n = 1
        while f"{candidate}:{n}" in self._ids:
            n += 1
        self._ids.add(f"{candidate}:{n}")
        return f"{candidate}:{n}"


def _sources(block_id: str, part: Any) -> Iterator[Source]:
    """A ``source`` for each source of each citation of a finished text part, in order."""
    for index, citation in enumerate(getattr(part, "citations", None) or ()):
        anchor = citation.anchor
        for number, cited in enumerate(citation.sources):
            web = isinstance(cited, pai.WebCitationSource)
            yield Source(
                id=f"{block_id}:{index}:{number}",
                kind="url" if web else "file",
                url=cited.url if web else None,
                file_id=None if web else cited.document_id,
                title=cited.title,
                text_id=block_id,
                start=anchor.start if anchor is not None else None,
                end=anchor.end if anchor is not None else None,
                cited_text=cited.excerpts[0] if cited.excerpts else None,
            )


def _metadata(part: Any) -> dict[str, dict[str, Any]] | None:
    signature = getattr(part, "signature", None)
    details = getattr(part, "provider_details", None)
    return metadata.write(
        getattr(part, "provider_name", None),
        item_id=getattr(part, "id", None),
        signature=signature,
        details=to_jsonable_python(details, fallback=str) if details else None,
    )


def _native_args(part: pai.NativeToolCallPart) -> Any:
    args = part.args
    if isinstance(args, str):
        try:
            return json.loads(args) if args else {}
        except json.JSONDecodeError:
            return args
    return to_jsonable_python(args, fallback=str) if args is not None else {}


def to_usage(usage: RequestUsage, api: str, provider: str | None = None) -> Usage | None:
    """pydantic-ai's inclusive ``RequestUsage`` as turnout ``Usage`` (``None``: not reported)."""
    if usage.unmeasured_requests or not usage.has_values():
        return None
    known = _REPORTED_BUCKETS.get(api, frozenset())
    details = dict(usage.details)

    def bucket(name: str, value: int, *, detail: str | None = None) -> int | None:
        if value or name in known or (detail is not None and detail in details):
            return value
        return None

    reasoning = usage.output_reasoning_tokens or details.get("reasoning_tokens", 0)
    cache_read = bucket("cache_read", usage.cache_read_tokens, detail=CACHE_READ_DETAIL)
    cache_write = bucket("cache_write", usage.cache_write_tokens, detail=CACHE_WRITE_DETAIL)
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        non_cached_input_tokens=max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens),
        cache_read_input_tokens=cache_read,
        cache_write_input_tokens=cache_write,
        reasoning_tokens=bucket("reasoning", reasoning, detail="reasoning_tokens"),
        total_tokens=usage.input_tokens + usage.output_tokens,
        cost=float(usage.cost) if usage.cost is not None else None,
        provider_metadata={provider or api: details} if details else None,
    )
