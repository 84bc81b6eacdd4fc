"""The ``turnout`` command line: ``run``, ``explain``, ``plugins``, ``models``, ``replay``,
``demo``, and whatever installed plugins add through ``turnout_register_commands``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from turnout.errors import TurnoutError
from turnout.plugins import PluginSet, allowed_from_env, call_isolated

__all__ = ["CLI", "main"]

Handler = Callable[[argparse.Namespace], "int | None"]


class CLI:
    """The command registry plugins receive in ``turnout_register_commands``."""

    def __init__(self, prog: str = "turnout") -> None:
        self.parser = argparse.ArgumentParser(
            prog=prog, description="turnout: one request and event model, many LLM runtimes."
        )
        """The top-level parser."""
        self.parser.add_argument("--config", metavar="PATH", help="configuration file (TOML or JSON)")
        self.parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
        # Accepted after the command too; SUPPRESS keeps a value given before the command.
        self.common = argparse.ArgumentParser(add_help=False)
        self.common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="configuration file")
        self.common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="log more")
        self._commands = self.parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add_command(self, name: str, *, help: str, handler: Handler) -> argparse.ArgumentParser:
        """Add ``turnout NAME``; returns its parser for options. ``handler(args)`` returns the exit code."""
        parser = self._commands.add_parser(name, help=help, description=help, parents=[self.common])
        parser.set_defaults(handler=handler)
        return parser


def build_cli() -> CLI:
    """The CLI with the core commands and every installed plugin's commands."""
    from turnout.cli import demo, inspect, replay, run

    cli = CLI()
    for commands in (run, inspect, replay, demo):
        commands.register(cli)
    plugins = PluginSet()
    plugins.load_entry_points(allowed_from_env())
    for impl in plugins.implementations("turnout_register_commands"):
        try:
            call_isolated(impl, {"cli": cli})
        except Exception as exc:
            logging.getLogger("turnout.cli").warning(
                "plugin %r failed to register its commands: %s: %s", impl.plugin_name, type(exc).__name__, exc
            )
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
