"""A `skiptrace run` killed with SIGKILL leaves no Prefect server behind (audit: the ephemeral
uvicorn, ~225 MB, lived on under init for minutes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal: Linux")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_early_server_dies_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    """A real parent process spawns the server, prints its pid and waits; kill -9 the parent;
    the server is gone within seconds (it is not ours to reap: init does)."""
    parent_code = (
        "import sys, time\n"
        "from skiptrace.flows.orchestration.prefect_startup import EarlyServer\n"
        "server = EarlyServer()\n"
        "print(server.process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True, env=env
    )
    server_pid = 0
    try:
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        assert _alive(server_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server_pid), "the Prefect server outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if server_pid and _alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)
