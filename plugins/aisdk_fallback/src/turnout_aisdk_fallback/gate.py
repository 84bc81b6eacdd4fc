"""The support gate: which requests the fallback runtime takes (at the lowest priority).

It answers from the package table and from what is installed, without importing pydantic-ai
or any provider SDK, so selection stays cheap. A request that asks for something pydantic-ai
cannot send on the model's route (stop sequences to the Responses API, an unknown option, a
reasoning effort OpenAI does not take, structured output without native support …) is declined
with the option named, never sent without it.
"""

from __future__ import annotations

import importlib.util
import os
from urllib.parse import urlsplit

from turnout.plugin_api import LLMRequest, Priority, ResolvedModel, Verdict, openai_option_problems, openai_options_key

from turnout_aisdk_fallback.packages import ROUTES, UNSERVED, Route, route_for

__all__ = [
    "NO_EXTRA_HEADERS",
    "OPTION_ALIASES",
    "RUNTIME",
    "SETTING_PREFIXES",
    "UNSUPPORTED_GENERATION",
    "check_support",
    "request_problems",
    "sdk_installed",
    "vertex_project",
]

RUNTIME = "aisdk-fallback"
"""The runtime id this plugin owns."""

UNSUPPORTED_GENERATION: dict[str, frozenset[str]] = {
    # The pydantic-ai models' own ``unsupported_settings`` (it drops those with a warning only).
    "openai-responses": frozenset({"frequency_penalty", "presence_penalty", "seed", "stop", "top_k"}),
    "openai-chat": frozenset({"top_k"}),
    "openrouter": frozenset({"top_k"}),
    "anthropic": frozenset({"frequency_penalty", "presence_penalty", "seed"}),
    "mistral": frozenset({"top_k"}),
}
"""``Generation`` fields a route cannot send (routes not listed send them all)."""

_NATIVE_OUTPUT = frozenset({"openai-responses", "openai-chat", "openrouter", "google", "google-vertex"})
"""Routes whose pydantic-ai model sends a JSON schema as native structured output."""

_EXTRA_BODY = frozenset({"openai-responses", "openai-chat", "openrouter", "anthropic", "azure"})
"""Routes whose pydantic-ai model sends an extra body."""

NO_EXTRA_HEADERS = frozenset({"mistral"})
"""Routes whose pydantic-ai model sends no extra headers (caller headers are refused there)."""

OPTION_ALIASES = {
    "reasoning_effort": "openai_reasoning_effort",
    "reasoningEffort": "openai_reasoning_effort",
    "reasoning_summary": "openai_reasoning_summary",
    "reasoningSummary": "openai_reasoning_summary",
    "store": "openai_store",
    "thinking": "anthropic_thinking",
}
"""AI SDK-style provider option names → pydantic-ai settings (routes other than OpenAI Responses)."""

SETTING_PREFIXES = ("openai_", "anthropic_", "google_", "mistral_", "openrouter_")
"""pydantic-ai setting names passed as they are."""


def request_problems(request: LLMRequest, model: ResolvedModel, route: Route) -> list[str]:
    """What the fallback cannot send of ``request`` on ``route`` (each names the option), or ``[]``."""
    where = f"the fallback ({route.api})"
    problems = [
        f"{where} does not support generation.{name}"
        for name in sorted(UNSUPPORTED_GENERATION.get(route.api, frozenset()))
        if getattr(request.generation, name) is not None
    ]
    key = openai_options_key(model)
    if route.api == "openai-responses":
        problems += openai_option_problems(request, model, api=where)
    else:
        for name in request.provider_options.get(key) or {}:
            if name not in OPTION_ALIASES and not name.startswith(SETTING_PREFIXES):
                problems.append(
                    f"providerOptions.{key}.{name} is not understood by {where} (known: "
                    f"{', '.join(sorted(OPTION_ALIASES))}, or a pydantic-ai setting starting with "
                    f"{'/'.join(SETTING_PREFIXES)})"
                )
    response_format = request.response_format
    if response_format is not None:
        if response_format.type == "json":
            problems.append(f"{where} does not support response_format 'json' without a schema")
        elif route.api not in _NATIVE_OUTPUT:
            problems.append(f"{where} has no native structured output for response_format (a JSON schema)")
    if request.http.body and route.api not in _EXTRA_BODY:
        problems.append(f"{where} cannot send http.body")
    if route.api in NO_EXTRA_HEADERS and (request.headers or request.http.headers):
        problems.append(f"{where} cannot send request headers")
    if request.http.query:
        problems.append(f"{where} cannot send http.query (pydantic-ai has no per-request query parameters)")
    return problems


def sdk_installed(route: Route) -> bool:
    """Whether the SDK module a route needs can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(route.sdk_module) is not None
    except (ImportError, ValueError):  # a missing parent package of a dotted name
        return False


def check_support(model: ResolvedModel, request: LLMRequest | None = None) -> Verdict:
    """Supported at ``Priority.FALLBACK`` when the package is served, its SDK installed, the
    provider's endpoint and credentials configured and the request asks for nothing the route
    cannot send; otherwise a reason saying what to do."""
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
    if request is not None and (problems := request_problems(request, model, route)):
        return _decline("; ".join(problems))
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
