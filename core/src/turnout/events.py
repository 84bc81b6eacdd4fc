"""What comes out: the ``LLMEvent`` union, ``Usage`` and ``FinishReason``.

Events are frozen dataclasses discriminated by ``type``. They sit on the per-token hot path, so
building one does no validation (well under a microsecond; ``bench/bench_events.py``); what comes
from outside is validated at the edge with ``EVENT_ADAPTER`` (``TypeAdapter(LLMEvent)``) or
``SomeEvent.model_validate(data)``. ``event.model_dump(mode="json", exclude_none=True)`` gives
stable JSON with ``type`` first and ``None`` fields left out. Events cannot be changed:
``event.model_copy(update={...})`` returns a changed copy.

The order a stream follows is described (and enforced) in :mod:`turnout.guard`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self, TypeAlias, TypeVar, dataclass_transform

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.main import IncEx

from turnout.request import ProviderMetadata, ToolResultValue

__all__ = [
    "EVENT_ADAPTER",
    "Finish",
    "FinishReason",
    "LLMEvent",
    "ProviderError",
    "ReasoningDelta",
    "ReasoningEnd",
    "ReasoningStart",
    "Source",
    "StepFinish",
    "StepStart",
    "TextDelta",
    "TextEnd",
    "TextStart",
    "ToolCall",
    "ToolError",
    "ToolInputDelta",
    "ToolInputEnd",
    "ToolInputStart",
    "ToolResult",
    "Usage",
]

FinishReason: TypeAlias = Literal["stop", "length", "tool-calls", "content-filter", "error", "unknown"]
"""Why a step or the whole stream ended."""


def _sum(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class Usage(BaseModel):
    """Token counts for one step (on ``step-finish``) or the whole stream (on ``finish``).

    Unknown counts stay ``None``; nothing is fabricated and nothing is counted twice. Frozen,
    like the events that carry it.
    """

    model_config = ConfigDict(frozen=True)

    input_tokens: int | None = None
    """All prompt tokens, cache reads and writes included."""
    output_tokens: int | None = None
    """All output tokens, reasoning included."""
    non_cached_input_tokens: int | None = None
    """The part of the prompt that was neither read from nor written to a cache."""
    cache_read_input_tokens: int | None = None
    """Prompt tokens read from the provider's cache."""
    cache_write_input_tokens: int | None = None
    """Prompt tokens written to the provider's cache."""
    reasoning_tokens: int | None = None
    """The part of ``output_tokens`` spent on hidden reasoning."""
    total_tokens: int | None = None
    """The provider's total, else input + output when either is known."""
    cost: float | None = None
    """Cost in USD when the provider reports it (never a fabricated 0)."""
    provider_metadata: ProviderMetadata | None = None
    """The raw usage payload keyed by provider."""

    def __add__(self, other: Usage) -> Usage:
        """Sum two usages field by field (``None`` + n = n); raw metadata is merged per provider."""
        metadata: ProviderMetadata | None = None
        if self.provider_metadata or other.provider_metadata:
            metadata = {**(self.provider_metadata or {}), **(other.provider_metadata or {})}
        cost = None if self.cost is None and other.cost is None else (self.cost or 0) + (other.cost or 0)
        return Usage(
            input_tokens=_sum(self.input_tokens, other.input_tokens),
            output_tokens=_sum(self.output_tokens, other.output_tokens),
            non_cached_input_tokens=_sum(self.non_cached_input_tokens, other.non_cached_input_tokens),
            cache_read_input_tokens=_sum(self.cache_read_input_tokens, other.cache_read_input_tokens),
            cache_write_input_tokens=_sum(self.cache_write_input_tokens, other.cache_write_input_tokens),
            reasoning_tokens=_sum(self.reasoning_tokens, other.reasoning_tokens),
            total_tokens=_sum(self.total_tokens, other.total_tokens),
            cost=cost,
            provider_metadata=metadata,
        )

    @classmethod
    def total(cls, usages: Iterable[Usage | None]) -> Usage | None:
        """The sum of the given usages, or ``None`` when none is known."""
        result: Usage | None = None
        for usage in usages:
            if usage is not None:
                result = usage if result is None else result + usage
        return result


_T = TypeVar("_T")

