"""The public plugin API: everything a turnout plugin needs, in one documented place.

A plugin imports from here (and from ``turnout.errors``) only; every name below is covered by
the project's compatibility promise, and a test fails if a first-party plugin or example reaches
for anything else. Names load on first use, so importing this module at plugin discovery costs
almost nothing.

- The contract: ``hookimpl``, ``Manifest``, ``HOOKS_VERSION`` (hook specs: ``turnout.hookspecs``).
- Selection: ``Verdict``, ``Priority``.
- Configuration: ``Config``, ``ResolvedModel``, ``RuntimeFlags``.
- Requests and events: ``LLMRequest`` and its message parts, ``HttpOptions``, ``ResponseFormat``,
  every event class, ``Usage``.
- OpenAI Responses options (``provider_options["openai"]``, shared by every runtime that speaks
  the Responses API): ``OPENAI_OPTIONS``, ``resolve_openai_options``, ``openai_option_problems``,
  ``openai_body_fields``, ``openai_options_key``, ``default_openai_options``,
  ``RESPONSES_UNSUPPORTED_GENERATION``.
- Tools: ``Tool``, ``ToolContext``.
- Sending: ``WireRequest``, ``HTTPClient`` (retries, timeouts, typed errors, recording),
  ``Timeouts``, ``RetryPolicy``, ``aiter_sse`` / ``SSEDecoder`` / ``SSEFrame``.
- Error mapping: ``error_from_response``, ``error_from_exception``, ``is_context_overflow``.
- Redaction: ``CREDENTIAL_HEADERS``, ``is_credential_header``, ``redact_text``, ``redact_headers``,
  ``redact_url``, ``secrets_in_headers``, ``excerpt``, ``REDACTED``.
- Files: ``user_data_dir``, ``user_config_dir``.
- Command line: ``CLI`` (what ``turnout_register_commands`` receives), ``UsageError`` (a bad option: exit 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from turnout.commands import CLI, UsageError
    from turnout.config import Config, ResolvedModel, RuntimeFlags
    from turnout.events import (
        Finish,
        FinishReason,
        LLMEvent,
        ProviderError,
        ReasoningDelta,
        ReasoningEnd,
        ReasoningStart,
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
        Usage,
    )
    from turnout.hookspecs import HOOKS_VERSION, hookimpl
    from turnout.http.client import HTTPClient
    from turnout.http.errors import error_from_exception, error_from_response, is_context_overflow
    from turnout.http.redaction import (
        CREDENTIAL_HEADERS,
        REDACTED,
        excerpt,
        is_credential_header,
        redact_headers,
        redact_text,
        redact_url,
        secrets_in_headers,
    )
    from turnout.http.retry import RetryPolicy
    from turnout.http.timeouts import Timeouts
    from turnout.manifest import Manifest
    from turnout.openai_options import (
        OPENAI_OPTIONS,
        RESPONSES_UNSUPPORTED_GENERATION,
        default_openai_options,
        openai_body_fields,
        openai_option_problems,
        openai_options_key,
        resolve_openai_options,
    )
    from turnout.paths import user_config_dir, user_data_dir
    from turnout.request import (
        Generation,
        HttpOptions,
        LLMRequest,
        MediaPart,
        Message,
        NamedToolChoice,
        ProviderMetadata,
        ReasoningPart,
        ResponseFormat,
        TextPart,
        ToolCallPart,
        ToolResultPart,
        ToolResultValue,
    )
    from turnout.selection import Priority, Verdict
    from turnout.sse import SSEDecoder, SSEFrame, aiter_sse
    from turnout.tools import Tool, ToolContext
    from turnout.wire import WireRequest

_LAZY = {
    "HOOKS_VERSION": "turnout.hookspecs",
    "hookimpl": "turnout.hookspecs",
    "Manifest": "turnout.manifest",
    "Priority": "turnout.selection",
    "Verdict": "turnout.selection",
    "Config": "turnout.config",
    "ResolvedModel": "turnout.config",
    "RuntimeFlags": "turnout.config",
    "Generation": "turnout.request",
    "HttpOptions": "turnout.request",
    "LLMRequest": "turnout.request",
    "MediaPart": "turnout.request",
    "Message": "turnout.request",
    "NamedToolChoice": "turnout.request",
    "ProviderMetadata": "turnout.request",
    "ReasoningPart": "turnout.request",
    "ResponseFormat": "turnout.request",
    "OPENAI_OPTIONS": "turnout.openai_options",
    "RESPONSES_UNSUPPORTED_GENERATION": "turnout.openai_options",
    "default_openai_options": "turnout.openai_options",
    "openai_body_fields": "turnout.openai_options",
    "openai_option_problems": "turnout.openai_options",
    "openai_options_key": "turnout.openai_options",
    "resolve_openai_options": "turnout.openai_options",
    "TextPart": "turnout.request",
    "ToolCallPart": "turnout.request",
    "ToolResultPart": "turnout.request",
    "ToolResultValue": "turnout.request",
    "Finish": "turnout.events",
    "FinishReason": "turnout.events",
    "LLMEvent": "turnout.events",
    "ProviderError": "turnout.events",
    "ReasoningDelta": "turnout.events",
    "ReasoningEnd": "turnout.events",
    "ReasoningStart": "turnout.events",
    "Source": "turnout.events",
    "StepFinish": "turnout.events",
    "StepStart": "turnout.events",
    "TextDelta": "turnout.events",
    "TextEnd": "turnout.events",
    "TextStart": "turnout.events",
    "ToolCall": "turnout.events",
    "ToolError": "turnout.events",
    "ToolInputDelta": "turnout.events",
    "ToolInputEnd": "turnout.events",
    "ToolInputStart": "turnout.events",
    "ToolResult": "turnout.events",
    "Usage": "turnout.events",
    "Tool": "turnout.tools",
    "ToolContext": "turnout.tools",
    "WireRequest": "turnout.wire",
    "HTTPClient": "turnout.http.client",
    "Timeouts": "turnout.http.timeouts",
    "RetryPolicy": "turnout.http.retry",
    "error_from_exception": "turnout.http.errors",
    "error_from_response": "turnout.http.errors",
    "is_context_overflow": "turnout.http.errors",
    "CREDENTIAL_HEADERS": "turnout.http.redaction",
    "REDACTED": "turnout.http.redaction",
    "excerpt": "turnout.http.redaction",
    "is_credential_header": "turnout.http.redaction",
    "redact_headers": "turnout.http.redaction",
    "redact_text": "turnout.http.redaction",
    "redact_url": "turnout.http.redaction",
    "secrets_in_headers": "turnout.http.redaction",
    "SSEDecoder": "turnout.sse",
    "SSEFrame": "turnout.sse",
    "aiter_sse": "turnout.sse",
    "user_config_dir": "turnout.paths",
    "user_data_dir": "turnout.paths",
    "CLI": "turnout.commands",
    "UsageError": "turnout.commands",
}


__all__ = [
    "CLI",
    "CREDENTIAL_HEADERS",
    "HOOKS_VERSION",
    "OPENAI_OPTIONS",
    "REDACTED",
    "RESPONSES_UNSUPPORTED_GENERATION",
    "Config",
    "Finish",
    "FinishReason",
    "Generation",
    "HTTPClient",
    "HttpOptions",
    "LLMEvent",
    "LLMRequest",
    "Manifest",
    "MediaPart",
    "Message",
    "NamedToolChoice",
    "Priority",
    "ProviderError",
    "ProviderMetadata",
    "ReasoningDelta",
    "ReasoningEnd",
    "ReasoningPart",
    "ReasoningStart",
    "ResolvedModel",
    "ResponseFormat",
    "RetryPolicy",
    "RuntimeFlags",
    "SSEDecoder",
    "SSEFrame",
    "Source",
    "StepFinish",
    "StepStart",
    "TextDelta",
    "TextEnd",
    "TextPart",
    "TextStart",
    "Timeouts",
    "Tool",
    "ToolCall",
    "ToolCallPart",
    "ToolContext",
    "ToolError",
    "ToolInputDelta",
    "ToolInputEnd",
    "ToolInputStart",
    "ToolResult",
    "ToolResultPart",
    "ToolResultValue",
    "Usage",
    "UsageError",
    "Verdict",
    "WireRequest",
    "aiter_sse",
    "default_openai_options",
    "error_from_exception",
    "error_from_response",
    "excerpt",
    "hookimpl",
    "is_context_overflow",
    "is_credential_header",
    "openai_body_fields",
    "openai_option_problems",
    "openai_options_key",
    "redact_headers",
    "redact_text",
    "redact_url",
    "resolve_openai_options",
    "secrets_in_headers",
    "user_config_dir",
    "user_data_dir",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
