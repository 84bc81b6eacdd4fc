"""Package → pydantic-ai model, every SDK client built on the core's HTTP client.

The SDK clients get the runtime's ``httpx2.AsyncClient`` (so the core's retry transport,
recorder and timeouts apply) and ``max_retries=0`` (one retry loop only: the core's). The base
URL and key come from the resolved model; provider-specific URL conventions (whether the SDK
appends ``/v1`` itself) are handled here. Importing this module imports pydantic-ai.
"""

from __future__ import annotations

import re
from typing import Any

import httpx2
from pydantic_ai.models import Model
from turnout.plugin_api import ResolvedModel

from turnout_aisdk_fallback.packages import Route

__all__ = ["build_model"]

_NO_KEY = "no-key"
"""Sent as the key to servers that need none (local OpenAI-compatible servers); SDKs require one."""


def build_model(model: ResolvedModel, route: Route, client: httpx2.AsyncClient) -> Model:
    """The pydantic-ai model that serves ``model`` over ``client``."""
    key = model.api_key.get_secret_value() if model.api_key is not None else None
    builder = _BUILDERS[route.api]
    return builder(model, key, client)


def _openai_client(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        base_url=model.base_url,
        api_key=key or _NO_KEY,
        http_client=client,
        max_retries=0,
        timeout=client.timeout,
    )


def _responses(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    provider = OpenAIProvider(openai_client=_openai_client(model, key, client))
    return OpenAIResponsesModel(model.api_id, provider=provider)


def _chat(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from turnout_aisdk_fallback.dialects import chat_model

    return chat_model(model, _openai_client(model, key, client))


def _azure(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from openai import AsyncAzureOpenAI
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.azure import AzureProvider

    # The Azure OpenAI v1 API (``https://<resource>.openai.azure.com/openai/v1``) takes no
    # ``api-version``; a configured ``apiVersion`` option is sent for dated deployments.
    version = model.options.get("apiVersion")
    sdk = AsyncAzureOpenAI(
        base_url=model.base_url or "",  # the gate declines Azure without one
        api_key=key or _NO_KEY,
        api_version=version if isinstance(version, str) else "v1",
        http_client=client,
        max_retries=0,
        timeout=client.timeout,
    )
    return OpenAIResponsesModel(model.api_id, provider=AzureProvider(openai_client=sdk))


def _openrouter(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from turnout_aisdk_fallback.openrouter import openrouter_model

    return openrouter_model(model, _openai_client(model, key, client))


def _anthropic(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from anthropic import AsyncAnthropic
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    sdk = AsyncAnthropic(
        # The SDK appends "/v1/messages"; AI SDK base URLs end in "/v1". An empty key (never
        # None, which would read $ANTHROPIC_API_KEY) leaves auth to injected headers.
        base_url=_strip_version(model.base_url),
        api_key=key or "",
        http_client=client,
        max_retries=0,
        timeout=client.timeout,
    )
    return AnthropicModel(model.api_id, provider=AnthropicProvider(anthropic_client=sdk))


def _google(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from pydantic_ai.providers.google import GoogleProvider

    from turnout_aisdk_fallback.gemini import GeminiModel

    # google-genai does not retry unless given retry options, and adds the API version itself.
    provider = GoogleProvider(api_key=key or _NO_KEY, http_client=client, base_url=_strip_version(model.base_url))
    return GeminiModel(model.api_id, provider=provider)


def _google_vertex(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from pydantic_ai.providers.google_cloud import GoogleCloudProvider

    from turnout_aisdk_fallback.gemini import GeminiModel

    base_url = _strip_version(model.base_url)
    if key:  # Vertex AI express mode: an API key, no project
        provider = GoogleCloudProvider(api_key=key, http_client=client, base_url=base_url)
    else:  # Application Default Credentials on a project (google-auth fetches the token)
        from turnout_aisdk_fallback.gate import vertex_project

        project, location = vertex_project(model)
        provider = GoogleCloudProvider(project=project, location=location, http_client=client, base_url=base_url)
    return GeminiModel(model.api_id, provider=provider)


def _mistral(model: ResolvedModel, key: str | None, client: httpx2.AsyncClient) -> Model:
    from pydantic_ai.models.mistral import MistralModel
    from pydantic_ai.providers.mistral import MistralProvider

    # mistralai does not retry unless given a retry config, and adds "/v1" itself.
    provider = MistralProvider(api_key=key or _NO_KEY, http_client=client, base_url=_strip_version(model.base_url))
    return MistralModel(model.api_id, provider=provider)


_VERSION_SUFFIX = re.compile(r"/v\d+(?:beta\d*|alpha\d*)?/?$")


def _strip_version(base_url: str | None) -> str | None:
    """``https://api.anthropic.com/v1`` → ``https://api.anthropic.com`` (SDKs add the version)."""
    return _VERSION_SUFFIX.sub("", base_url) if base_url else None


_BUILDERS = {
    "openai-responses": _responses,
    "azure": _azure,
    "openai-chat": _chat,
    "openrouter": _openrouter,
    "anthropic": _anthropic,
    "google": _google,
    "google-vertex": _google_vertex,
    "mistral": _mistral,
}
