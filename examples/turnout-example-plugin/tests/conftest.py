"""Fixtures: the echo base URL (a live loopback service only while recording) and the runtime."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import turnout_example_plugin.plugin
from echo_support import REDACTOR, REPLAY_BASE_URL, echo_config, echo_server
from turnout.testing import Redactor


@pytest.fixture
def echo_base_url(turnout_record_mode: str) -> Iterator[str]:
    """Replay: an address nobody listens on. Record: a fresh loopback echo service."""
    if turnout_record_mode == "replay":
        yield REPLAY_BASE_URL
        return
    with echo_server() as base_url:
        yield base_url


@pytest.fixture
def turnout_redactor() -> Redactor:
    """Keep our client header; make the loopback port stable."""
    return REDACTOR


@pytest.fixture
def turnout_runtime_options(echo_base_url: str) -> dict[str, Any]:
    """The runtime ``turnout_runtime`` builds: our plugin only, pointed at the echo service."""
    return {
        "config": echo_config(echo_base_url),
        "plugins": [turnout_example_plugin.plugin],
        "load_entry_points": False,
    }
