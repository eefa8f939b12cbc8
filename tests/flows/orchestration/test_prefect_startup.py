"""The ephemeral run's Prefect settings (flows/orchestration/prefect_startup.py): heartbeats off
only when no server is running, telemetry and spawned-server defaults (no block registration)
that never override the operator's."""

from __future__ import annotations

from pathlib import Path

import pytest

from skiptrace.flows.orchestration import prefect_startup
from tests.flows.conftest import prefect_env


def _heartbeat() -> int | None:
    from prefect.settings import get_current_settings

    return get_current_settings().flows.heartbeat_frequency


def test_ephemeral_run_has_no_flow_heartbeats() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        before = _heartbeat()
        with prefect_startup.ephemeral_run_settings():
            assert _heartbeat() is None
        assert _heartbeat() == before  # restored after the run


def test_running_server_keeps_prefects_heartbeats() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        before = _heartbeat()
        assert before is not None
        with prefect_startup.ephemeral_run_settings():
            assert _heartbeat() == before


def test_quiet_defaults_keep_the_operators_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "true")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    prefect_startup.set_quiet_defaults()
    import os

    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"
    assert os.environ["DO_NOT_TRACK"] == "1"


def test_no_early_server_when_the_environment_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert prefect_startup.start_early_server() is None
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_ENABLED", "false")
    assert prefect_startup.start_early_server() is None


def test_early_server_is_the_runs_api_and_stops_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real ephemeral server spawned before the run: the run's Prefect API is that server,
    with heartbeats off, and nothing is left running afterwards."""
    import urllib.request

    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        early = prefect_startup.start_early_server()
        assert early is not None and early.process is not None
        process = early.process
        with prefect_startup.ephemeral_run_settings(early):
            assert PREFECT_API_URL.value() == early.api_url
            assert _heartbeat() is None
            with urllib.request.urlopen(early.api_url + "/health", timeout=10) as r:
                assert r.status == 200
        assert early.process is None and process.poll() is not None
        assert not PREFECT_API_URL.value()  # restored after the run


def test_a_configured_server_wins_over_the_early_one() -> None:
    """A server named where only Prefect looks (a profile, prefect.toml): the early server is
    stopped unused and the run goes to the configured one."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    early = prefect_startup.EarlyServer()
    process = early.process
    assert process is not None
    with (
        temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}),
        prefect_startup.ephemeral_run_settings(early),
    ):
        assert PREFECT_API_URL.value() == "http://127.0.0.1:9/api"
        assert early.process is None and process.poll() is not None


_FLOW_ON_EARLY_SERVER = """
import os
os.environ.pop("PREFECT_API_URL", None)
from skiptrace.flows.orchestration import prefect_startup
prefect_startup.set_quiet_defaults()
early = prefect_startup.start_early_server()
from prefect import flow, get_run_logger

@flow
def tiny() -> None:
    get_run_logger().info("a line for the API")

with prefect_startup.ephemeral_run_settings(early):
    tiny()
"""


