"""A third-party plugin pip-installed next to turnout takes part in selection (its veto is
respected and reported by ``turnout explain``) and its header reaches the wire."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # installs packages into a fresh environment

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "turnout-team-policy"
CONFIG = {"provider": {"openai": {"options": {"apiKey": "test-key-0000"}}}}

WIRE_SCRIPT = textwrap.dedent("""
    import json, sys, httpx2, turnout
    from pathlib import Path

    sent = []
    def answer(request):
        sent.append({"url": str(request.url), "headers": dict(request.headers)})
        return httpx2.Response(401, json={"error": {"message": "stop here", "code": "invalid_api_key"}})

    config = json.loads(sys.argv[1])
    rt = turnout.Runtime(native=True, config=config, transport=httpx2.MockTransport(answer))
    results = {}
    for label, metadata in (("plain", {}), ("internal", {"internal": "1"})):
        request = turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")], metadata=metadata)
        chosen = rt.select(request).runtime
        try:
            rt.generate_sync(request)
        except turnout.errors.AuthenticationError:
            pass
        results[label] = {"runtime": chosen, "headers": sent[-1]["headers"] if sent else None}
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv that sees this environment's packages, with the example pip-installed into it."""
    root = tmp_path_factory.mktemp("third-party")
    subprocess.run(
        [sys.executable, "-m", "uv", "venv", "--quiet", "--python", sys.executable, str(root / "venv")], check=True
    )
    python = root / "venv" / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site_packages) / "_turnout_workspace.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n"
    )
    subprocess.run(
        [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--python", str(python), "--no-deps", str(EXAMPLE)],
        check=True,
    )
    return python


def _run(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")}
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env, cwd=REPO)


def test_installed_plugin_is_discovered(venv: Path) -> None:
    listed = {p["name"]: p for p in json.loads(_run(venv, "-m", "turnout", "plugins", "--json").stdout)}
    assert listed["team_policy"]["distribution"] == "turnout-team-policy"
    assert listed["team_policy"]["hooks"] == ["turnout_check_support", "turnout_inject_headers"]


def test_its_veto_is_respected_and_reported_by_explain(venv: Path, tmp_path: Path) -> None:
    config = tmp_path / "turnout.json"
    config.write_text(json.dumps(CONFIG))
    base = ["-m", "turnout", "explain", "-m", "openai/gpt-4.1-mini", "--native", "--json", "--config", str(config)]
    plain = json.loads(_run(venv, *base).stdout)
    internal = json.loads(_run(venv, *base, "--metadata", "internal=1").stdout)
    assert plain["runtime"] == "native-openai"
    assert internal["runtime"] == "aisdk-fallback"
    veto = [v for v in internal["verdicts"] if v["plugin"] == "team_policy"]
    assert veto == [
        {
            "plugin": "team_policy",
            "runtime": "native-openai",
            "supported": False,
            "reason": "team policy: internal prompts stay on the fallback",
            "priority": 50,
        }
    ]
    assert "team policy" in internal["declined"]["native-openai"]


def test_its_header_reaches_the_wire_on_both_runtimes(venv: Path) -> None:
    result = _run(venv, "-c", WIRE_SCRIPT, json.dumps(CONFIG))
    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout)
    assert sent["plain"]["runtime"] == "native-openai"
    assert sent["internal"]["runtime"] == "aisdk-fallback"
    for label in ("plain", "internal"):
        assert sent[label]["headers"]["x-team"] == "search"
        assert sent[label]["headers"]["authorization"] == "Bearer test-key-0000"
