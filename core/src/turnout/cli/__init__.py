"""The ``turnout`` command line: ``run``, ``explain``, ``plugins``, ``models``, ``replay``,
``demo``, and whatever installed plugins add through ``turnout_register_commands``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from turnout.commands import CLI
from turnout.errors import TurnoutError
from turnout.plugins import PluginSet, allowed_from_env

__all__ = ["CLI", "main"]


def build_cli() -> CLI:
    """The CLI with the core commands and every installed plugin's commands."""
    from turnout.cli import demo, inspect, replay, run

    cli = CLI()
    for commands in (run, inspect, replay, demo):
        commands.register(cli)
    plugins = PluginSet()
    plugins.load_entry_points(allowed_from_env())
    plugins.call_fanout("turnout_register_commands", cli=cli)
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 error, 2 usage, 130 interrupted)."""
    cli = build_cli()
    args = cli.parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code = args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except TurnoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
