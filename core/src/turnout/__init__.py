"""turnout: a plugin-based LLM runtime — one request and event model, many runtimes.

The curated public API. ``Runtime`` chooses, per request, the installed plugin that handles it
(native fast path, broad fallback, or a third party's) and streams ``LLMEvent``s out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from turnout import errors
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
    from turnout.manifest import Manifest
    from turnout.request import (
        Generation,
        LLMRequest,
        MediaPart,
        Message,
        NamedToolChoice,
        ReasoningPart,
        TextPart,
        ToolCallPart,
        ToolResultPart,
        ToolResultValue,
        assistant,
        tool_message,
        user,
    )
    from turnout.response import Response
    from turnout.runtime import Runtime
    from turnout.selection import Priority, Selection, Verdict
    from turnout.tools import Tool, ToolContext, ToolExecutionError
    from turnout.wire import WireRequest

__version__ = "0.2.0"

# Names load on first use, so ``import turnout`` (and the pytest plugin, which every test run of
# a project with ``turnout[testing]`` loads) costs almost nothing until something is used.
_LAZY = {
    "errors": "turnout.errors",
    "Config": "turnout.config",
    "ResolvedModel": "turnout.config",
    "RuntimeFlags": "turnout.config",
    "Finish": "turnout.events",
    "FinishReason": "turnout.events",
    "LLMEvent": "turnout.events",
    "ProviderError": "turnout.events",
    "ReasoningDelta": "turnout.events",
    "ReasoningEnd": "turnout.events",
    "ReasoningStart": "turnout.events",
    "Response": "turnout.response",
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
    "HOOKS_VERSION": "turnout.hookspecs",
    "hookimpl": "turnout.hookspecs",
    "Manifest": "turnout.manifest",
    "Generation": "turnout.request",
    "LLMRequest": "turnout.request",
    "MediaPart": "turnout.request",
    "Message": "turnout.request",
    "NamedToolChoice": "turnout.request",
    "ReasoningPart": "turnout.request",
    "TextPart": "turnout.request",
    "ToolCallPart": "turnout.request",
    "ToolResultPart": "turnout.request",
    "ToolResultValue": "turnout.request",
    "assistant": "turnout.request",
    "tool_message": "turnout.request",
    "user": "turnout.request",
    "Runtime": "turnout.runtime",
    "Priority": "turnout.selection",
    "Selection": "turnout.selection",
    "Verdict": "turnout.selection",
    "Tool": "turnout.tools",
    "ToolContext": "turnout.tools",
    "ToolExecutionError": "turnout.tools",
    "WireRequest": "turnout.wire",
}


__all__ = [
    "HOOKS_VERSION",
    "Config",
    "Finish",
    "FinishReason",
    "Generation",
    "LLMEvent",
    "LLMRequest",
    "Manifest",
    "MediaPart",
    "Message",
    "NamedToolChoice",
    "Priority",
    "ProviderError",
    "ReasoningDelta",
    "ReasoningEnd",
    "ReasoningPart",
    "ReasoningStart",
    "ResolvedModel",
    "Response",
    "Runtime",
    "RuntimeFlags",
    "Selection",
    "Source",
    "StepFinish",
    "StepStart",
    "TextDelta",
    "TextEnd",
    "TextPart",
    "TextStart",
    "Tool",
    "ToolCall",
    "ToolCallPart",
    "ToolContext",
    "ToolError",
    "ToolExecutionError",
    "ToolInputDelta",
    "ToolInputEnd",
    "ToolInputStart",
    "ToolResult",
    "ToolResultPart",
    "ToolResultValue",
    "Usage",
    "Verdict",
    "WireRequest",
    "__version__",
    "assistant",
    "errors",
    "hookimpl",
    "tool_message",
    "user",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
