"""Which AI SDK package names the fallback serves, and how (no provider SDK is imported here).

The configuration names a provider's package the way the reference does (``npm``, e.g.
``@ai-sdk/anthropic``). Each package the fallback can serve maps to a ``Route``: the pydantic-ai
API family that speaks its protocol, the chat-completions dialect of its provider, the SDK
module that family needs, the extra of this distribution that installs it, and the environment
variable its API key usually comes from. Packages the fallback knows but cannot serve map to
the reason (``UNSERVED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["OPENAI_COMPATIBLE", "ROUTES", "UNSERVED", "Route", "route_for"]

Api = Literal[
    "openai-responses", "openai-chat", "openrouter", "anthropic", "google", "google-vertex", "mistral", "azure"
]

Dialect = Literal[
    "openai-compatible",
    "alibaba",
    "cerebras",
    "deepseek",
    "fireworks",
    "groq",
    "perplexity",
    "together",
    "xai",
]
"""A provider's Chat Completions dialect: which pydantic-ai provider (and model profile) reads it."""


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
    dialect: Dialect = "openai-compatible"
    """For ``openai-chat``: the provider's own fields (reasoning, usage, errors) to read."""
    env: str | None = None
    """The environment variable the built-in provider's key comes from (named in errors)."""
    provider: str | None = None
    """The id of the built-in provider served by this package (``None``: none)."""
    default_url: str | None = None
    """Where requests go without a configured base URL (``None``: a base URL is required)."""

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


def _chat(package: str, dialect: Dialect, env: str, provider: str | None = None) -> Route:
    # Providers speaking Chat Completions at their base URL. Groq is one of them rather than on
    # pydantic-ai's GroqModel: the groq SDK is built on legacy httpx and cannot take the core's
    # httpx2 client (xAI's own SDK is gRPC, so the same holds for it); one HTTP stack matters more.
    return Route(package, "openai-chat", "openai", dialect=dialect, env=env, provider=provider)


ROUTES: dict[str, Route] = {
    "@ai-sdk/openai": Route("@ai-sdk/openai", "openai-responses", "openai", env="OPENAI_API_KEY", provider="openai"),
    "@ai-sdk/azure": Route("@ai-sdk/azure", "azure", "openai", env="AZURE_API_KEY", provider="azure"),
    OPENAI_COMPATIBLE.package: OPENAI_COMPATIBLE,
    "@ai-sdk/groq": _chat("@ai-sdk/groq", "groq", "GROQ_API_KEY", "groq"),
    "@ai-sdk/deepseek": _chat("@ai-sdk/deepseek", "deepseek", "DEEPSEEK_API_KEY", "deepseek"),
    "@ai-sdk/xai": _chat("@ai-sdk/xai", "xai", "XAI_API_KEY", "xai"),
    "@ai-sdk/perplexity": _chat("@ai-sdk/perplexity", "perplexity", "PERPLEXITY_API_KEY", "perplexity"),
    "@ai-sdk/cerebras": _chat("@ai-sdk/cerebras", "cerebras", "CEREBRAS_API_KEY", "cerebras"),
    "@ai-sdk/togetherai": _chat("@ai-sdk/togetherai", "together", "TOGETHER_AI_API_KEY"),
    "@ai-sdk/fireworks": _chat("@ai-sdk/fireworks", "fireworks", "FIREWORKS_API_KEY"),
    "@ai-sdk/deepinfra": _chat("@ai-sdk/deepinfra", "openai-compatible", "DEEPINFRA_API_KEY"),
    "@ai-sdk/alibaba": _chat("@ai-sdk/alibaba", "alibaba", "DASHSCOPE_API_KEY"),
    "@openrouter/ai-sdk-provider": Route(
        "@openrouter/ai-sdk-provider", "openrouter", "openai", env="OPENROUTER_API_KEY", provider="openrouter"
    ),
    "@ai-sdk/anthropic": Route(
        "@ai-sdk/anthropic", "anthropic", "anthropic", extra="anthropic", env="ANTHROPIC_API_KEY", provider="anthropic"
    ),
    "@ai-sdk/google": Route(
        "@ai-sdk/google",
        "google",
        "google.genai",
        extra="google",
        env="GOOGLE_API_KEY",
        provider="google",
        default_url="https://generativelanguage.googleapis.com",
    ),
    "@ai-sdk/google-vertex": Route(
        "@ai-sdk/google-vertex",
        "google-vertex",
        "google.genai",
        extra="google",
        needs_api_key=False,  # or a project with Application Default Credentials (checked by the gate)
        env="GOOGLE_VERTEX_API_KEY",
        provider="google-vertex",
        default_url="https://aiplatform.googleapis.com",
    ),
    "@ai-sdk/mistral": Route(
        "@ai-sdk/mistral", "mistral", "mistralai", extra="mistral", env="MISTRAL_API_KEY", provider="mistral"
    ),
}
"""Every package the fallback serves."""

UNSERVED: dict[str, str] = {
    "@ai-sdk/amazon-bedrock": (
        "Amazon Bedrock's Converse API is served by pydantic-ai only through boto3, which signs and sends "
        "requests on its own HTTP stack (no retries, recording or header injection of the core would apply); "
        "configure Bedrock's OpenAI-compatible endpoint with @ai-sdk/openai-compatible instead"
    ),
}
"""Packages the fallback knows and deliberately does not serve, with the reason."""


def route_for(package: str | None) -> Route | None:
    """The route for a package; a provider without a package is treated as OpenAI-compatible."""
    if package is None:
        return OPENAI_COMPATIBLE
    return ROUTES.get(package)
