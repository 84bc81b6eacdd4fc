"""``turnout serve [--host] [--port] [--workers N]``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from turnout.plugin_api import CLI

__all__ = ["register_commands"]


def register_commands(cli: CLI) -> None:
    """Add ``turnout serve``."""
    parser = cli.add_command(
        "serve", help="run the OpenAI-compatible gateway (Responses and Chat Completions)", handler=serve_command
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (default: 8080)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")


def serve_command(args: argparse.Namespace) -> int:
    """Check the configuration, then serve until interrupted."""
    from turnout import Runtime

    from turnout_serve.server import serve
    from turnout_serve.settings import KEYS_ENV, GatewaySettings

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    config = getattr(args, "config", None)
    settings = GatewaySettings.from_config(Runtime(config=config).config)
    if not settings.keys:
        print(
            f"error: no gateway API keys configured: add [plugin.serve.keys.<id>] to the configuration "
            f"or set ${KEYS_ENV}; without one every request would be refused",
            file=sys.stderr,
        )
        return 2
    print(
        f"turnout gateway on http://{args.host}:{args.port} ({args.workers} worker(s), {len(settings.keys)} key(s))",
        file=sys.stderr,
    )
    serve(host=args.host, port=args.port, workers=args.workers, config=config, drain_timeout=settings.drain_timeout)
    return 0
