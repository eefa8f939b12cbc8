"""Shared fixtures: a migrated in-memory-like database per test and a deterministic HMAC key."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from skiptrace import sql


def pytest_configure(config: pytest.Config) -> None:
    """Tests never depend on a key file on the machine (session- and module-scoped fixtures too)."""
    os.environ["SKIPTRACE_HMAC_KEY"] = "test-key-not-secret"
    # Prefect's ephemeral server gets 20 s to start; on a loaded 2-core machine (CI next to
    # other work) that is sometimes not enough, and the failure says nothing about skiptrace.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop Prefect's in-process ephemeral API server while pytest's streams are still open.

    Left to Prefect's atexit hook, its "Stopping temporary server" log line is written to a
    stream pytest has already closed and prints a logging traceback after the summary.
    """
    server = sys.modules.get("prefect.server.api.server")
    if server is not None:
        for instance in list(server.SubprocessASGIServer._instances.values()):
            instance.stop()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh, migrated database file under tmp_path."""
    c = sql.connect(tmp_path / "test.duckdb")
    yield c
    c.close()
