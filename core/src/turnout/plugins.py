"""Plugin discovery, registration and dispatch.

Plugins are found through the entry-point group ``turnout``. Each entry point is loaded in
isolation: one that fails to import (even with ``sys.exit``), or breaks the contract, is
recorded with its error, logged once as a warning, and the others still load.
``$TURNOUT_PLUGINS`` (a comma list of entry-point names; empty means none) narrows what loads.
Loading is idempotent.

Registration checks what pluggy cannot: the plugin's ``Manifest`` (contract version, owned
runtimes), that runtime hooks are implemented by runtime owners only, and that hooks are
synchronous. Every hook is then called through pluggy's hook caller; the isolation the
contract promises is applied per implementation when it is registered (see ``hookspecs``).
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import importlib_metadata
import pluggy

from turnout import hookspecs
from turnout.errors import PluginError, TurnoutError
from turnout.manifest import MANIFEST_ATTRIBUTE, Manifest
from turnout.selection import Verdict

__all__ = ["ENTRY_POINT_GROUP", "HookFailure", "PluginHeaders", "PluginInfo", "PluginSet", "allowed_from_env"]

ENTRY_POINT_GROUP = "turnout"
logger = logging.getLogger("turnout.plugins")

FANOUT_HOOKS = frozenset(
    {"turnout_configure", "turnout_check_support", "turnout_inject_headers", "turnout_register_commands"}
)
"""Hooks called on every plugin, each implementation isolated from the others' failures."""
RUNTIME_HOOKS = frozenset({"turnout_lower_request", "turnout_open_stream"})
"""Hooks called only on the plugin owning the chosen runtime (plus every plugin's wrappers)."""
WRAPPER_HOOKS = frozenset({"turnout_stream_request"})
"""Hooks whose result the core supplies: plugins may only wrap them."""
_SPEC_NAMES = frozenset(name for name in dir(hookspecs) if name.startswith("turnout_"))


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
    runtimes: tuple[str, ...] = ()
    """The runtimes it owns (from its manifest)."""
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
            "runtimes": list(self.runtimes),
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class HookFailure:
    """One isolated hook implementation that raised: it was skipped and the call went on."""

    plugin: str
    """The plugin whose implementation raised."""
    hook: str
    """The hook, e.g. ``turnout_inject_headers``."""
    error: str
    """``ExceptionType: message``."""


class PluginHeaders(dict[str, str]):
    """The headers one plugin returned from ``turnout_inject_headers``, with its name."""

    plugin: str

    def __init__(self, headers: Mapping[str, str], plugin: str) -> None:
        super().__init__(headers)
        self.plugin = plugin


_collected: contextvars.ContextVar[list[HookFailure] | None] = contextvars.ContextVar(
    "turnout_hook_failures", default=None
)


