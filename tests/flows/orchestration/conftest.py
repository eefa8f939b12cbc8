"""A real Prefect server for the deployment tests: `prefect server start` on a free local port.

One server per session (it takes 10-20 s to start), in a temporary PREFECT_HOME (a copy of the
migrated template, tests/flows/conftest.py) so its SQLite database and settings are the test's
own. Subprocesses (serve, deploy, worker) get an environment pointing at it; the test process
talks to it over the REST API with httpx, so no Prefect client settings of the test process are
changed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.flows.conftest import copy_prefect_home, prefect_env

BIN = Path(sys.executable).parent
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

#: The server's scheduler services every second instead of every 60 s (the main loop) and
#: 5 s (recently changed deployments), so a test sees the runs a schedule makes within seconds.
SCHEDULER_LOOPS = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
}

#: No block-type registration at the server's start: it imports every installed Prefect
#: collection and writes every block type and schema into the new database, 1.4 of the ~5.8
#: CPU s the server took to answer (and 6-8 s of wall time on a loaded machine, mostly SQLite
#: writes). Nothing here reads or saves a block: serve, `prefect deploy` of prefect.yaml (no
#: push, a set_working_directory pull step), the process work pool and worker run without one,
#: and a block's type is registered when a block of it is saved.
NO_BLOCK_REGISTRATION = {"PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """Stop a process started with start_new_session=True, and its children (by group id)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)


@dataclass
class PrefectServer:
    """The running server: its API URL, an environment for subprocesses and REST helpers."""

    api_url: str
    home: Path
    env: dict[str, str] = field(default_factory=dict)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def http(self) -> httpx.Client:
        """A new client (its keep-alive connections expire before the server's 5 s do, so a
        connection the server is closing is never reused)."""
        limits = httpx.Limits(keepalive_expiry=2)
        return httpx.Client(base_url=self.api_url, timeout=30, limits=limits)

    @property
    def client(self) -> httpx.Client:
        """The one client of the helpers below, made once: a new httpx client costs 29 ms of
        CPU (its SSL context), more than a request, and the tests poll."""
        if self._client is None:
            self._client = self.http()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, path: str) -> Any:
        r = self.client.get(path)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST, retrying the server's 503 (its SQLite database busy while a worker or a served
        process writes), as Prefect's own client does."""
        for attempt in range(5):
            r = self.client.post(path, json=body or {})
            if r.status_code != 503 or attempt == 4:
                break
            time.sleep(1 + attempt)
        r.raise_for_status()
        return r.json()

    def deployment(self, flow: str, name: str, timeout: float = 60) -> dict[str, Any]:
        """Wait until the deployment exists (serve registers it after start-up)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.client.get(f"/deployments/name/{flow}/{name}")
            if r.status_code == 200:
                return r.json()
            if time.monotonic() > deadline:
                raise TimeoutError(f"deployment {flow}/{name} not registered in {timeout}s")
            time.sleep(0.5)

    def run_deployment(self, deployment_id: str, parameters: dict[str, Any] | None = None) -> str:
        body = {"parameters": parameters} if parameters else {}
        return str(self.post(f"/deployments/{deployment_id}/create_flow_run", body)["id"])

    def wait_for(self, flow_run_id: str, timeout: float = 120) -> dict[str, Any]:
        """Poll the flow run until it is in a terminal state; return it."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/flow_runs/{flow_run_id}")
            if run["state"] and run["state"]["type"] in TERMINAL:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"flow run {flow_run_id} still {run['state']} after {timeout}s")
            time.sleep(0.5)

    def scheduled_runs(self, deployment_id: str, limit: int = 10) -> list[dict[str, Any]]:
        """The flow runs the server's scheduler made for the deployment (not those started
        through the API), earliest first: the first `limit` of them. A schedule every 10 s
        has 100-150 runs ahead; reading them all took 140 ms of the server's time a call on a
        loaded machine (20 ms for 10), next to the run a test polls for."""
        body = {
            "flow_runs": {"deployment_id": {"any_": [deployment_id]}},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": limit,
        }
        return [r for r in self.post("/flow_runs/filter", body) if r["auto_scheduled"]]

    def run_tree(self, flow_run_id: str) -> list[str]:
        """The flow run and its subflow runs (the UI shows each one's logs on its page)."""
        ids = [flow_run_id]
        frontier = [flow_run_id]
        while frontier:
            body = {"flow_runs": {"parent_flow_run_id": {"any_": frontier}}}
            frontier = [r["id"] for r in self.post("/flow_runs/filter", body)]
            ids += frontier
        return ids

    def logs(self, flow_run_ids: list[str]) -> list[dict[str, Any]]:
        body = {
            "logs": {"flow_run_id": {"any_": flow_run_ids}},
            "limit": 200,
            "sort": "TIMESTAMP_ASC",
        }
        logs: list[dict[str, Any]] = []
        while True:
            page = self.post("/logs/filter", {**body, "offset": len(logs)})
            logs += page
            if len(page) < 200:
                return logs

    def artifacts(self, flow_run_id: str) -> list[dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}
        return self.post("/artifacts/filter", body)


@pytest.fixture(scope="session")
def prefect_server(
    tmp_path_factory: pytest.TempPathFactory, prefect_home_template: Path
) -> Iterator[PrefectServer]:
    home = copy_prefect_home(
        prefect_home_template, tmp_path_factory.mktemp("prefect-server") / "home"
    )
    log = (home / "server.log").open("wb")

    def spawn() -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=prefect_env(home) | SCHEDULER_LOOPS | NO_BLOCK_REGISTRATION,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return process, f"http://127.0.0.1:{port}/api"

    process, api_url = spawn()
    respawns = 3  # the free port was taken before the server bound it: another free port
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                said = (home / "server.log").read_text(errors="replace")
                if "already in use" in said and respawns:
                    respawns -= 1
                    process, api_url = spawn()
                    continue
                raise RuntimeError(f"prefect server exited: {said}")
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("prefect server did not answer /api/health in 120 s")
            time.sleep(0.5)
        server = PrefectServer(api_url, home, prefect_env(home, api_url))
        yield server
        server.close()
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="module")
def tiny_portfolio(tmp_path_factory: pytest.TempPathFactory):
    """An 80-account portfolio: enough for every export, small enough for quick runs."""
    from skiptrace.flows.demo.synthetic import generate_portfolio

    return generate_portfolio(tmp_path_factory.mktemp("tiny-portfolio"), accounts=80, seed=5)
