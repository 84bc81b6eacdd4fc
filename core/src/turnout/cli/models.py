"""``turnout models``: the effective providers and models, with where each value came from;
``turnout models default [MODEL]``: show or set the default model.

"Effective" means what ``turnout run`` uses: the built-in providers, the configuration file
over them, then whatever installed plugins add in ``turnout_configure`` (a console's remote
configuration, merged underneath local values).
"""

from __future__ import annotations

import argparse
from typing import Any

from turnout.cli.defaults import model_ref, resolve_default_model, store_default_model
from turnout.cli.render import print_json
from turnout.commands import UsageError
from turnout.config import BUILTIN_PROVIDERS, Config, ModelConfig, load_config
from turnout.runtime import Runtime

__all__ = ["register"]

BUILT_IN = "built-in"

EXAMPLES = """\
  turnout models                              every provider and model, and where each came from
  turnout models --provider opencode --json
  turnout models default                      show the default model and where it is set
  turnout models default openai/gpt-4.1-mini  make it the default (stored in $TURNOUT_DATA_DIR)"""


def register(cli: Any) -> None:
    """Add ``models`` and ``models default``."""
    models = cli.add_command(
        "models", help="list the providers and models in effect", handler=_models, examples=EXAMPLES
    )
    models.add_argument("--json", action="store_true", help="print JSON")
    models.add_argument("--provider", help="only this provider")
    sub = models.add_subparsers(dest="models_command", metavar="default")
    default = sub.add_parser("default", help="show or set the default model", parents=[cli.common])
    default.add_argument("model", nargs="?", type=model_ref, help="provider/model to make the default")
    default.add_argument("--json", action="store_true", help="print JSON")
    default.set_defaults(handler=_default)


def _default(args: argparse.Namespace) -> int:
    if args.model:
        path = store_default_model(args.model)
        print(f"default model: {args.model} (stored in {path})")
        return 0
    current = resolve_default_model(load_config(args.config))
    if args.json:
        print_json({"model": current.model, "source": current.source})
    else:
        print(f"{current.model} (from {current.source})" if current.model else "no default model is set")
    return 0


def _models(args: argparse.Namespace) -> int:
    base = load_config(args.config)
    effective = Runtime(config=base.model_copy(deep=True)).config
    plugins = effective.source.removeprefix(base.source).removeprefix(" + ") or "a plugin (turnout_configure)"
    file_providers: dict[str, Any] = (base._local or {}).get("provider") or {}
    if args.provider and args.provider not in effective.provider:
        known = ", ".join(sorted(effective.provider))
        raise UsageError(f"--provider {args.provider!r} is not configured (known: {known})")
    rows = [
        _row(provider_id, effective, base, file_providers.get(provider_id) or {}, plugins)
        for provider_id in sorted(effective.provider)
        if not args.provider or provider_id == args.provider
    ]
    if args.json:
        print_json(rows)
        return 0
    print(f"configuration: {effective.source}")
    for row in rows:
        key = row["api_key"]
        key_text = f"key {key['from']} ({'set' if key['configured'] else 'not set'})" if key["from"] else "no key"
        print(f"{row['provider']} — {row['name'] or ''} [{row['package']}] {row['base_url'] or ''}".rstrip())
        print(f"  from {row['source']}; {key_text}{'; console-managed' if row['console_managed'] else ''}")
        for model_id, model in row["models"].items():
            print(f"  {row['provider']}/{model_id}  [{model['package']}]  ({model['source']})")
    return 0


def _row(provider_id: str, effective: Config, base: Config, in_file: dict[str, Any], plugins: str) -> dict[str, Any]:
    provider = effective.provider[provider_id]
    before = base.provider.get(provider_id)
    builtin_models = (BUILTIN_PROVIDERS.get(provider_id) or {}).get("models") or {}

    def model_source(model_id: str, model: ModelConfig) -> str:
        if model_id in (in_file.get("models") or {}):
            return base.source
        if before is not None and before.models.get(model_id) == model:
            return BUILT_IN if model_id in builtin_models else base.source
        return plugins

    if before is None:
        source = plugins
    elif in_file:
        source = f"{BUILT_IN} + {base.source}" if provider_id in BUILTIN_PROVIDERS else base.source
    else:
        source = BUILT_IN
    if before is not None and provider != before:
        source += f" + {plugins}"
    raw_key = provider.options.get("apiKey")
    template = raw_key if isinstance(raw_key, str) and raw_key.startswith("{env:") else None
    resolved = effective.resolve(f"{provider_id}/-")
    return {
        "provider": provider_id,
        "name": provider.name,
        "package": provider.npm,
        "base_url": resolved.base_url,
        "api_key": {
            "configured": resolved.api_key is not None,
            "from": template or ("a literal in the configuration" if raw_key else None),
        },
        "console_managed": provider.console_managed,
        "source": source,
        "models": {
            model_id: {
                "package": (model.provider.npm if model.provider else None) or provider.npm,
                "source": model_source(model_id, model),
            }
            for model_id, model in sorted(provider.models.items())
        },
    }