@dataclass
class PluginSet:
    """The registered plugins, who owns which runtime, and the pluggy manager that calls them."""

    manager: pluggy.PluginManager = field(default_factory=lambda: _new_manager())
    infos: dict[str, PluginInfo] = field(default_factory=dict)
    """Every plugin registered or tried, by name (``.error`` set for those refused)."""
    owners: dict[str, str] = field(default_factory=dict)
    """Runtime id → the name of the plugin that owns it."""
    failures: deque[HookFailure] = field(default_factory=lambda: deque(maxlen=100))
    """The latest isolated hook failures, oldest first (at most 100)."""
    _callers: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def hook(self) -> Any:
        """The hook relay (``plugins.hook.turnout_configure(config=…)``); prefer the methods below."""
        return self.manager.hook

    # -- registration -----------------------------------------------------------------------

    def register(
        self, plugin: object, name: str | None = None, *, distribution: str | None = None, version: str | None = None
    ) -> str:
        """Register a plugin object or module; raises ``PluginError`` if it breaks the contract."""
        name = str(name or getattr(plugin, "__name__", None) or type(plugin).__name__)
        if name in self.infos and self.infos[name].error is None:
            return name
        manifest = _manifest_of(plugin, name)
        for runtime in manifest.runtimes:
            if runtime in self.owners:
                raise PluginError(
                    f"runtime {runtime!r} is already owned by plugin {self.owners[runtime]!r}", plugin=name
                )
        try:
            self.manager.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:  # ValueError: already registered
            raise PluginError(str(exc), plugin=name) from None
        try:
            hooks = self._check_hooks(plugin, name, manifest)
        except PluginError:
            self.manager.unregister(plugin)
            raise
        for hook_name, impl in self._impls_of(plugin):
            _isolate(impl, hook_name, self.failures)
        self.owners.update(dict.fromkeys(manifest.runtimes, name))
        self._callers.clear()
        module = getattr(plugin, "__name__", None) or f"{type(plugin).__module__}.{type(plugin).__qualname__}"
        self.infos[name] = PluginInfo(
            name=name,
            module=module,
            distribution=distribution,
            version=version,
            hooks=hooks,
            runtimes=manifest.runtimes,
        )
        return name

    def load_entry_points(self, allow: Iterable[str] | None = None) -> None:
        """Load every plugin in the ``turnout`` entry-point group (or only the allowed names)."""
        allowed = set(allow) if allow is not None else None
        for entry_point in importlib_metadata.entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and entry_point.name not in allowed:
                continue
            if entry_point.name in self.infos:
                continue
            dist = entry_point.dist
            dist_name = dist.metadata["Name"] if dist is not None else None
            version = dist.version if dist is not None else None
            try:
                plugin = entry_point.load()
                self.register(plugin, entry_point.name, distribution=dist_name, version=version)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a broken plugin (even one calling sys.exit) must not break the others
                message = f"{type(exc).__name__}: {exc}"
                logger.warning("turnout plugin %r failed to load: %s", entry_point.name, message)
                self.infos[entry_point.name] = PluginInfo(
                    name=entry_point.name,
                    module=entry_point.value,
                    distribution=dist_name,
                    version=version,
                    error=message,
                )

    def _check_hooks(self, plugin: object, name: str, manifest: Manifest) -> tuple[str, ...]:
        """Refuse what the contract cannot honour; returns the hooks the plugin implements."""
        impls = self._impls_of(plugin)
        implemented = {impl_hook for impl_hook, _ in impls}
        unknown = sorted(implemented - _SPEC_NAMES)
        if unknown:
            raise PluginError(f"implements unknown hooks {unknown} (known: {sorted(_SPEC_NAMES)})", plugin=name)
        runtime_impls = set()
        for hook_name, impl in impls:
            if _is_wrapper(impl):
                continue
            if hook_name in WRAPPER_HOOKS:
                raise PluginError(
                    f"implements {hook_name} without wrapper=True; the core supplies the stream, so "
                    "plugins may only wrap it: @hookimpl(wrapper=True)",
                    plugin=name,
                )
            if inspect.iscoroutinefunction(impl.function):
                raise PluginError(
                    f"{hook_name} is an 'async def' function; hooks are synchronous "
                    "(turnout_open_stream returns an async iterator, e.g. from an async generator)",
                    plugin=name,
                )
            if hook_name in RUNTIME_HOOKS:
                if not manifest.runtimes:
                    raise PluginError(
                        f"implements {hook_name} but its manifest owns no runtime; declare "
                        "Manifest(runtimes=(...)) or make the implementation a wrapper",
                        plugin=name,
                    )
                runtime_impls.add(hook_name)
        missing = sorted(RUNTIME_HOOKS - runtime_impls) if manifest.runtimes else []
        if missing:
            raise PluginError(f"owns runtimes {list(manifest.runtimes)} but does not implement {missing}", plugin=name)
        return tuple(sorted(implemented))

    def _impls_of(self, plugin: object) -> list[tuple[str, pluggy.HookImpl]]:
        return [
            (caller.name, impl)
            for caller in (self.manager.get_hookcallers(plugin) or [])
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin
        ]

    # -- dispatch -------------------------------------------------------------------------------

    def call_fanout(self, hook_name: str, **kwargs: Any) -> tuple[list[Any], list[HookFailure]]:
        """Call an isolated hook on every plugin: the results, and the implementations that raised."""
        failures: list[HookFailure] = []
        token = _collected.set(failures)
        try:
            results = getattr(self.manager.hook, hook_name)(**kwargs)
        finally:
            _collected.reset(token)
        return results, failures

    def runtime_hook(self, hook_name: str, runtime: str) -> Any:
        """The hook caller for ``runtime``: its owner's implementation and every plugin's wrappers."""
        key = (hook_name, runtime)
        caller = self._callers.get(key)
        if caller is None:
            if runtime not in self.owners:
                raise PluginError(f"no installed plugin owns runtime {runtime!r}")
            others = {name for name in self.owners.values() if name != self.owners[runtime]}
            caller = self.manager.subset_hook_caller(
                hook_name, remove_plugins=[self.manager.get_plugin(name) for name in others]
            )
            self._callers[key] = caller
        return caller


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def _manifest_of(plugin: object, name: str) -> Manifest:
    manifest = getattr(plugin, MANIFEST_ATTRIBUTE, None)
    if manifest is None:
        raise PluginError(
            f"declares no {MANIFEST_ATTRIBUTE}; this turnout speaks hook contract version "
            f"{hookspecs.HOOKS_VERSION}: add `{MANIFEST_ATTRIBUTE} = turnout.plugin_api.Manifest("
            f"hooks_version={hookspecs.HOOKS_VERSION}, runtimes=(...))`",
            plugin=name,
        )
    if not isinstance(manifest, Manifest):
        raise PluginError(
            f"{MANIFEST_ATTRIBUTE} is a {type(manifest).__name__}, expected turnout Manifest", plugin=name
        )
    if manifest.hooks_version != hookspecs.HOOKS_VERSION:
        raise PluginError(
            f"is built for hook contract version {manifest.hooks_version}; this turnout speaks version "
            f"{hookspecs.HOOKS_VERSION} (see the CHANGELOG's migration guide)",
            plugin=name,
        )
    return manifest


