"""Chat Completions dialects: the pydantic-ai model that reads each provider's own fields.

Providers speaking OpenAI Chat Completions differ in where they put reasoning
(``reasoning_content``, ``reasoning``, ``<think>`` tags), usage details and errors. pydantic-ai
has a provider class (with its model profile) for most of them; the fallback builds that one
over the core's OpenAI client, else the generic OpenAI-compatible provider.

Two targeted adaptations on top (``ChatAdaptation``, on pydantic-ai's ``_map_part_delta``,
``_map_usage`` and ``_add_usage`` stream hooks). First, ``<think>`` tags: pydantic-ai turns text
between them into reasoning only when each tag arrives as a delta of its own, so the text is
re-cut at the tags (a partial tag at the end of a delta waits for the next one); reasoning never
stays in the text however the provider splits it. Second, what pydantic-ai's chat usage mapping
drops:

- Groq reports usage in ``x_groq.usage`` (older streams: only there);
- a chat ``usage`` is always the request's running total (Perplexity repeats it on every
  chunk), so each report replaces the previous one instead of adding to it;
- cached input (``prompt_tokens_details.cached_tokens``, DeepSeek ``prompt_cache_hit_tokens``)
  and cache writes are taken from the payload for every provider (pydantic-ai's price table
  misses them for some, e.g. Cerebras), and recorded as reported only when the provider sent them;
- a cost the provider reports (OpenRouter ``usage.cost`` in USD, xAI ``cost_in_usd_ticks``,
  10⁻¹⁰ USD) is kept; none is ever estimated.

OpenRouter's own model reads the same way (``openrouter``). Importing this module imports
pydantic-ai.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from openai import AsyncOpenAI
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
from pydantic_ai.messages import ModelResponseStreamEvent
from pydantic_ai.models import Model
from pydantic_ai.models.cerebras import CerebrasModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIStreamedResponse
from pydantic_ai.profiles import DEFAULT_THINKING_TAGS
from pydantic_ai.providers import Provider
from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider
from pydantic_ai.usage import RequestUsage
from turnout.plugin_api import ResolvedModel

from turnout_aisdk_fallback.packages import route_for
from turnout_aisdk_fallback.stream import CACHE_READ_DETAIL, CACHE_WRITE_DETAIL

__all__ = ["ChatAdaptation", "chat_model"]

_XAI_TICKS_PER_USD = Decimal(10) ** 10


class ChatAdaptation(OpenAIStreamedResponse):
    """pydantic-ai's chat stream: ``<think>`` tags re-cut, usage as reported (module docstring)."""

    _reported_usage: bool = False
    _held_text: str = ""

    def _map_part_delta(self, choice: Choice) -> Iterable[ModelResponseStreamEvent]:
        content = choice.delta.content if isinstance(choice.delta.content, str) else None
        if content is None and not self._held_text:
            yield from super()._map_part_delta(choice)
            return
        tags = self._model_profile.get("thinking_tags", DEFAULT_THINKING_TAGS)
        if content and not self._held_text and not any(tag[0] in content for tag in tags):
            yield from super()._map_part_delta(choice)  # no tag, whole or partial: the delta as sent
            return
        segments = self._cut_at_tags((self._held_text + (content or "")), tags, final=content is None)
        *before, last = segments or [""]
        for segment in before:  # text only: the delta's other fields go with its last segment
            yield from super()._map_part_delta(choice.model_copy(update={"delta": ChoiceDelta(content=segment)}))
        if content is None and not last:
            yield from super()._map_part_delta(choice)
        else:
            yield from super()._map_part_delta(
                choice.model_copy(update={"delta": choice.delta.model_copy(update={"content": last})})
            )

    def _cut_at_tags(self, text: str, tags: tuple[str, str], *, final: bool) -> list[str]:
        """``text`` cut so each tag is a segment of its own; a trailing partial tag is held back."""
        segments: list[str] = []
        while text:
            found = [(text.find(tag), tag) for tag in tags if tag in text]
            if found:
                position, tag = min(found)
                segments += [text[:position], tag] if position else [tag]
                text = text[position + len(tag) :]
                continue
            held = (
                0
                if final
                else max((n for tag in tags for n in range(1, len(tag)) if text.endswith(tag[:n])), default=0)
            )
            if len(text) > held:
                segments.append(text[: len(text) - held])
            self._held_text = text[len(text) - held :] if held else ""
            return segments
        self._held_text = ""
        return segments

    def _map_usage(self, response: ChatCompletionChunk) -> RequestUsage:
        raw = response.usage
        if raw is None:
            groq = (response.model_extra or {}).get("x_groq")
            extra = groq.get("usage") if isinstance(groq, dict) else None
            if isinstance(extra, dict):
                raw = CompletionUsage.model_validate(extra)
                response = response.model_copy(update={"usage": raw})
        usage = super()._map_usage(response)
        self._reported_usage = raw is not None
        if raw is None:
            return usage
        data = raw.model_dump(exclude_none=True)
        prompt_details = data.get("prompt_tokens_details") or {}
        cached = data.get("prompt_cache_hit_tokens", prompt_details.get("cached_tokens"))
        if isinstance(cached, int):
            usage.cache_read_tokens = cached
            usage.details[CACHE_READ_DETAIL] = cached
        written = prompt_details.get("cache_write_tokens")
        if isinstance(written, int):
            usage.cache_write_tokens = written
            usage.details[CACHE_WRITE_DETAIL] = written
        if isinstance(data.get("cost"), int | float):
            usage.cost = Decimal(str(data["cost"]))
        elif isinstance(data.get("cost_in_usd_ticks"), int):
            usage.cost = Decimal(data["cost_in_usd_ticks"]) / _XAI_TICKS_PER_USD
        return usage

    def _add_usage(self, usage: RequestUsage, *, reported: bool, cumulative: bool = False) -> None:
        reported = reported or self._reported_usage
        # A reported chat usage is the request's total so far: it replaces, never adds.
        super()._add_usage(usage, reported=reported, cumulative=cumulative or reported)


