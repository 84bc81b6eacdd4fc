"""OpenAI Responses provider options (``provider_options["openai"]``): names, checks, defaults.

One table serves both runtimes, so a request means the same wherever it runs: the native
runtime writes the fields into its body, the fallback hands them to pydantic-ai. Names are the
reference's (``providerOptions.openai.*``, camelCase; snake_case spellings are accepted).

Precedence, lowest first: the reference's defaults (``default_openai_options``), the provider's and
model's configured options, the request's ``provider_options``. A ``None`` value removes an
option (e.g. ``{"reasoningEffort": None}`` drops the gpt-5 default).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from turnout.config import ResolvedModel
    from turnout.request import LLMRequest

__all__ = [
    "OPENAI_OPTIONS",
    "RESPONSES_UNSUPPORTED_GENERATION",
    "default_openai_options",
    "openai_body_fields",
    "openai_option_problems",
    "openai_options_key",
    "resolve_openai_options",
]

ENCRYPTED_REASONING = "reasoning.encrypted_content"
_LOGPROBS_INCLUDE = "message.output_text.logprobs"

RESPONSES_UNSUPPORTED_GENERATION = ("top_k", "stop", "seed", "frequency_penalty", "presence_penalty")
"""``Generation`` fields the Responses API has no parameter for."""


def _enum(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"expected one of {', '.join(allowed)}"

    return check


def _is(kind: type | tuple[type, ...], what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)) else what

    return check


def _int(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"expected an integer from {low} to {high}"

    return check


def _metadata(value: Any) -> str | None:
    ok = isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return None if ok and len(value) <= 16 else "expected at most 16 string keys with string values"


def _conversation(value: Any) -> str | None:
    ok = isinstance(value, str) or (isinstance(value, Mapping) and isinstance(value.get("id"), str))
    return None if ok else "expected a conversation id or {'id': …}"


def _logprobs(value: Any) -> str | None:
    return None if isinstance(value, bool) or _int(1, 20)(value) is None else "expected true/false or 1 to 20"


_INCLUDABLE = (
    ENCRYPTED_REASONING,
    _LOGPROBS_INCLUDE,
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
)


def _include(value: Any) -> str | None:
    if isinstance(value, list | tuple) and all(item in _INCLUDABLE for item in value):
        return None
    return f"expected a list of: {', '.join(_INCLUDABLE)}"


@dataclass(frozen=True, slots=True)
class Option:
    """One provider option: its wire field (``None``: folded into another) and its check."""

    wire: str | None
    check: Callable[[Any], str | None]


_BOOL = _is(bool, "expected true or false")
_STR = _is(str, "expected a string")

OPENAI_OPTIONS: dict[str, Option] = {
    "store": Option("store", _BOOL),
    "serviceTier": Option("service_tier", _enum("auto", "default", "flex", "priority", "scale")),
    "promptCacheKey": Option("prompt_cache_key", _STR),
    "promptCacheRetention": Option("prompt_cache_retention", _enum("in-memory", "24h")),
    "include": Option("include", _include),
    "includeEncryptedReasoning": Option(None, _BOOL),
    "reasoningEffort": Option(None, _enum("none", "minimal", "low", "medium", "high", "xhigh")),
    "reasoningSummary": Option(None, _enum("auto", "concise", "detailed")),
    "textVerbosity": Option(None, _enum("low", "medium", "high")),
    "strictJsonSchema": Option(None, _BOOL),
    "instructions": Option("instructions", _STR),
    "parallelToolCalls": Option("parallel_tool_calls", _BOOL),
    "maxToolCalls": Option("max_tool_calls", _int(1, 1_000_000)),
    "user": Option("user", _STR),
    "safetyIdentifier": Option("safety_identifier", _STR),
    "metadata": Option("metadata", _metadata),
    "previousResponseId": Option("previous_response_id", _STR),
    "conversation": Option("conversation", _conversation),
    "truncation": Option("truncation", _enum("auto", "disabled")),
    "background": Option("background", _BOOL),
    "logprobs": Option(None, _logprobs),
    "topLogprobs": Option("top_logprobs", _int(0, 20)),
    "prompt": Option("prompt", _is(Mapping, "expected {'id': …, 'version'?: …, 'variables'?: …}")),
}
"""Every option the Responses runtimes honour, by its reference name."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def openai_options_key(model: ResolvedModel) -> str:
    """The ``provider_options`` key for ``model``: ``openai`` for the OpenAI package, else the provider id."""
    return "openai" if model.package == "@ai-sdk/openai" else model.provider


