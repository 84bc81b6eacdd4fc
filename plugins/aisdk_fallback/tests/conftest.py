"""Fixtures for the fallback plugin's tests (helpers live in ``fallback_support``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the helpers importable

from fallback_support import LoopbackServer, loopback_server


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A loopback HTTP server for one test."""
    with loopback_server() as server:
        yield server