class _ChatModel(OpenAIChatModel):
    @property
    def _streamed_response_cls(self) -> type[OpenAIStreamedResponse]:
        return ChatAdaptation


class _CerebrasModel(CerebrasModel):
    @property
    def _streamed_response_cls(self) -> type[OpenAIStreamedResponse]:
        return ChatAdaptation


def chat_model(model: ResolvedModel, client: AsyncOpenAI) -> Model:
    """The pydantic-ai chat model for ``model``'s dialect, sending over ``client``."""
    route = route_for(model.package)
    dialect = route.dialect if route is not None else "openai-compatible"
    provider: Provider[AsyncOpenAI]
    if dialect == "cerebras":
        from pydantic_ai.providers.cerebras import CerebrasProvider

        return _CerebrasModel(model.api_id, provider=CerebrasProvider(openai_client=client))
    if dialect == "deepseek":
        from pydantic_ai.providers.deepseek import DeepSeekProvider

        provider = DeepSeekProvider(openai_client=client)
    elif dialect == "alibaba":
        from pydantic_ai.providers.alibaba import AlibabaProvider

        provider = AlibabaProvider(openai_client=client)
    elif dialect == "fireworks":
        from pydantic_ai.providers.fireworks import FireworksProvider

        provider = FireworksProvider(openai_client=client)
    elif dialect == "together":
        from pydantic_ai.providers.together import TogetherProvider

        provider = TogetherProvider(openai_client=client)
    else:
        # Groq, xAI, Perplexity, DeepInfra and any other server: pydantic-ai's Groq and xAI
        # profiles describe their own SDKs' models, so the generic profile applies here.
        provider = OpenAICompatibleProvider(model.provider, openai_client=client)
    return _ChatModel(model.api_id, provider=provider)