def default_openai_options(api_id: str, session_id: str | None) -> dict[str, Any]:
    """The reference's defaults: ``store`` off, gpt-5 reasoning and verbosity, the session's cache key."""
    defaults: dict[str, Any] = {"store": False}
    if "gpt-5" in api_id and not any(name in api_id for name in ("gpt-5-chat", "gpt-5-pro")):
        defaults["reasoningEffort"] = "medium"
        defaults["reasoningSummary"] = "auto"
        if re.search(r"gpt-5\.\d", api_id) and "codex" not in api_id and "chat" not in api_id:
            defaults["textVerbosity"] = "low"
    if session_id:
        defaults["promptCacheKey"] = session_id
    return defaults


def resolve_openai_options(request: LLMRequest, model: ResolvedModel) -> dict[str, Any]:
    """Defaults, then configured options, then the request's; names camelCased, ``None`` removed."""
    merged = default_openai_options(model.api_id, request.session_id)
    requested = request.provider_options.get(openai_options_key(model)) or {}
    for source in (model.options, requested):
        for name, value in source.items():
            merged[_camel(name)] = value
    return {name: value for name, value in merged.items() if value is not None}


def openai_option_problems(request: LLMRequest, model: ResolvedModel, *, api: str = "OpenAI Responses") -> list[str]:
    """Why the request's OpenAI options cannot be sent as asked (each names the option), or ``[]``.

    Configured options the table does not know are ignored (configs carry other settings);
    unknown names in the request are problems, so nothing the caller asked for is dropped.
    """
    key = openai_options_key(model)
    requested = {_camel(name) for name in (request.provider_options.get(key) or {})}
    problems: list[str] = []
    for name, value in resolve_openai_options(request, model).items():
        option = OPENAI_OPTIONS.get(name)
        if option is None:
            if name in requested:
                problems.append(f"providerOptions.{key}.{name} is not an option {api} knows")
            continue
        if (trouble := option.check(value)) is not None:
            problems.append(f"{api} does not support providerOptions.{key}.{name} {value!r} ({trouble})")
    return problems


def openai_body_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """The Responses body fields for resolved, checked ``options`` (``reasoning`` and ``text`` included)."""
    fields: dict[str, Any] = {}
    for name, value in options.items():
        option = OPENAI_OPTIONS.get(name)
        if option is not None and option.wire is not None:
            fields[option.wire] = dict(value) if isinstance(value, Mapping) else value
    include = list(fields.pop("include", ()))
    if options.get("includeEncryptedReasoning") is True and ENCRYPTED_REASONING not in include:
        include.append(ENCRYPTED_REASONING)
    logprobs = options.get("logprobs")
    if logprobs is not None and logprobs is not False:
        if _LOGPROBS_INCLUDE not in include:
            include.append(_LOGPROBS_INCLUDE)
        if logprobs is not True and "top_logprobs" not in fields:
            fields["top_logprobs"] = logprobs
    if include:
        fields["include"] = include
    reasoning = {
        key: options[name]
        for key, name in (("effort", "reasoningEffort"), ("summary", "reasoningSummary"))
        if name in options
    }
    if reasoning:
        fields["reasoning"] = reasoning
    if "textVerbosity" in options:
        fields["text"] = {"verbosity": options["textVerbosity"]}
    return fields
