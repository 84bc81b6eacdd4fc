"""The installed plugin: found through its entry point, OpenTelemetry not imported at discovery,
and spans sent to the global tracer provider, even one set after the plugin loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from plugins.otel.tests.conftest import recorded, terminal_response
from testsupport.loopback import serve_sse

SCRIPT = """
import json, sys
import turnout

config = {"provider": {"openai": {"options": {"apiKey": "sk-test-otel-0000000000", "baseURL": sys.argv[1]}}}}
rt = turnout.Runtime(native=True, config=config)
imported = sorted(name for name in sys.modules if "opentelemetry" in name)
discovered = {"otel": rt.plugins.infos["otel"].as_dict(), "imported": imported}

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
request = turnout.LLMRequest(model="openai/gpt-4o", messages=[turnout.user("hi")])
rt.generate_sync(request)
spans = [{"name": s.name, "attributes": dict(s.attributes)} for s in exporter.get_finished_spans()]
print(json.dumps({**discovered, "spans": spans}))
"""


@pytest.mark.slow
def test_the_installed_plugin_traces_through_the_global_provider_and_loads_no_sdk_at_discovery() -> None:
    path = recorded("mirascope__text-gpt-4o.0.sse")
    env = {k: v for k, v in os.environ.items() if k not in ("TURNOUT_PLUGINS", "TURNOUT_CONFIG")}
    with serve_sse([path.read_bytes()]) as served:
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, f"{served.url}/v1"], env=env, capture_output=True, text=True, check=True
        )
    result = json.loads(out.stdout)
    assert result["imported"] == []
    otel = result["otel"]
    assert (otel["distribution"], otel["error"], otel["runtimes"]) == ("turnout-otel", None, [])
    assert otel["hooks"] == ["turnout_open_stream", "turnout_stream_request"]
    response = terminal_response(path)
    assert [(span["name"], span["attributes"].get("gen_ai.response.id")) for span in result["spans"]] == [
        ("chat gpt-4o", response["id"]),
        ("invoke_agent", None),
    ]
    assert result["spans"][0]["attributes"]["server.address"] == "127.0.0.1"
