"""The console's remote config: fetched per org, merged under the local config, cached.

``GET <server>/api/config`` with the bearer token and ``x-org-id`` answers
``{"config": {...}}`` in the local config's shape, or 404 when the org has none. The last good
answer is cached in the data directory (mode 0600) and used, with its age logged, when the
console cannot be reached. Fetch failures are logged without secrets and are never fatal.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx2
from turnout.plugin_api import Config

from turnout_zen_console.accounts import Account
from turnout_zen_console.anonymous import ZEN_PROVIDER
from turnout_zen_console.client import ConsoleClient
from turnout_zen_console.errors import ConsoleError
from turnout_zen_console.server import TOKEN_ENV, origin
from turnout_zen_console.storage import read_json, write_private_json

__all__ = ["FETCH_TIMEOUT", "apply_remote_config", "forget_cached_configs", "load_remote_config"]

logger = logging.getLogger("turnout.zen_console")

FETCH_TIMEOUT = httpx2.Timeout(5.0, connect=3.0)
"""Timeouts for the fetch made while a ``Runtime`` is being built (it must never hang)."""


def load_remote_config(
    account: Account,
    token: str,
    org_id: str,
    *,
    cache_dir: Path,
    clock: Callable[[], float] = time.time,
    timeout: httpx2.Timeout | float = FETCH_TIMEOUT,
) -> dict[str, Any] | None:
    """The org's remote config: fetched, else the cached copy, else ``None``.

    A 404 means the org has no remote config: ``None``, and any cached copy is dropped.
    """
    cache = _cache_path(cache_dir, account.server, org_id)
    try:
        with ConsoleClient(account.server, timeout=timeout) as client:
            data = client.get_config(token, org_id)
    except ConsoleError as exc:
        return _cached(cache, exc, clock)
    if data is None:
        logger.info("the console at %s has no remote config for the active org", account.server)
        with contextlib.suppress(FileNotFoundError):
            cache.unlink()
        return None
    try:
        write_private_json(cache, {"server": account.server, "fetched_at": clock(), "config": data})
    except OSError as exc:
        logger.warning("could not cache the console config in %s: %s", cache.parent, exc.strerror)
    return data


def apply_remote_config(config: Config, data: Mapping[str, Any], *, source: str) -> set[tuple[str, str, int]]:
    """Merge the untrusted ``data`` under ``config`` and mark what it defined console-managed.

    The remote config may define the Zen provider (``opencode``, replacing the built-in block
    underneath local values) and new providers, nothing else: no flag, no built-in or locally
    configured provider; its ``{env:NAME}`` templates may read ``$OPENCODE_CONSOLE_TOKEN``
    only (``Config.merge_under``). Returns the origins (scheme, host, port) of the endpoints
    the accepted part names: the console proxy hosts its credentials may be sent to.
    """
    accepted = config.merge_under(data, source=source, owned=(ZEN_PROVIDER,), env_allowed=(TOKEN_ENV,))
    providers = accepted.get("provider")
    endpoints: set[tuple[str, str, int]] = set()
    if not isinstance(providers, Mapping):
        return endpoints
    for provider_id, block in providers.items():
        if provider_id in config.provider:
            config.provider[provider_id].console_managed = True
        endpoints.update(_endpoint_origins(block))
    return endpoints


def forget_cached_configs(cache_dir: Path, server: str, org_ids: Iterable[str]) -> None:
    """Delete the cached remote configs of these orgs (on logout)."""
    for org_id in org_ids:
        with contextlib.suppress(FileNotFoundError):
            _cache_path(cache_dir, server, org_id).unlink()


def _endpoint_origins(block: Any) -> set[tuple[str, str, int]]:
    """The origins of a provider block's ``api``, ``options.baseURL`` and per-model ``api``."""
    if not isinstance(block, Mapping):
        return set()
    urls = [block.get("api")]
    options = block.get("options")
    if isinstance(options, Mapping):
        urls.append(options.get("baseURL"))
    models = block.get("models")
    if isinstance(models, Mapping):
        for model in models.values():
            override = model.get("provider") if isinstance(model, Mapping) else None
            if isinstance(override, Mapping):
                urls.append(override.get("api"))
    return {found for url in urls if isinstance(url, str) and (found := origin(url)) is not None}


def _cache_path(cache_dir: Path, server: str, org_id: str) -> Path:
    digest = hashlib.sha256(f"{server}\n{org_id}".encode()).hexdigest()[:16]
    return cache_dir / f"console-config-{digest}.json"


def _cached(cache: Path, error: ConsoleError, clock: Callable[[], float]) -> dict[str, Any] | None:
    try:
        stored = read_json(cache)
    except (OSError, ValueError):
        stored = None
    if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
        logger.warning("console config unavailable, continuing without it: %s", error)
        return None
    fetched_at = stored.get("fetched_at")
    age = _describe_age(clock() - fetched_at) if isinstance(fetched_at, int | float) else "an unknown time"
    logger.warning("console config unavailable (%s); using the copy cached %s ago", error, age)
    config: dict[str, Any] = stored["config"]
    return config


def _describe_age(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