_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[_T]) -> TypeAdapter[_T]:
    """The pydantic adapter of one event class, built on first use."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


class _Event:
    """The pydantic-style methods every event has (events themselves are plain dataclasses)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The event as a dict, ``type`` first (``mode="json"``: JSON-compatible values)."""
        data: dict[str, Any] = _adapter(type(self)).dump_python(
            self, mode=mode, include=include, exclude=exclude, exclude_none=exclude_none
        )
        return data

    def model_dump_json(self, *, indent: int | None = None, exclude_none: bool = False) -> str:
        """The event as a JSON string, ``type`` first."""
        return _adapter(type(self)).dump_json(self, indent=indent, exclude_none=exclude_none).decode()

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with the fields in ``update`` replaced (not validated, like pydantic's)."""
        return dataclasses.replace(self, **(update or {}))

    @classmethod
    def model_validate(cls, obj: Any) -> Self:
        """Validate plain data (a dict, e.g. parsed JSON) into this event; raises ``ValidationError``."""
        return _adapter(cls).validate_python(obj)


_E = TypeVar("_E", bound=_Event)


@dataclass_transform(kw_only_default=True, frozen_default=True)
def _event(cls: type[_E]) -> type[_E]:
    """Make ``cls`` a frozen, keyword-only slots dataclass that is cheap to build.

    A frozen dataclass's ``__init__`` stores every field through ``object.__setattr__``, which
    costs about as much as building the object. Instead, calling the class fills a mutable twin
    with the same slots and turns it into a ``cls`` with one ``__class__`` assignment, so a
    field assignment afterwards still raises ``dataclasses.FrozenInstanceError``. That call
    lives on a metaclass of the class's own (generated from the fields, as ``dataclasses``
    generates an ``__init__``); ``cls.__new__`` stays ``object.__new__``, which pydantic,
    ``copy`` and ``pickle`` use to rebuild an event.
    """
    meta = type(f"{cls.__name__}Type", (type,), {"__module__": cls.__module__})
    namespace = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    cls = dataclass(frozen=True, kw_only=True, slots=True, init=False)(meta(cls.__name__, cls.__bases__, namespace))
    fields = dataclasses.fields(cls)
    twin = type(f"_Mutable{cls.__name__}", (_Event,), {"__slots__": tuple(f.name for f in fields)})
    scope: dict[str, Any] = {"_Twin": twin}
    scope.update({f"_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING})
    args = ", ".join(f.name if f.default is dataclasses.MISSING else f"{f.name}=_{f.name}" for f in fields)
    body = "".join(f"\n    self.{f.name} = {f.name}" for f in fields)
    exec(f"def __call__(cls, *, {args}):\n    self = _Twin(){body}\n    self.__class__ = cls\n    return self", scope)
    build = scope["__call__"]
    build.__qualname__ = cls.__qualname__  # a missing argument reads "TextDelta() missing …"
    build.__doc__ = f"Build a ``{cls.__name__}`` (not validated: data from outside goes through ``model_validate``)."
    type.__setattr__(meta, "__call__", build)
    type.__setattr__(cls, "__setattr__", _refuse_change)
    type.__setattr__(cls, "__delattr__", _refuse_change)
    return cls


def _refuse_change(self: _Event, name: str, value: Any = None) -> None:
    raise dataclasses.FrozenInstanceError(
        f"{type(self).__name__} is frozen: cannot change {name!r} (event.model_copy(update=...) makes a changed copy)"
    )


@_event
class StepStart(_Event):
    """One provider call ("step") starts producing output."""

    type: Literal["step-start"] = "step-start"
    index: int = 0
    """The step number, counting 0, 1, 2… across the whole stream."""
    provider_metadata: ProviderMetadata | None = None


@_event
class TextStart(_Event):
    """A visible text block opens."""

    type: Literal["text-start"] = "text-start"
    id: str
    """The block id (OpenAI: the output item id), unique within the stream."""
    provider_metadata: ProviderMetadata | None = None


@_event
class TextDelta(_Event):
    """More text for block ``id``."""

    type: Literal["text-delta"] = "text-delta"
    id: str
    """The block id."""
    text: str
    """The increment."""
    provider_metadata: ProviderMetadata | None = None


@_event
class TextEnd(_Event):
    """Text block ``id`` is complete."""

    type: Literal["text-end"] = "text-end"
    id: str
    """The block id."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ReasoningStart(_Event):
    """A reasoning ("thinking") block opens."""

    type: Literal["reasoning-start"] = "reasoning-start"
    id: str
    """The block id, unique within the stream."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ReasoningDelta(_Event):
    """More reasoning text for block ``id``."""

    type: Literal["reasoning-delta"] = "reasoning-delta"
    id: str
    """The block id."""
    text: str
    """The increment."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ReasoningEnd(_Event):
    """Reasoning block ``id`` is complete; its metadata carries the continuation state."""

    type: Literal["reasoning-end"] = "reasoning-end"
    id: str
    """The block id."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ToolInputStart(_Event):
    """The model started a client tool call; arguments follow as deltas."""

    type: Literal["tool-input-start"] = "tool-input-start"
    id: str
    """The provider's call id."""
    name: str
    """The tool name."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ToolInputDelta(_Event):
    """A raw, unparsed fragment of a tool call's JSON arguments."""

    type: Literal["tool-input-delta"] = "tool-input-delta"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    text: str
    """The fragment."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ToolInputEnd(_Event):
    """The arguments of call ``id`` are complete."""

    type: Literal["tool-input-end"] = "tool-input-end"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ToolCall(_Event):
    """A complete tool call with parsed arguments."""

    type: Literal["tool-call"] = "tool-call"
    id: str
    """The provider's call id (hosted tools: the item id)."""
    name: str
    """The tool name."""
    input: Any = None
    """The parsed JSON arguments."""
    provider_executed: bool | None = None
    """True for provider-hosted tools (web search …): the host must not run them."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ToolResult(_Event):
    """The result of a tool call, from a host tool or a provider-hosted tool."""

    type: Literal["tool-result"] = "tool-result"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    result: ToolResultValue
    """The value (``{"type": "json" | "text" | "error", "value": …}``)."""
    provider_executed: bool | None = None
    """True when the provider ran the tool."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ToolError(_Event):
    """A tool call failed (unknown tool, invalid input, the tool raised); a result follows."""

    type: Literal["tool-error"] = "tool-error"
    id: str
    """The call id."""
    name: str
    """The tool name."""
    message: str
    """What went wrong, readable."""
    provider_metadata: ProviderMetadata | None = None


@_event
class Source(_Event):
    """A source the answer cites: a web page or a file; anywhere inside a step, ids unique per step."""

    type: Literal["source"] = "source"
    id: str
    """The source id, unique within the step."""
    kind: Literal["url", "file"]
    """``url`` (a web page, see ``url``) or ``file`` (a document, see ``file_id``)."""
    url: str | None = None
    """The page address, for ``url`` sources."""
    file_id: str | None = None
    """The provider's file id, for ``file`` sources."""
    title: str | None = None
    """The page or document title, when known."""
    media_type: str | None = None
    """The document's MIME type, when known."""
    text_id: str | None = None
    """The id of the text block this source supports, when it is tied to one."""
    start: int | None = None
    """Where the supported span starts in that text block (characters)."""
    end: int | None = None
    """Where the supported span ends in that text block (characters, exclusive)."""
    cited_text: str | None = None
    """The quoted passage of the source, when the provider gives it."""
    provider_metadata: ProviderMetadata | None = None


@_event
class StepFinish(_Event):
    """One provider call ended; ``usage`` is that call's own."""

    type: Literal["step-finish"] = "step-finish"
    index: int = 0
    """The step number."""
    reason: FinishReason = "unknown"
    """Why the step ended."""
    usage: Usage | None = None
    """This step's usage, when reported."""
    paused: bool | None = None
    """The provider paused a long-running turn (Anthropic ``pause_turn``): while steps remain,
    the core sends the step's output back as is and calls again so the model continues."""
    provider_metadata: ProviderMetadata | None = None


@_event
class Finish(_Event):
    """The whole stream ended; always the last event, exactly once."""

    type: Literal["finish"] = "finish"
    reason: FinishReason = "unknown"
    """The last step's reason (``error`` after a provider error)."""
    usage: Usage | None = None
    """Usage summed over all steps."""
    provider_metadata: ProviderMetadata | None = None


@_event
class ProviderError(_Event):
    """An error the provider reported inside a successful (200) stream."""

    type: Literal["provider-error"] = "provider-error"
    message: str
    """The provider's message, prefixed with its code when it sent one."""
    code: str | None = None
    """A classification: the provider's code, or ``truncated``, ``context-overflow`` …"""
    retryable: bool | None = None
    """Whether the same request may succeed when retried."""
    provider_metadata: ProviderMetadata | None = None


LLMEvent: TypeAlias = Annotated[
    StepStart
    | TextStart
    | TextDelta
    | TextEnd
    | ReasoningStart
    | ReasoningDelta
    | ReasoningEnd
    | ToolInputStart
    | ToolInputDelta
    | ToolInputEnd
    | ToolCall
    | ToolResult
    | ToolError
    | Source
    | StepFinish
    | Finish
    | ProviderError,
    Field(discriminator="type"),
]
"""Any event, discriminated by ``type``."""

EVENT_ADAPTER: TypeAdapter[LLMEvent] = TypeAdapter(LLMEvent)
"""Validates and serializes ``LLMEvent`` values: ``EVENT_ADAPTER.validate_json(line)``."""
