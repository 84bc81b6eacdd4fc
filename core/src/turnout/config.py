"""Configuration: loading (TOML or JSON), ``{env:NAME}`` templates, built-in providers, flags.

The shape is the reference's provider config, so a provider block can be copied::

    experimental_native_llm = true
    [provider.openai]
    npm = "@ai-sdk/openai"
    options = { apiKey = "{env:OPENAI_API_KEY}", headers = { "x-team" = "search" } }
    [provider.openai.models."gpt-4.1-mini"]
    [provider.opencode.models."gpt-5.2-codex"]
    provider = { npm = "@ai-sdk/openai" }        # per-model package override

Search order: an explicit path, ``$TURNOUT_CONFIG``, ``./turnout.toml`` (or ``.json``), then
``turnout.toml`` in the user config directory. Built-in providers sit underneath whatever is
loaded. Templates resolve late (when a model is resolved), so a plugin may export a variable in
``turnout_configure`` that a template then reads.

Loading is strict (``turnout.config_checks``): an unknown key or an ill-typed value is a
``ConfigError`` naming the file, the key path and the closest valid key. ``options`` tables are
the free-form place for provider-specific options. ``repr`` of any config object masks API keys
and credential-named headers.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError

from turnout.config_checks import TEMPLATE, check_config_data, untrusted_config_data
from turnout.errors import ConfigError
from turnout.http.redaction import REDACTED, is_credential_header
from turnout.paths import user_config_dir

__all__ = [
    "BUILTIN_PROVIDERS",
    "Config",
    "ModelConfig",
    "ProviderConfig",
    "ResolvedModel",
    "RuntimeFlags",
    "load_config",
]


BUILTIN_PROVIDERS: dict[str, dict[str, Any]] = {
    "openai": {
        "name": "OpenAI",
        "npm": "@ai-sdk/openai",
        "api": "https://api.openai.com/v1",
        "options": {"apiKey": "{env:OPENAI_API_KEY}"},
    },
    "anthropic": {
        "name": "Anthropic",
        "npm": "@ai-sdk/anthropic",
        "api": "https://api.anthropic.com/v1",
        "options": {"apiKey": "{env:ANTHROPIC_API_KEY}"},
    },
    "google": {
        "name": "Google",
        "npm": "@ai-sdk/google",
        "api": "https://generativelanguage.googleapis.com/v1beta",
        "options": {"apiKey": "{env:GOOGLE_API_KEY}"},
    },
    "google-vertex": {
        # No base URL: google-genai picks the regional endpoint of the project's location. An
        # express-mode key, or GOOGLE_VERTEX_PROJECT (+ GOOGLE_VERTEX_LOCATION) with Application
        # Default Credentials.
        "name": "Google Vertex AI",
        "npm": "@ai-sdk/google-vertex",
        "options": {"apiKey": "{env:GOOGLE_VERTEX_API_KEY}"},
    },
    "azure": {
        "name": "Azure OpenAI",
        "npm": "@ai-sdk/azure",
        "api": "https://{env:AZURE_RESOURCE_NAME}.openai.azure.com/openai/v1",
        "options": {"apiKey": "{env:AZURE_API_KEY}"},
    },
    "amazon-bedrock": {
        "name": "Amazon Bedrock",
        "npm": "@ai-sdk/amazon-bedrock",
        "api": "https://bedrock-runtime.{env:AWS_REGION}.amazonaws.com",
        "options": {"apiKey": "{env:AWS_BEARER_TOKEN_BEDROCK}"},
    },
    "openrouter": {
        "name": "OpenRouter",
        "npm": "@openrouter/ai-sdk-provider",
        "api": "https://openrouter.ai/api/v1",
        "options": {"apiKey": "{env:OPENROUTER_API_KEY}"},
    },
    "groq": {
        "name": "Groq",
        "npm": "@ai-sdk/groq",
        "api": "https://api.groq.com/openai/v1",
        "options": {"apiKey": "{env:GROQ_API_KEY}"},
    },
    "mistral": {
        "name": "Mistral",
        "npm": "@ai-sdk/mistral",
        "api": "https://api.mistral.ai/v1",
        "options": {"apiKey": "{env:MISTRAL_API_KEY}"},
    },
    "deepseek": {
        "name": "DeepSeek",
        "npm": "@ai-sdk/deepseek",
        "api": "https://api.deepseek.com",
        "options": {"apiKey": "{env:DEEPSEEK_API_KEY}"},
    },
    "xai": {
        "name": "xAI",
        "npm": "@ai-sdk/xai",
        "api": "https://api.x.ai/v1",
        "options": {"apiKey": "{env:XAI_API_KEY}"},
    },
    "perplexity": {
        "name": "Perplexity",
        "npm": "@ai-sdk/perplexity",
        "api": "https://api.perplexity.ai",
        "options": {"apiKey": "{env:PERPLEXITY_API_KEY}"},
    },
    "cerebras": {
        "name": "Cerebras",
        "npm": "@ai-sdk/cerebras",
        "api": "https://api.cerebras.ai/v1",
        "options": {"apiKey": "{env:CEREBRAS_API_KEY}"},
    },
    "opencode": {
        "name": "OpenCode Zen",
        "npm": "@ai-sdk/openai-compatible",
        "api": "https://opencode.ai/zen/v1",
        "options": {"apiKey": "{env:OPENCODE_API_KEY}"},
        "models": {
            "gpt-5.2-codex": {"provider": {"npm": "@ai-sdk/openai"}},
            "claude-sonnet-4-5": {"provider": {"npm": "@ai-sdk/anthropic"}},
            "big-pickle": {"free": True},
        },
    },
    "ollama": {
        "name": "Ollama (local)",
        "npm": "@ai-sdk/openai-compatible",
        "api": "http://localhost:11434/v1",
        "options": {"apiKey": "ollama"},
    },
}
"""Providers known without any configuration file (a file's blocks are merged over them)."""


def _masked(value: Any, name: str = "") -> Any:
    """``value`` with API keys and credential-named entries (at any depth) replaced for display."""
    if name == "apiKey" or (name and is_credential_header(name) and isinstance(value, str)):
        return REDACTED
    if isinstance(value, Mapping):
        return {key: _masked(item, str(key)) for key, item in value.items()}
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, (_masked(value) if name in ("options", "headers") else value)


class ModelProviderOverride(_Section):
    """``provider.<id>.models.<model>.provider``: a per-model package or endpoint."""

    npm: str | None = None
    """The package that serves this model, e.g. ``@ai-sdk/openai``."""
    api: str | None = None
    """A base URL for this model only."""


class ModelConfig(_Section):
    """``provider.<id>.models.<model id>``."""

    name: str | None = None
    """A display name."""
    id: str | None = None
    """The model id sent to the provider, when it differs from the key."""
    provider: ModelProviderOverride | None = None
    """Per-model package or endpoint override."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers sent for this model only."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Provider options for this model only (merged over the provider's)."""
    free: bool = False
    """Whether the provider serves this model without a key (Zen's free models)."""


class ProviderConfig(_Section):
    """``provider.<id>``: one provider's package, endpoint, credentials and models."""

    name: str | None = None
    """A display name."""
    npm: str | None = None
    """The package that serves the provider, e.g. ``@ai-sdk/openai``."""
    api: str | None = None
    """The default base URL."""
    auth: Literal["api", "oauth"] | None = None
    """How the provider authenticates: an API key (default) or OAuth."""
    console_managed: bool = False
    """True when the provider came from a console's remote config (set by plugins)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """``apiKey``, ``baseURL``, ``headers`` and provider-specific options."""
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    """The model catalogue; any model id is accepted, these add names and overrides."""


class ResolvedModel(BaseModel):
    """A ``provider/model`` reference resolved against the configuration.

    This is what hooks receive as ``model``. The API key is a ``SecretStr``: it never shows in
    ``repr``, logs or dumps; call ``api_key.get_secret_value()`` only to put it on the wire.
    """

    model_config = ConfigDict(frozen=True)

    provider: str
    """The provider id, e.g. ``openai``."""
    model: str
    """The model id as requested, e.g. ``gpt-4.1-mini``."""
    api_id: str
    """The model id sent to the provider (usually equal to ``model``)."""
    package: str | None
    """The package that serves it (``npm``), e.g. ``@ai-sdk/openai``."""
    base_url: str | None
    """The base URL requests go to."""
    api_key: SecretStr | None = None
    """The API key or token, if one is configured."""
    auth: Literal["api", "oauth"] | None = None
    """How the provider authenticates."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Provider and model headers (string values only)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Remaining provider options (``apiKey``, ``baseURL`` and ``headers`` removed)."""
    console_managed: bool = False
    """True when a console manages this provider (its credentials go only to its host)."""
    name: str | None = None
    """A display name."""
    api_key_env: str | None = None
    """The environment variable the key template names (e.g. ``OPENAI_API_KEY``), if any."""

    @property
    def ref(self) -> str:
        """``provider/model``."""
        return f"{self.provider}/{self.model}"

    def missing_key_message(self) -> str:
        """What to tell the user when no API key is configured (one wording for every runtime)."""
        where = f"provider.{self.provider}.options.apiKey"
        if self.api_key_env:
            return (
                f"no API key for provider {self.provider!r}: set the environment variable "
                f"{self.api_key_env} (read by {where})"
            )
        return f"no API key configured for provider {self.provider!r}: set {where}"

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, (_masked(value) if name in ("options", "headers") else value)


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _render(value: str, env: Mapping[str, str]) -> str | None:
    """Resolve ``{env:NAME}`` templates; ``None`` when the whole value is a missing variable."""
    match = TEMPLATE.fullmatch(value)
    if match:
        return env.get(match.group(1)) or None
    return TEMPLATE.sub(lambda m: env.get(m.group(1), ""), value)


def _missing(value: str, env: Mapping[str, str]) -> list[str]:
    """The variables ``value``'s templates name that are unset (or empty)."""
    return [name for name in TEMPLATE.findall(value) if not env.get(name)]


def _parse_bool(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"expected 1/true/0/false, got {text!r}", source=f"${name}")


class Config(BaseModel):
    """The loaded configuration (built-ins merged under the file)."""

    model_config = ConfigDict(extra="allow")

    experimental_native_llm: bool | None = None
    """Turn the native runtime on (see ``RuntimeFlags``)."""
    default_model: str | None = None
    """The ``provider/model`` the CLI uses when ``-m`` is not given (see ``turnout models default``)."""
    provider: dict[str, ProviderConfig] = Field(default_factory=dict)
    """Providers by id."""
    source: str = Field(default="built-in defaults", exclude=True)
    """Where the configuration was read from (for error messages)."""
    _local: dict[str, Any] | None = PrivateAttr(default=None)
    """The data given to ``from_data`` (without built-ins): what ``merge_under`` never overrides."""

    @classmethod
    def from_data(
        cls, data: Mapping[str, Any], *, source: str = "code", builtins: bool = True, strict: bool = True
    ) -> Config:
        """Validate plain data (a parsed file) over the built-in providers.

        Raises ``ConfigError`` for ill-typed values and (``strict``) unknown keys.
        """
        check_config_data(data, source=source, strict=strict)
        base: dict[str, Any] = {"provider": copy.deepcopy(BUILTIN_PROVIDERS)} if builtins else {}
        merged = _deep_merge(base, data)
        try:
            config = cls.model_validate({**merged, "source": source})
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            shown = _masked(error.get("input"), str(error["loc"][-1]) if error["loc"] else "")
            raise ConfigError(f"{error['msg']} (got {shown!r})", source=source, key=key) from None
        config._local = copy.deepcopy(dict(data))
        return config

    def merge_under(
        self,
        data: Mapping[str, Any],
        *,
        source: str,
        owned: Collection[str] = (),
        env_allowed: Collection[str] = (),
    ) -> dict[str, Any]:
        """Merge untrusted ``data`` *underneath* this config, in place; returns what was merged.

        For remote configuration (a console's), which is untrusted input: it may add providers
        and replace the ones it ``owned`` (a console's Zen block replaces the built-in one), but
        never touch other built-in or locally configured providers, nor set flags such as
        ``experimental_native_llm``; its ``{env:NAME}`` templates may read only the variables in
        ``env_allowed``. Everything else is dropped and logged (``untrusted_config_data``).
        Within an owned provider, values already set locally win. Plugins call it from
        ``turnout_configure``.
        """
        current = self.model_dump(exclude_unset=True, exclude={"source"})
        local = current if self._local is None else self._local
        protected = set(BUILTIN_PROVIDERS) | set(local.get("provider") or {}) | set(self.provider)
        accepted = untrusted_config_data(data, source=source, owned=owned, protected=protected, env_allowed=env_allowed)
        check_config_data(accepted, source=source, strict=False)
        merged_data = _deep_merge(_deep_merge(current, accepted), local)
        merged = Config.from_data(merged_data, source=f"{self.source} + {source}", builtins=False, strict=False)
        for name in type(self).model_fields:
            setattr(self, name, getattr(merged, name))
        return accepted

    def resolve(self, ref: str, env: Mapping[str, str] | None = None) -> ResolvedModel:
        """Resolve ``provider/model`` into a ``ResolvedModel``; templates are rendered now."""
        env = os.environ if env is None else env
        provider_id, sep, model_id = ref.partition("/")
        if not sep or not provider_id or not model_id:
            raise ConfigError(f"model must be '<provider id>/<model id>', got {ref!r}", source=self.source)
        provider = self.provider.get(provider_id)
        if provider is None:
            known = ", ".join(sorted(self.provider)) or "none"
            raise ConfigError(
                f"unknown provider {provider_id!r} (known: {known}); add a [provider.{provider_id}] block",
                source=self.source,
                key=f"provider.{provider_id}",
            )
        model = provider.models.get(model_id) or ModelConfig()
        override = model.provider or ModelProviderOverride()
        options = _deep_merge(provider.options, model.options)
        api_key = options.pop("apiKey", None)
        base_url = options.pop("baseURL", None)
        if isinstance(base_url, str) and (unset := _missing(base_url, env)):
            raise ConfigError(
                f"the environment variable {unset[0]} is not set (read by the base URL)",
                source=self.source,
                key=f"provider.{provider_id}.options.baseURL",
            )
        raw_headers = options.pop("headers", None) or {}
        if not isinstance(raw_headers, Mapping):
            raise ConfigError(
                "expected a table of header names to strings",
                source=self.source,
                key=f"provider.{provider_id}.options.headers",
            )
        headers = {name: value for name, value in raw_headers.items() if isinstance(value, str)}
        headers.update(model.headers)
        rendered_headers = {}
        for name, value in headers.items():
            rendered = _render(value, env)
            if rendered is not None:
                rendered_headers[name] = rendered
        if api_key is not None and not isinstance(api_key, str):
            raise ConfigError("expected a string", source=self.source, key=f"provider.{provider_id}.options.apiKey")
        key = _render(api_key, env) if api_key else None
        key_env = TEMPLATE.findall(api_key)[0] if api_key and TEMPLATE.search(api_key) else None
        url = base_url if isinstance(base_url, str) and base_url else (override.api or provider.api)
        return ResolvedModel(
            provider=provider_id,
            model=model_id,
            api_id=model.id or model_id,
            package=override.npm or provider.npm,
            base_url=(_render(url, env) or None) if url else None,
            api_key=SecretStr(key) if key else None,
            auth=provider.auth,
            headers=rendered_headers,
            options=options,
            console_managed=provider.console_managed,
            name=model.name or provider.name,
            api_key_env=key_env,
        )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}", source=str(path)
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a table at the top level", source=str(path))
    return data


