"""Fixtures for the native OpenAI plugin's tests (helpers live in ``responses_support``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import recorded_path


@pytest.fixture(scope="session")
def recorded_dir() -> Path:
    """The recorded Responses streams in ``tests/recorded``."""
    return recorded_path("openai-responses")
