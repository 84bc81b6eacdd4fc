"""What the spans say: OpenTelemetry GenAI semantic-convention attributes from turnout's models.

Plain functions from turnout objects to attribute mappings; nothing here imports OpenTelemetry.
Only counts, ids, names, host and port are recorded: never prompts, outputs, tool arguments or
results (the conventions make those opt-in), never headers, URL paths or query strings (where
some providers put keys), never ``request.metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from turnout.plugin_api import Generation, ResolvedModel, StepFinish, Usage

__all__ = [
    "ERROR_TYPE",
    "FINISH_REASONS",
    "OPERATION",
    "chat_attributes",
    "error_type",
    "finish_attributes",
    "model_attributes",
    "provider_name",
    "tool_attributes",
    "usage_attributes",
]

Attributes = dict[str, Any]

OPERATION = "gen_ai.operation.name"
ERROR_TYPE = "error.type"
PROVIDER = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_ID = "gen_ai.response.id"
FINISH_REASONS = "gen_ai.response.finish_reasons"
RUNTIME = "turnout.runtime"
"""The turnout runtime that served the request (e.g. ``native-openai``); not a convention."""
STEP = "turnout.step"
"""The step's number in its request: 0, 1, 2…; not a convention."""

_PROVIDERS = {
    "amazon-bedrock": "aws.bedrock",
    "anthropic": "anthropic",
    "azure": "azure.ai.openai",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "google": "gcp.gemini",
    "google-vertex": "gcp.vertex_ai",
    "groq": "groq",
    "mistral": "mistral_ai",
    "openai": "openai",
    "perplexity": "perplexity",
    "xai": "x_ai",
}
"""turnout provider ids whose ``gen_ai.provider.name`` is a well-known value of the conventions."""

_USAGE = (
    ("gen_ai.usage.input_tokens", "input_tokens"),
    ("gen_ai.usage.output_tokens", "output_tokens"),
    ("gen_ai.usage.cache_read.input_tokens", "cache_read_input_tokens"),
    ("gen_ai.usage.cache_creation.input_tokens", "cache_write_input_tokens"),
    ("gen_ai.usage.reasoning.output_tokens", "reasoning_tokens"),
)

_GENERATION = (
    ("gen_ai.request.max_tokens", "max_tokens"),
    ("gen_ai.request.temperature", "temperature"),
    ("gen_ai.request.top_p", "top_p"),
    ("gen_ai.request.top_k", "top_k"),
    ("gen_ai.request.frequency_penalty", "frequency_penalty"),
    ("gen_ai.request.presence_penalty", "presence_penalty"),
    ("gen_ai.request.seed", "seed"),
    ("gen_ai.request.stop_sequences", "stop"),
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def provider_name(model: ResolvedModel) -> str:
    """``gen_ai.provider.name``: the conventions' well-known value, else the turnout provider id."""
    return _PROVIDERS.get(model.provider, model.provider)


def model_attributes(model: ResolvedModel, runtime: str) -> Attributes:
    """Provider, requested model (the id sent to the provider) and turnout runtime."""
    return {PROVIDER: provider_name(model), REQUEST_MODEL: model.api_id, RUNTIME: runtime}


def chat_attributes(
    model: ResolvedModel, runtime: str, url: str, step: int, generation: Generation | None
) -> Attributes:
    """Everything known when a step (one ``chat`` call) opens."""
    attributes = {OPERATION: "chat", **model_attributes(model, runtime), STEP: step}
    parts = urlsplit(url)
    if parts.hostname:
        attributes["server.address"] = parts.hostname
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        if port is not None:
            attributes["server.port"] = port
    if generation is not None:
        for name, field in _GENERATION:
            value = getattr(generation, field)
            if value is not None:
                attributes[name] = tuple(value) if isinstance(value, list) else value
    return attributes


def usage_attributes(usage: Usage | None) -> Attributes:
    """The token counts the provider reported (unknown counts are left out, never 0)."""
    if usage is None:
        return {}
    return {name: getattr(usage, field) for name, field in _USAGE if getattr(usage, field) is not None}


def finish_attributes(finish: StepFinish) -> Attributes:
    """Finish reason, usage and the provider's response id of one finished step."""
    attributes = {FINISH_REASONS: (finish.reason,), **usage_attributes(finish.usage)}
    response_id = _response_id(finish.provider_metadata)
    if response_id is not None:
        attributes[RESPONSE_ID] = response_id
    return attributes


def tool_attributes(name: str, call_id: str) -> Attributes:
    """A host tool call (``execute_tool``)."""
    return {
        OPERATION: "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.id": call_id,
        "gen_ai.tool.type": "function",
    }


def error_type(error: BaseException) -> str:
    """``error.type`` for an exception: its class name (``GeneratorExit`` when closed early)."""
    return type(error).__qualname__


def _response_id(metadata: Mapping[str, Mapping[str, Any]] | None) -> str | None:
    """The ``responseId`` a runtime put in its step-finish metadata (the native runtime does)."""
    for values in (metadata or {}).values():
        value = values.get("responseId")
        if isinstance(value, str):
            return value
    return None
