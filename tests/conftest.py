"""Shared fixtures: a migrated in-memory-like database per test and a deterministic HMAC key."""

from __future__ import annotations

import logging
import os
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
    """Only Prefect's warnings are logged once the tests are done.

    Prefect stops its in-process ephemeral server from an atexit hook, after pytest has closed
    the stream its console handler writes to: the "Stopping temporary server" info line would
    print a logging traceback after the summary. (Stopping the server here instead leaves
    Prefect's log shipper sending to a server that is gone.)
    """
    logging.getLogger("prefect").setLevel(logging.WARNING)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh, migrated database file under tmp_path."""
    c = sql.connect(tmp_path / "test.duckdb")
    yield c
    c.close()
