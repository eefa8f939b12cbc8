"""record_run_warnings: each run warning is logged once and stored with its run and stage."""

from __future__ import annotations

import logging

import duckdb
import pytest

from skiptrace.sources.run_warnings import record_run_warnings


def _stored(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "SELECT run_id, stage, message FROM run_warnings ORDER BY message"
    ).fetchall()


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "skiptrace" and r.levelno == logging.WARNING
    ]


def test_messages_are_logged_and_stored_under_their_run_and_stage(
    con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="skiptrace")
    record_run_warnings(con, "r1", "ingest", ["a file is late", "another is empty"])
    assert _stored(con) == [
        ("r1", "ingest", "a file is late"),
        ("r1", "ingest", "another is empty"),
    ]
    assert _logged(caplog) == ["a file is late", "another is empty"]


def test_messages_logged_where_found_are_stored_but_not_logged_again(
    con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="skiptrace")
    record_run_warnings(con, "r1", "match", ["said already"], logged=True)
    assert _stored(con) == [("r1", "match", "said already")]
    assert _logged(caplog) == []


def test_without_a_run_they_are_only_logged_and_no_messages_do_nothing(
    con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="skiptrace")
    record_run_warnings(con, None, "resolve", ["outside a run"])
    record_run_warnings(con, "r1", "resolve", [])
    assert _stored(con) == []
    assert _logged(caplog) == ["outside a run"]
