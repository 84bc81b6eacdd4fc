"""Helpers for this repository's own tests (not shipped): where ``../shared`` is.

Tests that read ``../shared`` (the real recorded API streams, the spec) call ``shared_path``:
without ``../shared`` they skip with a clear reason, unless ``TURNOUT_REQUIRE_SHARED=1`` (set
in CI), in which case they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DIR = Path(os.environ.get("TURNOUT_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ``../shared``; skips (or fails when required) if it is missing."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: these tests read ../shared (the recorded API streams)"
        if os.environ.get("TURNOUT_REQUIRE_SHARED") == "1":
            pytest.fail(message + ", and TURNOUT_REQUIRE_SHARED=1 requires it")
        pytest.skip(message)
    return path


def shared_files(subdir: str, pattern: str) -> list[Path]:
    """Sorted files under ``../shared/<subdir>`` matching ``pattern``, for parametrizing.

    Returns an empty list when ``../shared`` is absent; pair it with a test that calls
    ``shared_path(subdir)`` so the absence is reported (skip, or fail in CI).
    """
    directory = SHARED_DIR / subdir
    return sorted(directory.glob(pattern)) if directory.is_dir() else []