def find_config_file(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The configuration file that would be loaded, or ``None`` for built-ins only."""
    if path is not None:
        return Path(path)
    if env_path := os.environ.get("TURNOUT_CONFIG"):
        return Path(env_path)
    for candidate in (Path("turnout.toml"), Path("turnout.json"), user_config_dir() / "turnout.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration (see the module docstring for the search order)."""
    found = find_config_file(path)
    if found is None:
        return Config.from_data({}, source="built-in defaults")
    return Config.from_data(_read(found), source=str(found))


@dataclass(frozen=True, slots=True)
class RuntimeFlags:
    """Feature flags a runtime is gated on; plugins receive them in ``turnout_check_support``."""

    native: bool = False
    """Whether the native runtime may be attempted (off by default)."""

    @classmethod
    def resolve(cls, config: Config, native: bool | None = None, env: Mapping[str, str] | None = None) -> RuntimeFlags:
        """Decide the flags: ``Runtime(native=...)``, else ``$TURNOUT_EXPERIMENTAL_NATIVE_LLM``
        (wins when set), else the config's ``experimental_native_llm``, else the umbrella
        ``$TURNOUT_EXPERIMENTAL``, else off."""
        env = os.environ if env is None else env
        if native is not None:
            return cls(native=native)
        if (value := env.get("TURNOUT_EXPERIMENTAL_NATIVE_LLM")) is not None:
            return cls(native=_parse_bool(value, "TURNOUT_EXPERIMENTAL_NATIVE_LLM"))
        if config.experimental_native_llm is not None:
            return cls(native=config.experimental_native_llm)
        if (value := env.get("TURNOUT_EXPERIMENTAL")) is not None:
            return cls(native=_parse_bool(value, "TURNOUT_EXPERIMENTAL"))
        return cls(native=False)
