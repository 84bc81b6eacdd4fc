"""Logging for the command line: one ``turnout.*`` tree on stderr, extras shown, no repeats.

``-v`` shows ``INFO`` (the runtime selected, with every decline reason; retries), ``-vv``
``DEBUG``. Each record's extras (``runtime``, ``provider``, ``model``, ``declined``, ``reason``…)
are appended as ``key=value``. A warning repeated word for word in one invocation (a plugin that
fails to load is met by every plugin discovery) is printed once. turnout logs its own retries
(attempt, wait, cause), so stamina's bare ``stamina.retry_scheduled`` line is not shown.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["ExtrasFormatter", "cli_logging"]

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


class ExtrasFormatter(logging.Formatter):
    """``LEVEL logger: message key=value …``, the extras JSON-encoded when they are not strings."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then append its extras."""
        line = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        if not extras:
            return line
        shown = " ".join(
            f"{key}={value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)}"
            for key, value in extras.items()
        )
        first, newline, rest = line.partition("\n")  # keep a traceback below the extras
        return f"{first} {shown}{newline}{rest}"


class _Once(logging.Filter):
    """Drops a warning already printed word for word."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


@contextmanager
def cli_logging(verbosity: int) -> Iterator[None]:
    """Send ``turnout.*`` records to stderr while the command runs: warnings, ``INFO`` with
    ``-v``, ``DEBUG`` with ``-vv``; everything is put back afterwards (``main`` may run in-process)."""
    handler = _StderrHandler()
    handler.setFormatter(ExtrasFormatter())
    handler.addFilter(_Once())
    turnout_logger, stamina_logger, root = (
        logging.getLogger("turnout"),
        logging.getLogger("stamina"),
        logging.getLogger(),
    )
    saved = (turnout_logger.level, stamina_logger.level, root.level)
    turnout_logger.addHandler(handler)
    if verbosity:
        turnout_logger.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    stamina_logger.setLevel(logging.ERROR)
    other = None
    if verbosity >= 2:  # other libraries' debug output too
        other = _StderrHandler()
        other.setFormatter(ExtrasFormatter())
        other.addFilter(lambda record: not record.name.startswith("turnout"))
        root.addHandler(other)
        root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        turnout_logger.removeHandler(handler)
        if other is not None:
            root.removeHandler(other)
        turnout_logger.setLevel(saved[0])
        stamina_logger.setLevel(saved[1])
        root.setLevel(saved[2])
