"""What goes in: ``LLMRequest``, its messages and parts, generation settings and tool choice.

All values are pydantic models, so a request can be built from plain data
(``LLMRequest.model_validate({...})``), compared, and dumped back to JSON.
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "PROTOCOL_BODY_KEYS",
    "Generation",
    "HttpOptions",
    "LLMRequest",
    "MediaPart",
    "Message",
    "NamedToolChoice",
    "Part",
    "ProviderMetadata",
    "ReasoningPart",
    "ResponseFormat",
    "TextPart",
    "ToolCallPart",
    "ToolChoice",
    "ToolResultPart",
    "ToolResultValue",
    "assistant",
    "tool_message",
    "user",
]

ProviderMetadata: TypeAlias = dict[str, dict[str, Any]]
"""Provider-owned state keyed by provider name, e.g. ``{"openai": {"itemId": "rs_…"}}``."""


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolResultValue(_Value):
    """The value a tool produced: JSON, plain text, or an error the model should see."""

    type: Literal["json", "text", "error"] = "json"
    """How ``value`` is meant: ``json`` (any JSON value), ``text`` (a string), ``error``."""
    value: Any = None
    """The result itself."""

    @classmethod
    def of(cls, value: Any) -> ToolResultValue:
        """Wrap a raw tool output as a ``json`` result, unless it already is a ``ToolResultValue``."""
        return value if isinstance(value, ToolResultValue) else cls(type="json", value=value)


class TextPart(_Value):
    """Plain text."""

    type: Literal["text"] = "text"
    text: str
    """The text."""
    provider_metadata: ProviderMetadata | None = None
    """Provider state to send back with this part on a follow-up request."""


class MediaPart(_Value):
    """An image or file, inline: base64 text, a ``data:`` URL, or raw bytes."""

    type: Literal["media"] = "media"
    media_type: str = "application/octet-stream"
    """The MIME type, e.g. ``image/png``."""
    data: str | bytes
    """Base64 text, a ``data:`` URL, or raw bytes."""
    filename: str | None = None
    """An optional file name for providers that show one."""

    def data_url(self) -> str:
        """The content as a ``data:<media type>;base64,…`` URL."""
        if isinstance(self.data, bytes):
            return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"
        if self.data.startswith("data:"):
            return self.data
        return f"data:{self.media_type};base64,{self.data}"


class ReasoningPart(_Value):
    """Reasoning ("thinking") the model produced earlier, sent back for continuation."""

    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    """The visible reasoning text (a summary for OpenAI), possibly empty."""
    encrypted: str | None = None
    """Opaque encrypted reasoning state, when the provider returned one."""
    provider_metadata: ProviderMetadata | None = None
    """Provider state (item ids, signatures) taken from the ``reasoning-end`` event."""


class ToolCallPart(_Value):
    """A tool call the model made earlier."""

    type: Literal["tool-call"] = "tool-call"
    id: str
    """The provider's call id (e.g. OpenAI's ``call_…``)."""
    name: str
    """The tool name."""
    input: Any = None
    """The parsed JSON arguments."""
    provider_executed: bool | None = None
    """True for provider-hosted tools (web search …) that the host did not run."""
    provider_metadata: ProviderMetadata | None = None
    """Provider state (e.g. the ``fc_…`` item id)."""


class ToolResultPart(_Value):
    """The result of a tool call, sent back to the model."""

    type: Literal["tool-result"] = "tool-result"
    id: str
    """The call id this result answers."""
    name: str
    """The tool name."""
    result: ToolResultValue
    """The result value."""
    provider_executed: bool | None = None
    """True when the provider ran the tool itself."""
    provider_metadata: ProviderMetadata | None = None
    """Provider state."""


Part: TypeAlias = Annotated[
    TextPart | MediaPart | ReasoningPart | ToolCallPart | ToolResultPart,
    Field(discriminator="type"),
]
"""Any content part, discriminated by ``type``."""


class Message(_Value):
    """One conversation turn: ``user``, ``assistant`` or ``tool`` (tool results)."""

    role: Literal["user", "assistant", "tool"]
    """Who speaks."""
    content: list[Part]
    """The parts, in order."""

    @field_validator("content", mode="before")
    @classmethod
    def _text_to_part(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [TextPart(text=value)]
        return value


def _parts(content: tuple[str | Part, ...]) -> list[Part]:
    return [TextPart(text=item) if isinstance(item, str) else item for item in content]


def user(*content: str | Part) -> Message:
    """A user message; strings become text parts: ``user("hi", MediaPart(...))``."""
    return Message(role="user", content=_parts(content))


def assistant(*content: str | Part) -> Message:
    """An assistant message (earlier model output); strings become text parts."""
    return Message(role="assistant", content=_parts(content))


def tool_message(*results: ToolResultPart) -> Message:
    """A tool message carrying tool results back to the model."""
    return Message(role="tool", content=list(results))


class Generation(_Value):
    """Sampling and length settings; ``None`` leaves the provider's default."""

    max_tokens: int | None = Field(default=None, gt=0)
    """Upper bound on output tokens (reasoning included, for reasoning models)."""
    temperature: float | None = Field(default=None, ge=0)
    """Sampling temperature."""
    top_p: float | None = Field(default=None, ge=0, le=1)
    """Nucleus sampling mass."""
    top_k: int | None = Field(default=None, gt=0)
    """Top-k sampling (dropped by providers without it, e.g. OpenAI Responses)."""
    frequency_penalty: float | None = None
    """Frequency penalty, where supported."""
    presence_penalty: float | None = None
    """Presence penalty, where supported."""
    seed: int | None = None
    """Sampling seed, where supported."""
    stop: list[str] | None = None
    """Stop sequences, where supported."""


