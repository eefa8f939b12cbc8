"""Run bookkeeping: ids sort by time, runs are opened and closed, stages are logged."""

from __future__ import annotations

import datetime as dt

import pytest
import typer

from skiptrace.flows.audit.runs import (
    backfill_of,
    finish_run,
    last_completed_run_before,
    latest_completed_run,
    new_run_id,
    previous_completed_run,
    start_run,
    timed_stage,
)
from skiptrace.flows.cli.lineage import require_latest_completed_run


def test_run_ids_sort_by_time() -> None:
    a = new_run_id(dt.datetime(2026, 1, 1, 10, 0, 0, tzinfo=dt.UTC))
    b = new_run_id(dt.datetime(2026, 1, 1, 10, 0, 1, tzinfo=dt.UTC))
    assert a < b and a.startswith("20260101T100000Z-")


def test_run_lifecycle_and_stage_log(con) -> None:
    start_run(con, "r1", as_of=dt.date(2026, 11, 1), params={"x": 1})
    with timed_stage(con, "r1", "ingest") as st:
        st.rows_in, st.rows_out = 10, 9
    finish_run(con, "r1", "completed")
    start_run(con, "r2", as_of=dt.date(2026, 11, 2), params={})
    assert previous_completed_run(con, "r2") == "r1"
    row = con.execute(
        "SELECT status, ended_at IS NOT NULL, code_version FROM runs WHERE run_id='r1'"
    ).fetchone()
    assert row[0] == "completed" and row[1] and row[2].startswith("0.1.0")
    assert con.execute("SELECT stage, rows_in, rows_out FROM stage_log").fetchall() == [
        ("ingest", 10, 9)
    ]


def test_latest_completed_run_skips_unfinished_runs(con) -> None:
    """The CLI's default run is the newest *completed* one; none is a usage error."""
    assert latest_completed_run(con) is None
    with pytest.raises(typer.BadParameter, match="no completed run"):
        require_latest_completed_run(con)
    for run_id, status in [("r1", "completed"), ("r2", "completed"), ("r3", "failed"),
                           ("r4", "abandoned"), ("r5", None)]:  # fmt: skip
        start_run(con, run_id, as_of=dt.date(2026, 11, 1), params={})
        if status:
            finish_run(con, run_id, status)
    assert latest_completed_run(con) == "r2" == require_latest_completed_run(con)


def test_runs_are_ordered_by_as_of_then_start_for_the_published_chain(con) -> None:
    """A backfill (dated earlier, started later) is neither the newest run nor the previous run
    of the night after it; its own previous run is the completed run dated before it."""
    for run_id, as_of in [("r1", dt.date(2026, 10, 20)), ("r2", dt.date(2026, 11, 10)),
                          ("r3", dt.date(2026, 10, 25)), ("r4", dt.date(2026, 11, 11))]:  # fmt: skip
        start_run(con, run_id, as_of=as_of, params={})
        if run_id == "r3":
            assert previous_completed_run(con, "r3") == "r1"
            assert last_completed_run_before(con, "r3") == "r2"
            backfill = backfill_of(con, "r3")
            assert backfill is not None
            assert (backfill.newest, backfill.previous) == ("r2", "r1")
        if run_id != "r4":
            finish_run(con, run_id, "completed")
    assert backfill_of(con, "r4") is None
    assert previous_completed_run(con, "r4") == "r2"
    assert latest_completed_run(con) == "r2"
    assert previous_completed_run(con, "r1") is None
