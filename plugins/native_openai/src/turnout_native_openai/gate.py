"""The support gate: may the native OpenAI runtime handle this request?

Checked in the reference order; the first failure is the reason given:

1. the native flag is on (``TURNOUT_EXPERIMENTAL_NATIVE_LLM=1``, the config, ``native=True``);
2. the provider id is ``openai`` or starts with ``opencode``;
3. the model's package is ``@ai-sdk/openai``;
4. the provider does not authenticate with OAuth;
5. an API key is configured;
6. the request asks for nothing the Responses API cannot do (an unknown option, an unsupported
   value, stop sequences …): the reason names each option (``request_problems``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.plugin_api import Priority, Verdict

if TYPE_CHECKING:
    from turnout.plugin_api import LLMRequest, ResolvedModel, RuntimeFlags

__all__ = ["RUNTIME", "check_support"]

RUNTIME = "native-openai"
"""The id of the runtime this plugin owns."""

FLAG_OFF = "native runtime is disabled (set TURNOUT_EXPERIMENTAL_NATIVE_LLM=1)"
NOT_OPENAI_PROVIDER = "provider is not openai or opencode"
NOT_OPENAI_PACKAGE = "provider package is not OpenAI"
OAUTH = "OAuth auth is not supported"


def check_support(model: ResolvedModel, flags: RuntimeFlags, request: LLMRequest | None = None) -> Verdict:
    """The verdict for ``native-openai``: supported at native priority, or the first reason not."""
    reason = _decline_reason(model, flags)
    if reason is None and request is not None:
        from turnout_native_openai.lowering import request_problems

        reason = "; ".join(request_problems(request, model)) or None
    if reason is not None:
        return Verdict(RUNTIME, False, reason=reason)
    return Verdict(RUNTIME, True, priority=Priority.NATIVE)


def _decline_reason(model: ResolvedModel, flags: RuntimeFlags) -> str | None:
    if not flags.native:
        return FLAG_OFF
    if model.provider != "openai" and not model.provider.startswith("opencode"):
        return NOT_OPENAI_PROVIDER
    if model.package != "@ai-sdk/openai":
        return NOT_OPENAI_PACKAGE
    if model.auth == "oauth":
        return OAUTH
    if model.api_key is None or not model.api_key.get_secret_value():
        return model.missing_key_message()
    return None
