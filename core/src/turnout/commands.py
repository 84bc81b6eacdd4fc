"""``CLI``: the command registry plugins receive in ``turnout_register_commands``.

A leaf module (it imports nothing from turnout), so the hook specs can name it without an
import cycle.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

__all__ = ["CLI", "Handler", "UsageError"]

Handler = Callable[[argparse.Namespace], "int | None"]
"""A command's handler: gets the parsed arguments, returns the exit code (``None`` means 0)."""


EXAMPLES = """examples:
  turnout run -m openai/gpt-4.1-mini "What does a railway turnout do?"
  echo "Summarise this" | turnout run -m openai/gpt-4.1-mini -s "Be brief"
  turnout run -c "And in one word?"           continue the last conversation
  turnout explain -m openai/gpt-4.1-mini --native
  turnout models default openai/gpt-4.1-mini  then -m can be left out
  turnout logs                                past prompts and responses
  turnout demo                                an offline tour

exit codes: 0 ok, 1 error, 2 usage error, 130 interrupted."""


class UsageError(Exception):
    """A mistake in how a command was called: ``turnout`` prints it on one line and exits 2.

    Raised by the argument parser and by handlers (plugin handlers too) for bad option values.
    """


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``UsageError``), not usage text and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


class CLI:
    """The command registry plugins receive in ``turnout_register_commands``."""

    def __init__(self, prog: str = "turnout") -> None:
        self.parser = _Parser(
            prog=prog,
            description="turnout: one request and event model, many LLM runtimes.",
            epilog=EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        """The top-level parser."""
        self.parser.add_argument("--config", metavar="PATH", help="configuration file (TOML or JSON)")
        self.parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
        # Accepted after the command too; SUPPRESS keeps a value given before the command.
        self.common = _Parser(add_help=False)
        self.common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="configuration file")
        self.common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="log more")
        self._commands = self.parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add_command(
        self, name: str, *, help: str, handler: Handler, examples: str | None = None
    ) -> argparse.ArgumentParser:
        """Add ``turnout NAME``; returns its parser for options. ``handler(args)`` returns the exit code.

        ``examples`` (one command per line) are shown at the end of ``turnout NAME --help``.
        """
        parser = self._commands.add_parser(
            name,
            help=help,
            description=help,
            parents=[self.common],
            epilog=f"examples:\n{examples}" if examples else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(handler=handler)
        return parser
