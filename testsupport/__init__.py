"""Helpers for this repository's own tests (not shipped): where the recorded API streams are.

The real recorded streams the tests replay live in ``tests/recorded/`` (copied, with their
metadata and provenance README, from the project's curated collection by
``scripts/refresh_recorded.py``), so the whole suite runs on a fresh clone.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RECORDED_DIR", "recorded_files", "recorded_path"]

RECORDED_DIR = Path(__file__).resolve().parent.parent / "tests" / "recorded"
"""The recorded real API traffic, one folder per API or provider (see its README)."""


def recorded_path(*parts: str) -> Path:
    """A path under ``tests/recorded``; raises ``FileNotFoundError`` naming it when missing."""
    path = RECORDED_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the repository's recorded streams")
    return path


def recorded_files(subdir: str, pattern: str) -> list[Path]:
    """Sorted files under ``tests/recorded/<subdir>`` matching ``pattern``, for parametrizing."""
    return sorted(recorded_path(subdir).glob(pattern)) if subdir else sorted(RECORDED_DIR.glob(pattern))
