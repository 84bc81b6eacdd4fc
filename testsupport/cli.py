"""Helpers for tests of the ``turnout`` command line (run in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from turnout.cli import main

__all__ = ["MODEL", "run_cli", "write_config"]

MODEL = "openai/gpt-4.1-mini"
"""The model the CLI tests ask for."""


def write_config(directory: Path, base_url: str, key: str = "test-key-1234") -> str:
    """A ``turnout.toml`` in ``directory`` sending OpenAI requests to ``base_url``; its path."""
    path = directory / "turnout.toml"
    path.write_text(f'[provider.openai]\noptions = {{ apiKey = "{key}", baseURL = "{base_url}/v1" }}\n')
    return str(path)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``turnout ARGV`` in-process: the exit code, stdout and stderr."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err
