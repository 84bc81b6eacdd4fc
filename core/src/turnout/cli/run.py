"""``turnout run`` (stream a prompt) and the runtime options commands share."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from turnout.cli.render import EventPrinter, print_stream
from turnout.config import RuntimeFlags, load_config
from turnout.request import Generation, LLMRequest, user
from turnout.runtime import Runtime

__all__ = [
    "add_runtime_options",
    "metadata_from_args",
    "provider_options_from_args",
    "register",
    "runtime_from_args",
]


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    """``-m MODEL``, ``--native`` / ``--no-native``."""
    parser.add_argument("-m", "--model", required=True, help="provider/model, e.g. openai/gpt-4.1-mini")
    native = parser.add_mutually_exclusive_group()
    native.add_argument(
        "--native", dest="native", action="store_true", default=None, help="turn the native runtime on for this command"
    )
    native.add_argument("--no-native", dest="native", action="store_false", help="turn it off")
    parser.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="request metadata plugins may look at (repeatable)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        type=_provider_option,
        metavar="PROVIDER.NAME=VALUE",
        help="a provider option, e.g. openai.reasoningEffort=high (VALUE is JSON or text; repeatable)",
    )


def _provider_option(text: str) -> tuple[str, str, Any]:
    key, sep, raw = text.partition("=")
    provider, dot, name = key.partition(".")
    if not sep or not dot or not provider or not name:
        raise argparse.ArgumentTypeError(f"expected PROVIDER.NAME=VALUE, e.g. openai.store=true, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return provider, name, value


def provider_options_from_args(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """``--option PROVIDER.NAME=VALUE`` options as ``LLMRequest.provider_options``."""
    options: dict[str, dict[str, Any]] = {}
    for provider, name, value in args.option:
        options.setdefault(provider, {})[name] = value
    return options


def _schema(text: str) -> dict[str, Any]:
    """``--schema``: a JSON file's path, or JSON text."""
    path = Path(text)
    try:
        raw = path.read_text(encoding="utf-8") if path.is_file() else text
        value = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"--schema needs a JSON schema file or JSON text: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--schema needs a JSON object (a schema, or {name, schema, strict})")
    return value


def metadata_from_args(args: argparse.Namespace) -> dict[str, str]:
    """``--metadata KEY=VALUE`` options as a dict (``KEY`` alone means an empty value)."""
    return dict(item.partition("=")[::2] for item in args.metadata)


def runtime_from_args(args: argparse.Namespace, **kwargs: Any) -> Runtime:
    """A ``Runtime`` for the command's ``--config`` and ``--native`` options."""
    return Runtime(native=getattr(args, "native", None), config=args.config, **kwargs)


def register(cli: Any) -> None:
    """Add ``run`` to the CLI."""
    parser = cli.add_command("run", help="stream a prompt through the chosen runtime", handler=_run)
    add_runtime_options(parser)
    parser.add_argument("--json", action="store_true", help="one JSON event per line; the last is finish")
    parser.add_argument("--system", action="append", default=[], help="a system instruction (repeatable)")
    parser.add_argument("--max-steps", type=int, default=1, help="provider calls allowed (tool loop), default 1")
    parser.add_argument("--max-tokens", type=int, default=None, help="output token limit")
    parser.add_argument(
        "--record", metavar="CASSETTE", help="also record the exchange to this cassette (replay: turnout replay)"
    )
    parser.add_argument(
        "--schema",
        type=_schema,
        metavar="FILE_OR_JSON",
        help="structured output: a JSON schema (file or text) the answer must match",
    )
    parser.add_argument("prompt", help="what to ask")


def _run(args: argparse.Namespace) -> int:
    generation = Generation(max_tokens=args.max_tokens)
    request = LLMRequest(
        model=args.model,
        system=args.system,
        messages=[user(args.prompt)],
        generation=generation,
        metadata=metadata_from_args(args),
        provider_options=provider_options_from_args(args),
        response_format=args.schema,
    )
    transport = None
    if args.record:
        from turnout.cli.replay import recording_metadata
        from turnout.testing.cassette import CassetteTransport

        native = RuntimeFlags.resolve(load_config(args.config), args.native).native
        metadata = recording_metadata(request, native=native, max_steps=args.max_steps)
        transport = CassetteTransport(args.record, "record", metadata=metadata)
    runtime = runtime_from_args(args, transport=transport)
    return print_stream(runtime, request, max_steps=args.max_steps, printer=EventPrinter(as_json=args.json))
