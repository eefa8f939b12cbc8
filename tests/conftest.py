"""Shared fixtures: a migrated in-memory-like database per test and a deterministic HMAC key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import sql


@pytest.fixture(autouse=True)
def _hmac_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on a key file on the machine."""
    monkeypatch.setenv("SKIPTRACE_HMAC_KEY", "test-key-not-secret")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh, migrated database file under tmp_path."""
    c = sql.connect(tmp_path / "test.duckdb")
    yield c
    c.close()