def _is_wrapper(impl: pluggy.HookImpl) -> bool:
    return bool(impl.wrapper or impl.hookwrapper)


def _isolate(impl: pluggy.HookImpl, hook_name: str, failures: deque[HookFailure]) -> None:
    """Wrap one implementation so a failure is handled as the contract says (see ``hookspecs``)."""
    if _is_wrapper(impl):
        return
    function = impl.function
    plugin = impl.plugin_name
    adapt = _ADAPTERS.get(hook_name)
    if hook_name in FANOUT_HOOKS:

        def isolated(*args: Any) -> Any:
            try:
                result = function(*args)
                return result if adapt is None or result is None else adapt(result, plugin)
            except (KeyboardInterrupt, GeneratorExit):
                raise
            except BaseException as exc:
                failure = HookFailure(plugin, hook_name, f"{type(exc).__name__}: {exc}")
                logger.warning("plugin %r failed in %s (skipped): %s", plugin, hook_name, failure.error)
                failures.append(failure)
                collected = _collected.get()
                if collected is not None:
                    collected.append(failure)
                return None

        _replace_function(impl, isolated)
    else:

        def attributed(*args: Any) -> Any:
            try:
                return function(*args)
            except (TurnoutError, KeyboardInterrupt, GeneratorExit):
                raise
            except BaseException as exc:
                raise PluginError(f"{hook_name} raised {type(exc).__name__}: {exc}", plugin=plugin) from exc

        _replace_function(impl, attributed)


def _replace_function(impl: pluggy.HookImpl, function: Callable[..., Any]) -> None:
    # pluggy calls ``impl.function(*args)`` with the arguments named by ``impl.argnames``
    # (computed from the original at registration), so a wrapper taking ``*args`` fits.
    setattr(impl, "function", function)  # noqa: B010 - the attribute is Final for type checkers only


def _stamp_verdicts(answer: Any, plugin: str) -> list[Verdict]:
    answers = answer if isinstance(answer, list | tuple) else [answer]
    verdicts = []
    for verdict in answers:
        if not isinstance(verdict, Verdict):
            raise TypeError(f"returned {type(verdict).__name__}, expected turnout.Verdict")
        verdicts.append(replace(verdict, plugin=plugin))
    return verdicts


def _attribute_headers(answer: Any, plugin: str) -> PluginHeaders:
    if not isinstance(answer, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()):
        raise TypeError(f"returned {type(answer).__name__}, expected a mapping of header names to string values")
    return PluginHeaders(answer, plugin)


_ADAPTERS: dict[str, Callable[[Any, str], Any]] = {
    "turnout_check_support": _stamp_verdicts,
    "turnout_inject_headers": _attribute_headers,
}


def allowed_from_env(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The names ``$TURNOUT_PLUGINS`` allows (``[]`` when set but empty), or ``None`` when unset."""
    value = (os.environ if env is None else env).get("TURNOUT_PLUGINS")
    if value is None:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]
