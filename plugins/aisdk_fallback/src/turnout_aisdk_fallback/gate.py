"""The support gate: which requests the fallback runtime takes (at the lowest priority).

It answers from the package table and from what is installed, without importing pydantic-ai
or any provider SDK, so selection stays cheap.
"""

from __future__ import annotations

import importlib.util

from turnout.plugin_api import Priority, ResolvedModel, Verdict

from turnout_aisdk_fallback.packages import ROUTES, Route, route_for

__all__ = ["RUNTIME", "check_support", "sdk_installed"]

RUNTIME = "aisdk-fallback"
"""The runtime id this plugin owns."""


def sdk_installed(route: Route) -> bool:
    """Whether the SDK module a route needs can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(route.sdk_module) is not None
    except (ImportError, ValueError):  # a missing parent package of a dotted name
        return False


def check_support(model: ResolvedModel) -> Verdict:
    """Supported at ``Priority.FALLBACK`` when the package is served and its SDK installed."""
    route = route_for(model.package)
    if route is None:
        served = ", ".join(sorted(ROUTES))
        return _decline(f"provider package {model.package!r} is not served by the fallback (served: {served})")
    if not sdk_installed(route):
        return _decline(
            f"provider package {route.package} needs the {route.sdk_module!r} SDK, "
            "which is not installed: "
            f"{route.install_hint}"
        )
    if route.api != "google" and not model.base_url:
        return _decline(
            f"no base URL configured for provider {model.provider!r}: set provider.{model.provider}.options.baseURL"
        )
    if route.needs_api_key and model.api_key is None and not model.console_managed:
        return _decline(model.missing_key_message())
    return Verdict(RUNTIME, True, priority=Priority.FALLBACK)


def _decline(reason: str) -> Verdict:
    return Verdict(RUNTIME, False, reason, priority=Priority.FALLBACK)
