"""turnout: a plugin-based LLM runtime — one request and event model, many runtimes.

The curated public API. ``Runtime`` chooses, per request, the installed plugin that handles it
(native fast path, broad fallback, or a third party's) and streams ``LLMEvent``s out.
"""

from __future__ import annotations

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
    Response,
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
from turnout.runtime import Runtime
from turnout.selection import Priority, Selection, Verdict
from turnout.tools import Tool, ToolContext, ToolExecutionError
from turnout.wire import WireRequest

__version__ = "0.1.0"

__all__ = [
    "HOOKS_VERSION",
    "Config",
    "Finish",
    "FinishReason",
    "Generation",
    "LLMEvent",
    "LLMRequest",
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