class NamedToolChoice(_Value):
    """Force one named tool."""

    type: Literal["tool"] = "tool"
    name: str
    """The tool the model must call."""


ToolChoice: TypeAlias = Literal["auto", "none", "required"] | NamedToolChoice
"""``"auto"``, ``"none"``, ``"required"``, or ``{"type": "tool", "name": …}``; any other string names a tool."""

_TOOL_CHOICE_MODES = frozenset({"auto", "none", "required"})

PROTOCOL_BODY_KEYS = frozenset({"model", "input", "messages", "tools", "tool_choice", "stream", "system", "contents"})
"""Body keys the protocol owns: ``http.body`` may not set them (use the request's fields instead)."""


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        current = merged.get(key)
        merged[key] = (
            _deep_merge(current, value) if isinstance(value, Mapping) and isinstance(current, Mapping) else value
        )
    return merged


class HttpOptions(_Value):
    """Raw HTTP overlays for one request, applied after lowering (the escape hatch)."""

    body: dict[str, Any] = Field(default_factory=dict)
    """JSON deep-merged into the lowered body; protocol-owned keys (``PROTOCOL_BODY_KEYS``) are refused."""
    query: dict[str, str] = Field(default_factory=dict)
    """Query parameters added to the URL."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers over the model's (credentials and ``content-type`` stay the runtime's)."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds the whole request may take, overriding the runtime's total timeout."""

    def apply_body(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` with ``self.body`` deep-merged over it (objects merge key by key; other values replace)."""
        return _deep_merge(body, self.body)

    @field_validator("body")
    @classmethod
    def _no_protocol_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        owned = sorted(PROTOCOL_BODY_KEYS & set(value))
        if owned:
            raise ValueError(
                f"http.body may not set protocol-owned keys {owned}: use the request's own fields "
                "(model, messages, tools, tool_choice, response_format …) instead"
            )
        return value


class ResponseFormat(_Value):
    """Structured output: any JSON object (``json``) or JSON matching a schema (``json_schema``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, arbitrary_types_allowed=True)

    type: Literal["json", "json_schema"] = "json_schema"
    """``json`` (any JSON object) or ``json_schema``."""
    name: str = "output"
    """The schema's name (a pydantic model's class name)."""
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    """The JSON schema (``json_schema`` only)."""
    description: str | None = None
    """What the output is, for the model."""
    strict: bool = True
    """Ask the provider to enforce the schema exactly."""
    output_type: builtins.type[BaseModel] | None = Field(default=None, exclude=True)
    """The pydantic model class the output is parsed into, when one was given."""

    @classmethod
    def of(cls, value: Any) -> ResponseFormat | None:
        """A ``ResponseFormat`` from a pydantic model class, a schema dict, ``"json"`` or ``"text"``."""
        if value is None or value == "text":
            return None
        if isinstance(value, ResponseFormat):
            return value
        if value == "json":
            return cls(type="json")
        if isinstance(value, type) and issubclass(value, BaseModel):
            return cls(
                name=value.__name__,
                schema=value.model_json_schema(),
                description=(value.__doc__ and value.__doc__.strip()) or None,
                output_type=value,
            )
        if isinstance(value, Mapping):
            if "schema" in value and isinstance(value["schema"], Mapping):
                return cls.model_validate({"type": "json_schema", **value})
            if value.get("type") == "object" or "properties" in value:  # a bare JSON schema
                return cls(schema=dict(value))
        raise ValueError(
            "response_format must be a pydantic model class, a JSON schema (or {'name', 'schema', 'strict'}), "
            f"'json' or 'text', got {value!r}"
        )


class LLMRequest(BaseModel):
    """A provider-neutral request: which model, what to say, which tools, which settings."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: str
    """``"<provider id>/<model id>"``, resolved against the configuration."""
    system: list[str] = Field(default_factory=list)
    """System instructions; a plain string becomes one entry."""
    messages: list[Message] = Field(default_factory=list)
    """The conversation so far."""
    tools: list[Any] = Field(default_factory=list)
    """Host tools: plain (async) functions, ``turnout.Tool``, or anything a plugin bridges."""
    tool_choice: ToolChoice | None = None
    """How the model may use tools; ``None`` leaves the provider's default."""
    generation: Generation = Field(default_factory=Generation)
    """Sampling and length settings."""
    provider_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Provider-specific knobs keyed by provider, e.g. ``{"openai": {"store": False}}``."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers; they win over headers plugins add (``http.headers`` win over these)."""
    http: HttpOptions = Field(default_factory=HttpOptions)
    """Raw HTTP overlays: ``body``, ``query``, ``headers``, ``timeout``."""
    response_format: ResponseFormat | None = None
    """Structured output: a pydantic model class, a JSON schema dict, or ``"json"``."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form data for plugins and logs; never sent to the provider as is. ``session_id`` (and
    ``parent_session_id``, ``project_id``, ``request_id``, ``client``) feed prompt-cache routing and
    session-affinity headers."""
    id: str | None = None
    """An optional request id for diagnostics."""

    @field_validator("system", mode="before")
    @classmethod
    def _system_to_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("model")
    @classmethod
    def _model_has_provider(cls, value: str) -> str:
        provider, sep, model_id = value.partition("/")
        if not sep or not provider or not model_id:
            raise ValueError(f"expected '<provider id>/<model id>', e.g. 'openai/gpt-4.1-mini', got {value!r}")
        return value

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _tool_choice_from_mapping(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and value.get("type") == "tool":
            name = value.get("name")
            if not isinstance(name, str) or not name:
                raise ValueError("tool_choice {'type': 'tool'} needs the name of the tool to call")
            return NamedToolChoice(name=name)
        if isinstance(value, str) and value not in _TOOL_CHOICE_MODES:
            if not value:
                raise ValueError("tool_choice is an empty string: give a mode (auto, none, required) or a tool name")
            return NamedToolChoice(name=value)  # any other string names a tool
        return value

    @field_validator("response_format", mode="before")
    @classmethod
    def _response_format(cls, value: Any) -> Any:
        return ResponseFormat.of(value)

    @property
    def session_id(self) -> str | None:
        """``metadata["session_id"]`` when it is a non-empty string."""
        value = self.metadata.get("session_id")
        return value if isinstance(value, str) and value else None

    @property
    def provider_id(self) -> str:
        """The provider part of ``model`` (before the first ``/``)."""
        return self.model.partition("/")[0]

    @property
    def model_id(self) -> str:
        """The model part of ``model`` (after the first ``/``)."""
        return self.model.partition("/")[2]
