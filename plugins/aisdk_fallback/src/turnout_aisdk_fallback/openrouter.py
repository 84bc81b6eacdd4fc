"""OpenRouter: pydantic-ai's own OpenRouter model (reasoning details, errors, provider routing)
with the chat adaptations of ``dialects``.

A module of its own so that other Chat Completions providers do not import pydantic-ai's
OpenRouter model. Importing this module imports pydantic-ai.
"""

from __future__ import annotations

from openai import AsyncOpenAI
from pydantic_ai.models import Model
from pydantic_ai.models.openai import OpenAIStreamedResponse
from pydantic_ai.models.openrouter import OpenRouterModel, OpenRouterStreamedResponse
from pydantic_ai.providers.openrouter import OpenRouterProvider
from turnout.plugin_api import ResolvedModel

from turnout_aisdk_fallback.dialects import ChatAdaptation

__all__ = ["openrouter_model"]


class _OpenRouterStream(ChatAdaptation, OpenRouterStreamedResponse):
    pass


class _OpenRouterModel(OpenRouterModel):
    @property
    def _streamed_response_cls(self) -> type[OpenAIStreamedResponse]:
        return _OpenRouterStream


def openrouter_model(model: ResolvedModel, client: AsyncOpenAI) -> Model:
    """OpenRouter's own model over ``client``."""
    return _OpenRouterModel(model.api_id, provider=OpenRouterProvider(openai_client=client))
