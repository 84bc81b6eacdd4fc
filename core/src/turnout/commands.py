"""``CLI``: the command registry plugins receive in ``turnout_register_commands``.

A leaf module (it imports nothing from turnout), so the hook specs can name it without an
import cycle.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["CLI", "Handler"]

Handler = Callable[[argparse.Namespace], "int | None"]
"""A command's handler: gets the parsed arguments, returns the exit code (``None`` means 0)."""


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
