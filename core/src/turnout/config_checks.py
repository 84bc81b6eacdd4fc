"""Checking configuration data before it is used: known keys, value types, untrusted sources.

``check_config_data`` runs on every file and mapping a ``Config`` is built from. It rejects,
with a ``ConfigError`` naming the source, the dotted key path and the closest valid key:

- an unknown key anywhere except in the free-form places (``options`` tables, which hold
  provider-specific options and are passed on as is, ``plugin.<name>`` tables, which belong to
  the plugin of that name and are checked by it, and a model's metadata keys copied from the
  reference config); a near-miss of a known option (``apikey``, ``baseUrl``, ``header``)
  is still an error there;
- ``options.apiKey`` that is not a string, ``options.baseURL`` / ``api`` that is not a
  non-empty string, ``headers`` that is not a table of strings.

``untrusted_config_data`` filters what a remote source (a console's config) may contribute:
only its own providers, and ``{env:NAME}`` templates only for allowed names.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Collection, Mapping
from typing import Any

from turnout.errors import ConfigError

__all__ = ["TEMPLATE", "check_config_data", "env_names", "untrusted_config_data"]

logger = logging.getLogger("turnout.config")

TEMPLATE = re.compile(r"\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
"""An ``{env:NAME}`` template; group 1 is the variable name."""

TOP_KEYS = frozenset({"$schema", "default_model", "experimental_native_llm", "provider", "plugin"})
PROVIDER_KEYS = frozenset(
    {"name", "npm", "api", "auth", "options", "models", "console_managed", "id", "env", "whitelist", "blacklist"}
)
MODEL_KEYS = frozenset(
    {
        "name",
        "id",
        "provider",
        "headers",
        "options",
        "free",
        # Metadata keys of the reference config, accepted so a model block can be copied as is.
        "attachment",
        "cost",
        "experimental",
        "family",
        "interleaved",
        "knowledge",
        "last_updated",
        "limit",
        "modalities",
        "open_weights",
        "reasoning",
        "release_date",
        "status",
        "temperature",
        "tool_call",
        "variants",
    }
)
MODEL_PROVIDER_KEYS = frozenset({"npm", "api"})
KNOWN_OPTIONS = ("apiKey", "baseURL", "headers")
"""Options turnout itself reads; every other ``options`` key is provider-specific."""


def _closest(key: str, valid: Collection[str], cutoff: float = 0.6) -> str | None:
    lowered = {name.lower(): name for name in valid}
    if key.lower() in lowered:
        return lowered[key.lower()]
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def _unknown(key: str, path: str, valid: Collection[str], source: str) -> ConfigError:
    closest = _closest(key, valid)
    hint = f"did you mean {closest!r}?" if closest else f"valid keys here: {', '.join(sorted(valid))}"
    return ConfigError(f"unknown key {key!r}; {hint}", source=source, key=path)


def _table(value: Any, path: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"expected a table, got {type(value).__name__}", source=source, key=path)
    return value


def _url(value: Any, path: str, source: str) -> None:
    if not isinstance(value, str) or not value.strip():
        shown = "an empty string" if isinstance(value, str) else f"{type(value).__name__} {value!r}"
        raise ConfigError(f"expected a non-empty URL string, got {shown}", source=source, key=path)


def _headers(value: Any, path: str, source: str) -> None:
    for name, header in _table(value, path, source).items():
        if not isinstance(header, str):
            raise ConfigError(
                f"expected a string header value, got {type(header).__name__}", source=source, key=f"{path}.{name}"
            )


def _options(value: Any, path: str, source: str) -> None:
    options = _table(value, path, source)
    for key, option in options.items():
        if key not in KNOWN_OPTIONS and (near := _closest(key, KNOWN_OPTIONS, cutoff=0.8)) is not None:
            raise ConfigError(
                f"unknown option {key!r}; did you mean {near!r}? (other options go to the provider as is)",
                source=source,
                key=f"{path}.{key}",
            )
        if key == "apiKey" and not isinstance(option, str):
            raise ConfigError(f"expected a string, got {type(option).__name__}", source=source, key=f"{path}.{key}")
        if key == "baseURL":
            _url(option, f"{path}.{key}", source)
        if key == "headers":
            _headers(option, f"{path}.{key}", source)


def _keys(table: Mapping[str, Any], valid: Collection[str], path: str, source: str, strict: bool) -> None:
    if strict:
        for key in table:
            if key not in valid:
                raise _unknown(str(key), f"{path}.{key}" if path else str(key), valid, source)


def check_config_data(data: Mapping[str, Any], *, source: str, strict: bool = True) -> None:
    """Raise ``ConfigError`` for unknown keys (when ``strict``) and ill-typed values in ``data``."""
    _keys(data, TOP_KEYS, "", source, strict)
    for name, section in _table(data.get("plugin") or {}, "plugin", source).items():
        _table(section, f"plugin.{name}", source)
    providers = data.get("provider")
    if providers is None:
        return
    for provider_id, block in _table(providers, "provider", source).items():
        path = f"provider.{provider_id}"
        block = _table(block, path, source)
        _keys(block, PROVIDER_KEYS, path, source, strict)
        if "api" in block:
            _url(block["api"], f"{path}.api", source)
        if "options" in block:
            _options(block["options"], f"{path}.options", source)
        for model_id, model in _table(block.get("models") or {}, f"{path}.models", source).items():
            model_path = f"{path}.models.{model_id}"
            model = _table(model, model_path, source)
            _keys(model, MODEL_KEYS, model_path, source, strict)
            if "options" in model:
                _options(model["options"], f"{model_path}.options", source)
            if "headers" in model:
                _headers(model["headers"], f"{model_path}.headers", source)
            if (override := model.get("provider")) is not None:
                override = _table(override, f"{model_path}.provider", source)
                _keys(override, MODEL_PROVIDER_KEYS, f"{model_path}.provider", source, strict)
                if "api" in override:
                    _url(override["api"], f"{model_path}.provider.api", source)


def env_names(value: Any) -> set[str]:
    """The variable names of every ``{env:NAME}`` template in ``value`` (nested tables included)."""
    if isinstance(value, str):
        return set(TEMPLATE.findall(value))
    if isinstance(value, Mapping):
        return {name for item in value.values() for name in env_names(item)}
    if isinstance(value, list | tuple):
        return {name for item in value for name in env_names(item)}
    return set()


def _without_foreign_templates(value: Any, path: str, allowed: Collection[str], source: str) -> Any:
    """``value`` without the strings whose templates name variables outside ``allowed``."""
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            if isinstance(item, str) and env_names(item) - set(allowed):
                logger.warning(
                    "ignored %s.%s from %s: it reads an environment variable a remote config may not read",
                    path,
                    key,
                    source,
                )
                continue
            kept[key] = _without_foreign_templates(item, f"{path}.{key}", allowed, source)
        return kept
    if isinstance(value, list):
        return [item for item in value if not (isinstance(item, str) and env_names(item) - set(allowed))]
    return value


def untrusted_config_data(
    data: Mapping[str, Any],
    *,
    source: str,
    owned: Collection[str],
    protected: Collection[str],
    env_allowed: Collection[str],
) -> dict[str, Any]:
    """What an untrusted (remote) config may contribute; everything dropped is logged.

    Kept: ``provider`` blocks that are the source's own (``owned``), or new ones (not in
    ``protected``: the built-in and locally configured providers). Dropped: every other
    top-level key (flags such as ``experimental_native_llm``), other providers' blocks, and
    every string holding an ``{env:NAME}`` template whose ``NAME`` is not in ``env_allowed``.
    """
    for key in data:
        if key != "provider":
            logger.warning("ignored %r from %s: a remote config may only define its own providers", key, source)
    providers = data.get("provider")
    if not isinstance(providers, Mapping):
        return {}
    kept: dict[str, Any] = {}
    for provider_id, block in providers.items():
        if provider_id not in owned and provider_id in protected:
            logger.warning(
                "ignored provider %r from %s: a remote config may not change a built-in or local provider",
                provider_id,
                source,
            )
            continue
        kept[provider_id] = _without_foreign_templates(block, f"provider.{provider_id}", env_allowed, source)
    return {"provider": kept}
