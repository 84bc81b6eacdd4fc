"""The ``turnout`` command line: ``run``, ``explain``, ``plugins``, ``models``, ``logs``,
``replay``, ``demo``, and whatever installed plugins add through ``turnout_register_commands``.

Every failure ends the same way: one ``error: …`` line on stderr (no traceback unless ``-v``)
and an exit code — 0 ok, 1 error, 2 usage error, 130 interrupted (Ctrl-C at any moment), 141
when stdout was closed early (``turnout … | head``, silent). With ``--json`` a failure also
prints one last stdout line, ``{"type": "error", "error": {"type", "message", "exit_code"}}``.

This module imports nothing but ``os`` and ``sys`` (already loaded by the interpreter) until
``main`` runs, so Ctrl-C during start-up is met inside ``main`` and handled like any other.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from turnout.commands import CLI

__all__ = ["CLI", "main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def __getattr__(name: str) -> Any:
    if name == "CLI":  # re-exported lazily (see the module docstring)
        from turnout.commands import CLI

        return CLI
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_cli() -> CLI:
    """The CLI with the core commands and every installed plugin's commands."""
    from turnout import __version__
    from turnout.cli import demo, inspect, logs, models, replay, run
    from turnout.commands import CLI
    from turnout.plugins import PluginSet, allowed_from_env

    cli = CLI()
    cli.parser.add_argument("--version", action="version", version=f"turnout {__version__}")
    for commands in (run, inspect, models, logs, replay, demo):
        commands.register(cli)
    plugins = PluginSet()
    plugins.load_entry_points(allowed_from_env())
    plugins.call_fanout("turnout_register_commands", cli=cli)
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = _verbosity(argv)
    args: argparse.Namespace | None = None
    try:
        from turnout.cli.logging_setup import cli_logging

        with cli_logging(verbose):
            args = build_cli().parser.parse_args(argv)
            return int(args.handler(args) or 0)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        return _fail("interrupted", "Interrupted", EXIT_INTERRUPTED, args, argv)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        from turnout.commands import UsageError

        if _interrupted(exc):  # Ctrl-C inside an import can arrive wrapped (``__set_name__`` errors)
            return _fail("interrupted", "Interrupted", EXIT_INTERRUPTED, args, argv)
        if isinstance(exc, UsageError):
            return _fail(str(exc), "UsageError", EXIT_USAGE, args, argv)
        import traceback

        from turnout.cli.errors import describe

        if verbose:
            traceback.print_exc()
        message, known = describe(exc)
        if not known and not verbose:
            message += " (run with -v for the traceback)"
        return _fail(message, type(exc).__name__, EXIT_ERROR, args, argv)


def _interrupted(exc: BaseException) -> bool:
    """True when ``exc`` was caused, however indirectly, by a ``KeyboardInterrupt``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _verbosity(argv: list[str]) -> int:
    """How many ``-v`` were given (read before parsing, so start-up errors honour it too)."""
    count = 0
    for arg in argv:
        if arg == "--":
            break
        if arg == "--verbose":
            count += 1
        elif arg.startswith("-v") and set(arg[1:]) == {"v"}:
            count += len(arg) - 1
    return count


def _fail(message: str, kind: str, code: int, args: argparse.Namespace | None, argv: list[str]) -> int:
    """Print the error line (and the ``--json`` error object unless a terminal line was printed)."""
    import json

    try:
        print(f"error: {message}", file=sys.stderr)
        wants_json = getattr(args, "json", False) if args is not None else "--json" in argv
        printer = getattr(args, "printer", None)
        if wants_json and not getattr(printer, "ended", False):
            error = {"type": kind, "message": message, "exit_code": code}
            sys.stdout.write(json.dumps({"type": "error", "error": error}, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests capture stdout)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
