"""Fixtures for the native OpenAI plugin's tests (helpers live in ``responses_support``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import shared_path


@pytest.fixture(scope="session")
def recorded_dir() -> Path:
    """The recorded Responses streams (skipped, or failed in CI, when ../shared is absent)."""
    return shared_path("fixtures", "real", "openai-responses")
