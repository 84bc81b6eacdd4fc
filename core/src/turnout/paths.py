"""Where turnout keeps files: the user config and data directories (no third-party helper)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["user_config_dir", "user_data_dir"]

APP_NAME = "turnout"


def user_data_dir() -> Path:
    """``$TURNOUT_DATA_DIR``, else the platform's user data directory for turnout."""
    if override := os.environ.get("TURNOUT_DATA_DIR"):
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def user_config_dir() -> Path:
    """The platform's user configuration directory for turnout."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / APP_NAME
