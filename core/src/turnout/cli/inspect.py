"""``turnout explain`` and ``turnout plugins``: what is installed, and which runtime a model gets and why."""

from __future__ import annotations

import argparse
from typing import Any

from turnout.cli.defaults import model_to_use
from turnout.cli.render import print_json
from turnout.cli.run import add_runtime_options, generation_options, metadata_from_args, runtime_from_args
from turnout.http import network_transport
from turnout.plugins import PluginSet, allowed_from_env
from turnout.request import LLMRequest, user
from turnout.selection import Selection

__all__ = ["register", "selection_as_dict"]


def register(cli: Any) -> None:
    """Add ``explain`` and ``plugins``."""
    explain = cli.add_command(
        "explain", help="show which runtime would handle a model, and every verdict", handler=_explain
    )
    add_runtime_options(explain)
    explain.add_argument("--json", action="store_true", help="print JSON")
    plugins = cli.add_command(
        "plugins", help="list installed plugins, versions, hooks and load errors", handler=_plugins
    )
    plugins.add_argument("--json", action="store_true", help="print JSON")


def selection_as_dict(selection: Selection, flags_native: bool) -> dict[str, Any]:
    """The stable JSON shape of ``turnout explain --json``."""
    return {
        "runtime": selection.runtime,
        "provider": selection.provider,
        "model": selection.model,
        "native_flag": flags_native,
        "candidates": list(selection.candidates),
        "verdicts": [
            {
                "plugin": v.plugin,
                "runtime": v.runtime,
                "supported": v.supported,
                "reason": v.reason,
                "priority": int(v.priority),
            }
            for v in selection.verdicts
        ],
        "declined": selection.declined,
    }


def _explain(args: argparse.Namespace) -> int:
    runtime = runtime_from_args(args)
    args.model = model_to_use(args.model, runtime.config)
    generation, provider_options = generation_options(args.option, None, args.model.partition("/")[0])
    request = LLMRequest(
        model=args.model,
        messages=[user("")],
        generation=generation,
        metadata=metadata_from_args(args),
        provider_options=provider_options,
    )
    selection = runtime.select(request)
    data = selection_as_dict(selection, runtime.flags.native)
    if args.json:
        print_json(data)
    else:
        print(
            f"{args.model}: {selection.runtime or 'no runtime can handle it'}"
            f" (native flag {'on' if runtime.flags.native else 'off'})"
        )
        for verdict in data["verdicts"]:
            mark = "✓" if verdict["supported"] else "✗"
            print(f"  {mark} {verdict['runtime']:<16} by {verdict['plugin']:<16} {verdict['reason'] or ''}".rstrip())
    return 0 if selection.runtime else 1


def _plugins(args: argparse.Namespace) -> int:
    plugins = PluginSet()
    plugins.load_entry_points(allowed_from_env())
    infos = [info.as_dict() for info in plugins.infos.values()]
    if args.json:
        print_json(infos)
    else:
        if not infos:
            print("no plugins installed")
        for info in infos:
            version = f" {info['version']}" if info["version"] else ""
            print(f"{info['name']} ({info['distribution'] or info['module']}{version})")
            if info["error"]:
                print(f"  failed to load: {info['error']}")
            else:
                if info["runtimes"]:
                    print(f"  runtimes: {', '.join(info['runtimes'])}")
                print(f"  hooks: {', '.join(info['hooks']) or 'none'}")
        print(f"http transport: {type(network_transport()).__name__} ($TURNOUT_HTTP_TRANSPORT: auto, fast or httpx2)")
    return 0
