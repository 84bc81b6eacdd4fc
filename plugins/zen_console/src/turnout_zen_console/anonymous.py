"""Anonymous Zen: without a login or a key, Zen still serves its free models with key ``public``."""

from __future__ import annotations

import logging

from turnout.plugin_api import Config

__all__ = ["PUBLIC_KEY", "ZEN_PROVIDER", "apply_anonymous_zen"]

logger = logging.getLogger("turnout.zen_console")

ZEN_PROVIDER = "opencode"
"""The provider id of the Zen gateway."""

PUBLIC_KEY = "public"
"""The API key Zen accepts for its free models."""


def apply_anonymous_zen(config: Config) -> None:
    """Keep only Zen's free models and give them the ``public`` key, if no key is configured.

    Does nothing when the Zen provider is absent, console-managed, or has a key (from the
    config or from ``$OPENCODE_API_KEY`` through its template).
    """
    provider = config.provider.get(ZEN_PROVIDER)
    if provider is None or provider.console_managed:
        return
    free = {model_id: model for model_id, model in provider.models.items() if model.free}
    if not free or config.resolve(f"{ZEN_PROVIDER}/{next(iter(free))}").api_key is not None:
        return
    for model in free.values():
        model.options = {**model.options, "apiKey": PUBLIC_KEY}
    provider.models = free
    logger.debug("no Zen login or key: serving the free Zen models (%s) anonymously", ", ".join(free))
