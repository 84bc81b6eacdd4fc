"""The ``turnout`` executable as a real process: a closed pipe is silent, Ctrl-C is exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from testsupport.cli import MODEL, write_config
from testsupport.loopback import serve

TURNOUT = Path(sys.executable).with_name("turnout")

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")}
    env["TURNOUT_DATA_DIR"] = str(tmp_path / "data")
    return env


class Hangs(BaseHTTPRequestHandler):
    """Reads the request and never answers (until the server shuts down)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(30)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("argv", [["plugins", "--json"], ["models", "--json"], ["explain", "--json", "-m", MODEL]])
def test_output_into_a_closed_pipe_is_silent(argv: list[str], tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(TURNOUT), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(tmp_path), cwd=tmp_path
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head` having exited before the first write
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_run_json_into_a_closed_pipe_is_silent(tmp_path: Path) -> None:
    from core.tests.test_cli import demo_bodies
    from testsupport.loopback import serve_sse

    with serve_sse([demo_bodies()["plain"]]) as server:
        config = write_config(tmp_path, server.url)
        process = subprocess.Popen(
            [str(TURNOUT), "run", "--config", config, "--native", "--json", "-m", MODEL, "hi"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(tmp_path),
            cwd=tmp_path,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 141
    assert stderr == ""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("delay", [0.3, 0.6, 1.2])
def test_ctrl_c_at_any_moment_exits_130_without_traceback(delay: float, tmp_path: Path) -> None:
    with serve(Hangs) as origin:
        config = write_config(tmp_path, origin)
        process = subprocess.Popen(
            [str(TURNOUT), "run", "--config", config, "--native", "-m", MODEL, "hi"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(tmp_path),
            cwd=tmp_path,
            # as a terminal would: a test run started in the background inherits an ignored SIGINT
            preexec_fn=_default_sigint,
        )
        time.sleep(delay)  # during start-up imports, plugin discovery, or waiting for the answer
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    if process.returncode == -signal.SIGINT:  # before the interpreter installed its handler: the shell says 130
        assert err == b""
    else:
        assert process.returncode == 130, err
        assert err.decode() == "error: interrupted\n"
    assert out == b""
