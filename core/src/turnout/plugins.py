"""Plugin discovery and registration.

Plugins are found through the entry-point group ``turnout``. Each entry point is loaded in
isolation: one that fails to import (or does not match the contract) is recorded with its
error, logged as a warning, and the others still load. ``$TURNOUT_PLUGINS`` (a comma list of
entry-point names; empty means none) narrows what loads. Loading is idempotent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import importlib_metadata
import pluggy

from turnout import hookspecs
from turnout.errors import PluginError

__all__ = ["ENTRY_POINT_GROUP", "PluginInfo", "PluginSet"]

ENTRY_POINT_GROUP = "turnout"
logger = logging.getLogger("turnout.plugins")


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What ``turnout plugins`` shows about one plugin."""

    name: str
    """The registration name (the entry-point name, or one given in code)."""
    module: str | None
    """The module (or object) the plugin is, e.g. ``turnout_native_openai.plugin``."""
    distribution: str | None = None
    """The installed distribution providing it, when loaded from an entry point."""
    version: str | None = None
    """That distribution's version."""
    hooks: tuple[str, ...] = ()
    """The hooks it implements."""
    error: str | None = None
    """Why it failed to load, or ``None`` when it loaded."""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": list(self.hooks),
            "error": self.error,
        }


@dataclass
class PluginSet:
    """The registered plugins and the pluggy manager that calls them."""

    manager: pluggy.PluginManager = field(default_factory=lambda: _new_manager())
    infos: dict[str, PluginInfo] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        """The hook relay (``plugins.hook.turnout_configure(config=…)``)."""
        return self.manager.hook

    def register(
        self, plugin: object, name: str | None = None, *, distribution: str | None = None, version: str | None = None
    ) -> str:
        """Register a plugin object or module; raises ``PluginError`` if it breaks the contract."""
        name = str(name or getattr(plugin, "__name__", None) or type(plugin).__name__)
        if name in self.infos and self.infos[name].error is None:
            return name
        try:
            self.manager.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc), plugin=name) from None
        except ValueError as exc:  # already registered under another name
            raise PluginError(str(exc), plugin=name) from None
        implemented = set(self._hook_names(plugin))
        unknown = sorted(implemented - _SPEC_NAMES)
        hooks = tuple(sorted(implemented & _SPEC_NAMES))
        if unknown:
            self.manager.unregister(plugin)
            raise PluginError(f"implements unknown hooks {unknown} (known: {sorted(_SPEC_NAMES)})", plugin=name)
        module = getattr(plugin, "__name__", None) or f"{type(plugin).__module__}.{type(plugin).__qualname__}"
        self.infos[name] = PluginInfo(name=name, module=module, distribution=distribution, version=version, hooks=hooks)
        return name

    def load_entry_points(self, allow: Iterable[str] | None = None) -> None:
        """Load every plugin in the ``turnout`` entry-point group (or only the allowed names)."""
        allowed = set(allow) if allow is not None else None
        for entry_point in importlib_metadata.entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and entry_point.name not in allowed:
                continue
            if entry_point.name in self.infos and self.infos[entry_point.name].error is None:
                continue
            dist = entry_point.dist
            dist_name = dist.metadata["Name"] if dist is not None else None
            version = dist.version if dist is not None else None
            try:
                plugin = entry_point.load()
                self.register(plugin, entry_point.name, distribution=dist_name, version=version)
            except Exception as exc:  # a broken plugin must not break the others
                message = f"{type(exc).__name__}: {exc}"
                logger.warning("turnout plugin %r failed to load: %s", entry_point.name, message)
                self.infos[entry_point.name] = PluginInfo(
                    name=entry_point.name,
                    module=entry_point.value,
                    distribution=dist_name,
                    version=version,
                    error=message,
                )

    def implementations(self, hook_name: str) -> list[pluggy.HookImpl]:
        """The implementations of one hook, in call order."""
        return list(reversed(getattr(self.manager.hook, hook_name).get_hookimpls()))

    def _hook_names(self, plugin: object) -> list[str]:
        return [caller.name for caller in (self.manager.get_hookcallers(plugin) or [])]


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


_SPEC_NAMES = frozenset(name for name in dir(hookspecs) if name.startswith("turnout_"))


def allowed_from_env(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The names ``$TURNOUT_PLUGINS`` allows (``[]`` when set but empty), or ``None`` when unset."""
    value = (os.environ if env is None else env).get("TURNOUT_PLUGINS")
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def call_isolated(impl: pluggy.HookImpl, kwargs: Mapping[str, Any]) -> Any:
    """Call one hook implementation with just the arguments it declares."""
    return impl.function(*[kwargs[name] for name in impl.argnames])
