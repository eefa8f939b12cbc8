"""The ephemeral run's Prefect settings (flows/orchestration/prefect_startup.py): heartbeats off
only when no server is running, telemetry defaults that never override the operator's."""

from __future__ import annotations

import pytest

from skiptrace.flows.orchestration import prefect_startup


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
