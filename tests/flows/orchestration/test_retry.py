"""The refresh's tasks retry transient I/O errors only, never deterministic ones."""

from __future__ import annotations

import errno
from pathlib import Path

import duckdb
import pytest

from skiptrace.errors import ConfigError
from skiptrace.flows.exports.pg import PushConfigError, PushError, PushRefused
from skiptrace.flows.orchestration.retry import is_transient, retry_only_io
from skiptrace.sources.errors import MissingColumnsError, RegistryError


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (OSError(errno.EIO, "I/O error"), True),
        (TimeoutError("read timed out"), True),
        (ConnectionResetError(), True),
        (duckdb.IOException("could not read"), True),
        (FileNotFoundError(2, "missing", "a.csv"), False),
        (PermissionError(13, "denied"), False),
        (MissingColumnsError(Path("a.csv"), ["account_id"], ["acct"]), False),
        (RegistryError("sources.yml: not valid YAML"), False),
        (ConfigError("x"), False),
        (PushError("cannot connect to postgresql://u@db/x"), True),  # exit 8: try again
        (PushConfigError("cannot connect: password authentication failed"), False),
        (PushRefused("run is older than the one already pushed"), False),
        (ValueError("bad"), False),
        (None, False),
    ],
)
def test_is_transient(exc: BaseException | None, transient: bool) -> None:
    assert is_transient(exc) is transient


def test_retry_condition_reads_prefect_failed_states() -> None:
    from prefect.states import Failed

    assert retry_only_io(None, None, Failed(data=OSError(errno.EIO, "EIO"))) is True
    assert retry_only_io(None, None, Failed(data=RegistryError("bad yml"))) is False


@pytest.mark.integration
def test_real_task_retries_io_errors_only(
    tmp_path: Path, prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a real Prefect flow run: the deterministic error is tried once, the I/O error thrice
    (the refresh's ingest task has retries=2)."""
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "ERROR")
    from prefect import flow, task
    from prefect.settings import (
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from skiptrace.flows.orchestration.prefect_startup import ephemeral_run_settings

    attempts: dict[str, int] = {}

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_only_io)
    def flaky(kind: str) -> None:
        attempts[kind] = attempts.get(kind, 0) + 1
        if kind == "io":
            raise OSError(errno.EIO, "share went away")
        raise MissingColumnsError(Path("a.csv"), ["account_id"], ["acct"])

    @flow
    def both() -> list[str]:
        outcomes = []
        for kind in ("io", "columns"):
            state = flaky(kind, return_state=True)
            outcomes.append(type(state.result(raise_on_failure=False)).__name__)
        return outcomes

    # the machine is shared: give the ephemeral server longer than its 20 s default to start;
    # and the Prefect settings `run_refresh` runs the refresh under (no flow-run heartbeat,
    # whose thread leaving the flow run joined: up to a second)
    with (
        temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 120}),
        ephemeral_run_settings(),
    ):
        assert both() == ["OSError", "MissingColumnsError"]
    assert attempts == {"io": 3, "columns": 1}
