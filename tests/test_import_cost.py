"""``import turnout`` and plugin discovery import no provider SDK (nor the gateway's server stack)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SCRIPT = """
import json, sys
import turnout
rt = turnout.Runtime()
print(json.dumps({"plugins": sorted(rt.plugins.infos), "modules": sorted(sys.modules)}))
"""


@pytest.mark.slow
def test_runtime_with_every_plugin_discovered_imports_no_provider_sdk() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TURNOUT_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert {"native_openai", "zen_console", "aisdk_fallback", "serve"} <= set(result["plugins"])
    loaded = {name.split(".")[0] for name in result["modules"]}
    assert not loaded & {"openai", "anthropic", "pydantic_ai", "google", "groq", "mistralai", "starlette", "uvicorn"}
