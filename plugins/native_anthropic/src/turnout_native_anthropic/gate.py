"""The support gate: may the native Anthropic runtime handle this request?

Checked in this order; the first failure is the reason given:

1. the native flag is on (``TURNOUT_EXPERIMENTAL_NATIVE_LLM=1``, the config, ``native=True``);
2. the model's package is ``@ai-sdk/anthropic`` (any provider id: ``anthropic`` itself, or a
   Zen / console provider whose per-model package is Anthropic's);
3. the provider does not authenticate with OAuth;
4. an API key is configured (for console-managed models, the console token);
5. the request asks for no structured output (``response_format``), which this runtime does
   not lower yet: the request goes to a runtime that honours it instead of losing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.plugin_api import Priority, Verdict

if TYPE_CHECKING:
    from turnout.plugin_api import LLMRequest, ResolvedModel, RuntimeFlags

__all__ = ["PACKAGE", "RUNTIME", "check_support"]

RUNTIME = "native-anthropic"
"""The id of the runtime this plugin owns."""

PACKAGE = "@ai-sdk/anthropic"
"""The model package this runtime serves."""

FLAG_OFF = "native runtime is disabled (set TURNOUT_EXPERIMENTAL_NATIVE_LLM=1)"
NOT_ANTHROPIC_PACKAGE = "provider package is not Anthropic"
OAUTH = "OAuth auth is not supported"
NO_API_KEY = "Anthropic API key is not configured"
STRUCTURED_OUTPUT = "structured output (response_format) is not supported by native-anthropic yet"


def check_support(request: LLMRequest, model: ResolvedModel, flags: RuntimeFlags) -> Verdict:
    """The verdict for ``native-anthropic``: supported at native priority, or the first reason not."""
    reason = _decline_reason(model, flags) or (STRUCTURED_OUTPUT if request.response_format is not None else None)
    if reason is not None:
        return Verdict(RUNTIME, False, reason=reason)
    return Verdict(RUNTIME, True, priority=Priority.NATIVE)


def _decline_reason(model: ResolvedModel, flags: RuntimeFlags) -> str | None:
    if not flags.native:
        return FLAG_OFF
    if model.package != PACKAGE:
        return NOT_ANTHROPIC_PACKAGE
    if model.auth == "oauth":
        return OAUTH
    if model.api_key is None or not model.api_key.get_secret_value():
        return NO_API_KEY
    return None
