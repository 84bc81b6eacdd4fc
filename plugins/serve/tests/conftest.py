"""Fixtures for the gateway's tests (helpers live in ``gateway_support``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the helpers importable
