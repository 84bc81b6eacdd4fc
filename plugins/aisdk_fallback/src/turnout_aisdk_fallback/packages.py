"""Which AI SDK package names the fallback serves, and how (no provider SDK is imported here).

The configuration names a provider's package the way the reference does (``npm``, e.g.
``@ai-sdk/anthropic``). Each package the fallback can serve maps to a ``Route``: the pydantic-ai
API family that speaks its protocol, the SDK module that family needs, and the extra of this
distribution that installs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["OPENAI_COMPATIBLE", "ROUTES", "Route", "route_for"]

Api = Literal["openai-responses", "openai-chat", "openrouter", "anthropic", "google", "mistral"]


@dataclass(frozen=True, slots=True)
class Route:
    """How one package is served."""

    package: str
    """The package name, e.g. ``@ai-sdk/anthropic``."""
    api: Api
    """The pydantic-ai model family that speaks the provider's protocol."""
    sdk_module: str
    """The SDK module the family needs (found with ``find_spec``, never imported here)."""
    extra: str | None = None
    """The extra of ``turnout-aisdk-fallback`` installing the SDK (``None``: always there)."""
    needs_api_key: bool = True
    """Whether a request without a configured API key is pointless (hosted APIs)."""

    @property
    def install_hint(self) -> str:
        """The command that installs what this route needs."""
        return (
            f"pip install 'turnout-aisdk-fallback[{self.extra}]'"
            if self.extra
            else "pip install turnout-aisdk-fallback"
        )


OPENAI_COMPATIBLE = Route("@ai-sdk/openai-compatible", "openai-chat", "openai", needs_api_key=False)
"""Any OpenAI-compatible Chat Completions server: gateways, ollama, vLLM, llama.cpp …"""

_CHAT_COMPATIBLE_PACKAGES = (
    # AI SDK packages whose providers speak OpenAI Chat Completions at their base URL. Groq is
    # here rather than on pydantic-ai's GroqModel: the groq SDK is built on legacy httpx and
    # cannot take the core's httpx2 client, and one HTTP stack matters more.
    "@ai-sdk/groq",
    "@ai-sdk/deepseek",
    "@ai-sdk/xai",
    "@ai-sdk/togetherai",
    "@ai-sdk/fireworks",
    "@ai-sdk/cerebras",
    "@ai-sdk/deepinfra",
)

ROUTES: dict[str, Route] = {
    "@ai-sdk/openai": Route("@ai-sdk/openai", "openai-responses", "openai"),
    OPENAI_COMPATIBLE.package: OPENAI_COMPATIBLE,
    **{name: Route(name, "openai-chat", "openai") for name in _CHAT_COMPATIBLE_PACKAGES},
    "@openrouter/ai-sdk-provider": Route("@openrouter/ai-sdk-provider", "openrouter", "openai"),
    "@ai-sdk/anthropic": Route("@ai-sdk/anthropic", "anthropic", "anthropic", extra="anthropic"),
    "@ai-sdk/google": Route("@ai-sdk/google", "google", "google.genai", extra="google"),
    "@ai-sdk/mistral": Route("@ai-sdk/mistral", "mistral", "mistralai", extra="mistral"),
}
"""Every package the fallback serves."""


def route_for(package: str | None) -> Route | None:
    """The route for a package; a provider without a package is treated as OpenAI-compatible."""
    if package is None:
        return OPENAI_COMPATIBLE
    return ROUTES.get(package)
