"""The gateway's settings: API keys, model aliases, limits — from ``[plugin.serve]`` and the environment.

In the turnout configuration file (``plugin.<name>`` tables belong to plugins)::

    [plugin.serve]
    max_body_bytes = 4194304            # larger request bodies get a 413
    drain_timeout = 30                  # seconds in-flight streams get on shutdown
    cors_origins = []                   # no CORS unless origins are listed
    aliases = { "gpt-4o" = "openai/gpt-4o" }

    [plugin.serve.keys.alice]                  # "alice" is the key id the access log shows
    key_env = "ALICE_GATEWAY_KEY"       # the key is read from this variable...
    # key_sha256 = "<hex digest>"       # ...or only its SHA-256 is stored
    models = ["openai/*"]               # optional allowlist (shell-style patterns)

and/or ``TURNOUT_SERVE_KEYS="alice=<key>,bob=<key>"`` (a bare ``<key>`` gets the id
``env-<n>``). Keys are kept only as SHA-256 digests. Without any key every request but
``/healthz`` is refused.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from turnout.errors import ConfigError
from turnout.plugin_api import Config

__all__ = ["KEYS_ENV", "GatewayKey", "GatewaySettings", "digest"]

KEYS_ENV = "TURNOUT_SERVE_KEYS"
"""The environment variable holding gateway keys: ``id=key,id=key`` (or bare keys)."""


def digest(key: str) -> bytes:
    """The SHA-256 digest a key is stored and compared as."""
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True, slots=True)
class GatewayKey:
    """One client key: an id for logs, the key's digest, and the models it may use."""

    id: str
    """A name for the key, shown in the access log (never the key)."""
    digest: bytes = field(repr=False)
    """SHA-256 of the key."""
    models: tuple[str, ...] | None = None
    """Shell-style patterns of ``provider/model`` refs (or aliases) allowed; ``None``: all."""

    def allows(self, *names: str) -> bool:
        """Whether any of ``names`` (the requested name, its resolved ref) is allowed."""
        if self.models is None:
            return True
        return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in self.models)


class _KeySection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_env: str | None = None
    key_sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    models: list[str] | None = None


class _ServeSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    drain_timeout: float = Field(default=30.0, ge=0)
    cors_origins: list[str] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict)
    keys: dict[str, _KeySection] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """Everything the gateway needs besides the runtime."""

    keys: tuple[GatewayKey, ...] = ()
    """The accepted client keys."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Model names clients may use for ``provider/model`` refs."""
    max_body_bytes: int = 4 * 1024 * 1024
    """The largest request body accepted (413 above)."""
    drain_timeout: float = 30.0
    """Seconds in-flight requests get to finish on shutdown."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS; empty (the default) sends no CORS headers at all."""

    @classmethod
    def from_config(cls, config: Config, env: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read ``[plugin.serve]`` from the configuration and ``$TURNOUT_SERVE_KEYS``."""
        env = os.environ if env is None else env
        raw: Any = ((config.model_extra or {}).get("plugin") or {}).get("serve") or {}
        try:
            section = _ServeSection.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(["plugin", "serve", *(str(part) for part in error["loc"])])
            raise ConfigError(error["msg"], source=config.source, key=key) from None
        keys = []
        for key_id, entry in section.keys.items():
            models = tuple(entry.models) if entry.models is not None else None
            if entry.key_sha256:
                keys.append(GatewayKey(key_id, bytes.fromhex(entry.key_sha256), models))
            elif entry.key_env:
                if value := env.get(entry.key_env):
                    keys.append(GatewayKey(key_id, digest(value), models))
            else:
                raise ConfigError("set key_env or key_sha256", source=config.source, key=f"plugin.serve.keys.{key_id}")
        keys.extend(_env_keys(env.get(KEYS_ENV, "")))
        return cls(
            keys=tuple(keys),
            aliases=dict(section.aliases),
            max_body_bytes=section.max_body_bytes,
            drain_timeout=section.drain_timeout,
            cors_origins=tuple(section.cors_origins),
        )


def _env_keys(text: str) -> list[GatewayKey]:
    keys = []
    for position, entry in enumerate(item.strip() for item in text.split(",")):
        if not entry:
            continue
        key_id, sep, key = entry.partition("=")
        if not sep:
            key_id, key = f"env-{position + 1}", entry
        if not key_id or not key:
            raise ConfigError("expected id=key entries separated by commas", source=f"${KEYS_ENV}")
        keys.append(GatewayKey(key_id.strip(), digest(key.strip())))
    return keys
