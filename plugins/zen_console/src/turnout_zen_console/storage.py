"""Private JSON files: written atomically with mode 0600, read back with clear errors.

A write goes to a temporary file in the same directory, is flushed and fsynced, then renamed
over the target with ``os.replace``: a crash or a kill at any point leaves either the old file
or the new one, never a torn mix. The temporary file is created with mode 0600 from the start,
so the secret is never readable by others, not even briefly.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["file_lock", "read_json", "write_private_json"]


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created 0600) across processes, waiting for it.

    An advisory ``flock`` on POSIX; the lock is released when the block ends or the process
    dies. Where ``fcntl`` is missing (Windows) it only serialises nothing: callers must still
    cope with a concurrent change (they do, by re-reading the store).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_private_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically, readable and writable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def read_json(path: Path) -> Any:
    """The parsed JSON in ``path``, or ``None`` when it does not exist.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` when it is not JSON;
    callers turn those into errors that name the file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return json.loads(text)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
