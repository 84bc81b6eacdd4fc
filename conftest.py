"""Project-wide fixtures for this repository's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import shared_path


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` itself (skips, or fails under ``TURNOUT_REQUIRE_SHARED=1``, when missing)."""
    return shared_path()
