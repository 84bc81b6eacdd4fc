"""Fixtures for the gateway's tests (helpers live in ``gateway_support``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the helpers importable

from gateway_support import Upstream, gateway, make_runtime, upstream


@dataclass
class Served:
    """A gateway with default settings in front of a loopback upstream."""

    url: str
    upstream: Upstream


@pytest.fixture(scope="session")
def shared_gateway() -> Iterator[Served]:
    """One gateway and upstream for the tests that need no special settings."""
    with upstream() as up, gateway(make_runtime(up.url)) as url:
        yield Served(url, up)


@pytest.fixture
def served(shared_gateway: Served) -> Served:
    """The shared gateway, its upstream's script and request log reset."""
    shared_gateway.upstream.play()
    return shared_gateway
