"""The default model: what ``turnout run`` uses when ``-m`` is not given.

First found wins: ``$TURNOUT_MODEL``, the model chosen with ``turnout models default MODEL``
(stored in ``default-model.txt`` in the user data directory, ``$TURNOUT_DATA_DIR``), then the
configuration's ``default_model``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from turnout.commands import UsageError
from turnout.config import Config
from turnout.paths import user_data_dir

__all__ = [
    "DefaultModel",
    "default_model_file",
    "model_ref",
    "model_to_use",
    "resolve_default_model",
    "store_default_model",
]


@dataclass(frozen=True)
class DefaultModel:
    """The default model and where it came from."""

    model: str | None
    """``provider/model``, or ``None`` when no default is set."""
    source: str
    """``$TURNOUT_MODEL``, the stored file, or the configuration file."""


def default_model_file() -> Path:
    """Where ``turnout models default MODEL`` stores its choice."""
    return user_data_dir() / "default-model.txt"


def resolve_default_model(config: Config) -> DefaultModel:
    """The default model (see the module docstring for the order)."""
    if env := os.environ.get("TURNOUT_MODEL", "").strip():
        return DefaultModel(env, "$TURNOUT_MODEL")
    stored = default_model_file()
    if stored.is_file() and (text := stored.read_text(encoding="utf-8").strip()):
        return DefaultModel(text, str(stored))
    if config.default_model:
        return DefaultModel(config.default_model, f"default_model in {config.source}")
    return DefaultModel(None, "not set")


def store_default_model(model: str) -> Path:
    """Store ``model`` as the default; returns the file written."""
    path = default_model_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(model + "\n", encoding="utf-8")
    return path


def model_ref(value: str) -> str:
    """An argparse type: ``provider/model`` (a clear usage error otherwise)."""
    provider, sep, model = value.partition("/")
    if not sep or not provider or not model:
        example = f"openai/{value}" if value and not sep else "openai/gpt-4.1-mini"
        raise argparse.ArgumentTypeError(f"expected '<provider id>/<model id>', e.g. '{example}', got {value!r}")
    return value


def model_to_use(explicit: str | None, config: Config) -> str:
    """``-m`` when given, else the default model; a ``UsageError`` saying how to set one."""
    if explicit:
        return explicit
    default = resolve_default_model(config)
    if default.model is None:
        raise UsageError(
            "no model: pass -m provider/model, set TURNOUT_MODEL, or choose a default with "
            "`turnout models default provider/model`"
        )
    try:
        return model_ref(default.model)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"the default model from {default.source}: {exc}") from None