def test_a_run_on_the_early_server_exits_without_log_errors() -> None:
    """The run's last log records reach the server before skiptrace stops it: the command
    must not end with Prefect's "Error logging to API" (seen at the end of `make demo`)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _FLOW_ON_EARLY_SERVER],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Error logging to API" not in done.stdout + done.stderr


def test_a_server_too_slow_to_start_is_one_clear_line_with_exit_code_3() -> None:
    """A temporary server that is alive but has not answered in time (a busy machine) is a
    setting to raise, not a bug: a ConfigError naming the setting and PREFECT_API_URL."""
    import subprocess
    import sys

    from skiptrace import errors

    server = prefect_startup.EarlyServer.__new__(prefect_startup.EarlyServer)
    server.port = 9  # the discard port: nothing answers /health there
    server.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    with pytest.raises(errors.ConfigError) as info:
        server.wait_ready(0.5)
    assert info.value.exit_code == errors.CONFIG
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in info.value.one_line()
    assert "PREFECT_API_URL" in info.value.one_line()
    assert server.process is None  # stopped, not left running


_BLOCKS = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION",
}


def test_the_spawned_server_skips_block_registration_unless_the_operator_says() -> None:
    """The server skiptrace spawns registers no block types (1.2 CPU s of its start-up) and
    shows no UI; any of the names Prefect reads a setting under, set by the operator, keeps
    that group as the operator set it. Prefect's ephemeral flags are always there."""
    env = prefect_startup.ephemeral_server_env({"PATH": "/bin"})
    assert {k: env[k] for k in _BLOCKS} == dict.fromkeys(_BLOCKS, "false")
    assert env["PREFECT_UI_ENABLED"] == "0" and env["PATH"] == "/bin"
    assert env["PREFECT__SERVER_EPHEMERAL"] == "1"

    for name in (
        "PREFECT_API_BLOCKS_REGISTER_ON_START",
        "PREFECT_SERVER_REGISTER_BLOCKS_ON_START",
        "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION",
        "prefect_server_memoize_block_auto_registration",  # Prefect ignores the case
    ):
        env = prefect_startup.ephemeral_server_env({name: "true"})
        assert env[name] == "true"
        assert _BLOCKS.isdisjoint(env.keys() - {name})  # neither default of the pair
        assert env["PREFECT_UI_ENABLED"] == "0"  # the other group still applies

    env = prefect_startup.ephemeral_server_env({"PREFECT_SERVER_UI_ENABLED": "true"})
    assert "PREFECT_UI_ENABLED" not in env and env["PREFECT_SERVER_REGISTER_BLOCKS_ON_START"]


def _block_types(api_url: str) -> list[object]:
    import httpx

    r = httpx.post(api_url + "/block_types/filter", json={}, timeout=30)
    r.raise_for_status()
    return list(r.json())


def test_an_operators_block_registration_reaches_the_spawned_server(
    monkeypatch: pytest.MonkeyPatch, prefect_home: Path
) -> None:
    """A real spawned server with the operator's PREFECT_API_BLOCKS_REGISTER_ON_START=true
    registers Prefect's block types, as Prefect's own server does (the default spawned
    server registers none: next test)."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))  # this test's own database
    monkeypatch.setenv("PREFECT_API_BLOCKS_REGISTER_ON_START", "true")
    early = prefect_startup.EarlyServer()
    try:
        early.wait_ready(180)
        assert _block_types(early.api_url)
    finally:
        early.stop()


_RUN_RECORDED = """
import json, os, time
import httpx
os.environ.pop("PREFECT_API_URL", None)
from skiptrace.flows.orchestration import prefect_startup
prefect_startup.set_quiet_defaults()
early = prefect_startup.start_early_server()
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

@task
def one() -> int:
    get_run_logger().info("a task's line")
    return 1

@flow
def tiny() -> int:
    get_run_logger().info("a flow's line")
    create_markdown_artifact("# recorded", key="tiny-report")
    return one()

def post(path):
    r = httpx.post(early.api_url + path, json={}, timeout=30)
    r.raise_for_status()
    return r.json()

with prefect_startup.ephemeral_run_settings(early):
    tiny()
    from prefect.logging.handlers import APILogWorker
    APILogWorker.drain_all(timeout=30)
    deadline = time.monotonic() + 60  # task runs arrive as events, recorded by the server
    while time.monotonic() < deadline:
        tasks = [t["state_type"] for t in post("/task_runs/filter")]
        if tasks == ["COMPLETED"]:
            break
        time.sleep(0.1)
    print(json.dumps({
        "flows": [f["state_type"] for f in post("/flow_runs/filter")],
        "tasks": tasks,
        "logs": sorted(line["message"] for line in post("/logs/filter")),
        "artifacts": [a["key"] for a in post("/artifacts/filter")],
        "block_types": len(post("/block_types/filter")),
    }))
"""


def test_a_run_on_the_spawned_server_is_recorded_without_block_types(prefect_home: Path) -> None:
    """What the run's users and tests read back is still recorded by the spawned server:
    the flow run's and the task run's states, the log lines and the artifact; and the server
    registered no block types."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _RUN_RECORDED],
        env=prefect_env(prefect_home),  # a database of its own: only this run in it
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["flows"] == ["COMPLETED"]
    assert seen["tasks"] == ["COMPLETED"]
    assert {"a flow's line", "a task's line"} <= set(seen["logs"])
    assert seen["artifacts"] == ["tiny-report"]
    assert seen["block_types"] == 0
