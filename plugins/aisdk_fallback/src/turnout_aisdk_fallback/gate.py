"""The support gate: which requests the fallback runtime takes (at the lowest priority).

It answers from the package table and from what is installed, without importing pydantic-ai
or any provider SDK, so selection stays cheap.
"""

from __future__ import annotations

import importlib.util
import os
from urllib.parse import urlsplit

from turnout.plugin_api import Priority, ResolvedModel, Verdict

from turnout_aisdk_fallback.packages import ROUTES, UNSERVED, Route, route_for

__all__ = ["RUNTIME", "check_support", "sdk_installed", "vertex_project"]

RUNTIME = "aisdk-fallback"
"""The runtime id this plugin owns."""


def sdk_installed(route: Route) -> bool:
    """Whether the SDK module a route needs can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(route.sdk_module) is not None
    except (ImportError, ValueError):  # a missing parent package of a dotted name
        return False


def check_support(model: ResolvedModel) -> Verdict:
    """Supported at ``Priority.FALLBACK`` when the package is served, its SDK installed and
    the provider's endpoint and credentials configured; otherwise a reason saying what to do."""
    route = route_for(model.package)
    if route is None:
        served = ", ".join(sorted(ROUTES))
        why = f": {UNSERVED[model.package]}" if model.package in UNSERVED else ""
        return _decline(f"provider package {model.package!r} is not served by the fallback{why} (served: {served})")
    if not sdk_installed(route):
        return _decline(
            f"provider package {route.package} needs the {route.sdk_module!r} SDK, "
            "which is not installed: "
            f"{route.install_hint}"
        )
    problem = _endpoint_problem(model, route) or _credentials_problem(model, route)
    if problem:
        return _decline(problem)
    return Verdict(RUNTIME, True, priority=Priority.FALLBACK)


def _endpoint_problem(model: ResolvedModel, route: Route) -> str | None:
    setting = f"provider.{model.provider}.options.baseURL"
    if not model.base_url:
        if route.default_url:
            return None
        return f"no base URL configured for provider {model.provider!r}: set {setting}"
    host = urlsplit(model.base_url).hostname or ""
    if not host or host.startswith(".") or ".." in host:  # e.g. an unset {env:…} in the host
        return (
            f"the base URL of provider {model.provider!r} has an empty host part ({model.base_url}): "
            f"set the environment variable its template names, or {setting}"
        )
    return None


def _credentials_problem(model: ResolvedModel, route: Route) -> str | None:
    if model.api_key is not None or model.console_managed:
        return None
    key_setting = f"provider.{model.provider}.options.apiKey"
    where = f"{route.env} or {key_setting}" if route.env and model.provider == route.provider else key_setting
    if route.api == "google-vertex":
        if vertex_project(model)[0]:
            return None  # Application Default Credentials on that project
        return (
            f"no credentials for provider {model.provider!r}: set {where} (Vertex AI express mode), "
            f"or GOOGLE_VERTEX_PROJECT / provider.{model.provider}.options.project with "
            "Application Default Credentials"
        )
    if route.needs_api_key:
        return model.missing_key_message()
    return None


def vertex_project(model: ResolvedModel) -> tuple[str | None, str | None]:
    """The Vertex AI project and location: options ``project`` / ``location``, else the AI SDK's variables."""
    project = model.options.get("project") or os.environ.get("GOOGLE_VERTEX_PROJECT")
    location = model.options.get("location") or os.environ.get("GOOGLE_VERTEX_LOCATION")
    return (str(project) if project else None), (str(location) if location else None)


def _decline(reason: str) -> Verdict:
    return Verdict(RUNTIME, False, reason, priority=Priority.FALLBACK)
