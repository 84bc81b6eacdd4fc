"""Fixtures for the native Anthropic plugin's tests (helpers live in ``messages_support``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import recorded_path


@pytest.fixture(scope="session")
def recorded_dir() -> Path:
    """The recorded Messages streams in ``tests/recorded``."""
    return recorded_path("anthropic-messages")
