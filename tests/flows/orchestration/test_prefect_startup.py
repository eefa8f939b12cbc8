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
