"""Retention purge: raw rows of files unused for the period go, the lineage summary stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from skiptrace.flows.audit.lineage import explain_account, lineage_gaps
from skiptrace.flows.audit.retention import Period, parse_period, purge
from tests.flows.audit.test_lineage import RUN, F, build_cases, put
from tests.snippet import last_line, run_snippet

OLD = "20221001T090000Z-0old"
NOW = dt.datetime(2026, 11, 2, 12, 0)


@pytest.fixture
def aged(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The lineage cases plus a 2022 run over file 9 (since superseded) that emitted a contact."""
    build_cases(con)
    t = dt.datetime(2022, 10, 1, 9, 0)
    put(
        con,
        "runs",
        [{"run_id": OLD, "as_of": t.date(), "started_at": t, "ended_at": t, "status": "completed"}],
    )
    put(con, "input_files", [
        {"file_no": 9, "run_id": OLD, "source": "oldvendor", "kind": "vendor_batch",
         "file_name": "old_return.csv", "sha256": "9" * 64, "received_at": t, "loaded_at": t,
         "rows_read": 3, "rows_loaded": 2, "rows_rejected": 1, "status": "superseded"},
    ])  # fmt: skip
    put(con, "run_inputs", [{"run_id": OLD, "file_no": 9}])
    put(con, "accounts", [{"file_no": 9, "line_no": 2, "account_id": "OLD1", "last_name": "Gone"}])
    put(con, "source_records", [
        {"rec_id": 9 * F + n, "file_no": 9, "line_no": n, "source": "oldvendor",
         "record_id": f"OV-{n}", "last_name": "Gone"}
        for n in (2, 3)
    ])  # fmt: skip
    put(con, "source_contacts", [{"rec_id": 9 * F + 2, "file_no": 9, "source": "oldvendor",
                                  "contact_type": "phone", "phone": "5185550100"}])  # fmt: skip
    put(
        con,
        "quarantine",
        [{"run_id": OLD, "file_no": 9, "line_no": 4, "raw_line": "OV|bad", "reason": "bad date"}],
    )
    put(
        con,
        "rec_std",
        [{"rec_id": 9 * F + 2, "last_std": "GONE"}, {"rec_id": 2 * F + 2, "last_std": "PUBLIC"}],
    )
    put(
        con,
        "acct_std",
        [{"account_id": "OLD1", "last_std": "GONE"}, {"account_id": "A1", "last_std": "PUBLIC"}],
    )
    put(con, "contact_points", [
        {"run_id": OLD, "account_id": "OLD1", "contact_type": "phone", "contact_key": "+15185550100",
         "rank": 1, "role": "debtor", "status": "new", "confidence": 0.8},
    ])  # fmt: skip
    put(con, "contact_support", [
        {"run_id": OLD, "account_id": "OLD1", "contact_type": "phone", "contact_key": "+15185550100",
         "rec_id": 9 * F + 2, "source": "oldvendor", "file_no": 9, "match_probability": 0.99,
         "role": "debtor"},
    ])  # fmt: skip
    return con


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    return int(con.execute(query).fetchall()[0][0])


def test_purge_removes_old_raw_rows_and_keeps_lineage(aged: duckdb.DuckDBPyConnection) -> None:
    lineage_before = {
        t: _count(aged, f"SELECT count(*) FROM {t}")
        for t in ("runs", "input_files", "match_pairs", "contact_points", "contact_support",
                  "suppressions", "exports", "account_flags", "quarantine")
    }  # fmt: skip
    result = purge(aged, "3y", now=NOW)
    assert [f.file_no for f in result.files] == [9]
    f = result.files[0]
    assert (f.accounts_rows, f.source_records_rows, f.source_contacts_rows) == (1, 2, 1)
    assert f.quarantine_lines == 1
    assert f.derived_rows == 2 and f.last_used_run == OLD
    assert result.cutoff == dt.datetime(2023, 11, 2, 12, 0)
    assert "purged 1 file(s)" in result.summary()

    for table in ("accounts", "source_records", "source_contacts"):
        assert _count(aged, f"SELECT count(*) FROM {table} WHERE file_no = 9") == 0
    assert _count(aged, "SELECT count(*) FROM rec_std") == 1  # only the current file's copy left
    assert _count(aged, "SELECT count(*) FROM acct_std") == 1
    assert aged.execute("SELECT raw_line, reason FROM quarantine WHERE file_no = 9").fetchall() == [
        (None, "bad date")
    ]
    # current files untouched, lineage summary complete
    assert _count(aged, "SELECT count(*) FROM source_records") == 6
    for table, n in lineage_before.items():
        assert _count(aged, f"SELECT count(*) FROM {table}") == n, table
    log = aged.execute(
        "SELECT file_no, sha256, retention, source_records_rows FROM purge_log"
    ).fetchall()
    assert log == [(9, "9" * 64, "3y", 2)]
    # the old contact still traces to its file; the record is accounted for by the purge
    assert lineage_gaps(aged, OLD) == []
    doc = explain_account(aged, "OLD1", run_id=OLD)
    support = doc["contacts"][0]["support"][0]
    assert support["file"]["sha256"] == "9" * 64 and support["file"]["purged_at"]
    assert support["record_id"] == "old_return.csv:2" and support["record_found"]
    assert purge(aged, "3y", now=NOW).files == []  # idempotent


def test_purge_leaves_no_copy_of_contacts_in_the_resolve_cache(
    aged: duckdb.DuckDBPyConnection,
) -> None:
    """The evidence cache holds each account's standardized contacts: after a purge removed the
    raw rows, the purged phone was still there, and the next resolve exported it again."""
    put(aged, "resolve_cache_evidence", [
        {"account_id": "OLD1", "role": "debtor", "contact_type": "phone", "rec_id": 9 * F + 2,
         "source": "oldvendor", "file_no": 9, "e164": "+15185550100"},
    ])  # fmt: skip
    put(aged, "resolve_cache_accounts", [{"account_id": "OLD1", "digest": 1, "ncoa_digest": 0}])
    put(aged, "resolve_cache_state", [{"state_key": "k", "run_id": OLD, "accounts": 1}])
    assert purge(aged, "3y", now=NOW, dry_run=True).files  # a dry run keeps everything
    assert _count(aged, "SELECT count(*) FROM resolve_cache_evidence") == 1
    purge(aged, "3y", now=NOW)
    for table in ("resolve_cache_evidence", "resolve_cache_variants", "resolve_cache_accounts",
                  "resolve_cache_state"):  # fmt: skip
        assert _count(aged, f"SELECT count(*) FROM {table}") == 0, table
    from skiptrace.matchers.confidence import load_model
    from skiptrace.matchers.resolve import ResolveSettings
    from skiptrace.matchers.resolve_cache import plan_resolve

    plan = plan_resolve(aged, ResolveSettings(), load_model(None))
    assert not plan.incremental  # the next resolve recomputes from what is left


def test_dry_run_changes_nothing(aged: duckdb.DuckDBPyConnection) -> None:
    result = purge(aged, "3y", now=NOW, dry_run=True)
    assert [f.source_records_rows for f in result.files] == [2] and result.rows_removed == 6
    assert "would purge 1 file(s)" in result.summary()
    assert _count(aged, "SELECT count(*) FROM source_records WHERE file_no = 9") == 2
    assert _count(aged, "SELECT count(*) FROM purge_log") == 0


def test_recent_use_keeps_a_file(aged: duckdb.DuckDBPyConnection) -> None:
    # the run of 2026-11-01 still used file 9: nothing is old enough
    put(aged, "run_inputs", [{"run_id": RUN, "file_no": 9}])
    assert purge(aged, "3y", now=NOW).files == []
    # ... until three years after that run
    assert [f.file_no for f in purge(aged, "3y", now=dt.datetime(2029, 11, 3)).files] == [
        1,
        2,
        3,
        4,
        5,
        9,
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3y", Period(3, "y")), ("18m", Period(18, "m")), ("90d", Period(90, "d")),
     (" 6W ", Period(6, "w")), (dt.timedelta(days=30), Period(30, "d"))],
)  # fmt: skip
def test_parse_period(text: str | dt.timedelta, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("bad", ["3", "y", "0y", "-1y", "3 years", dt.timedelta(0)])
def test_parse_period_rejects(bad: str | dt.timedelta) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)


def test_calendar_periods() -> None:
    leap = dt.datetime(2028, 2, 29, 8, 30)
    assert Period(3, "y").before(leap) == dt.datetime(2025, 2, 28, 8, 30)
    assert Period(18, "m").before(leap) == dt.datetime(2026, 8, 29, 8, 30)
    assert Period(1, "m").after(dt.datetime(2026, 1, 31)) == dt.datetime(2026, 2, 28)
    assert Period(90, "d").before(leap) == leap - dt.timedelta(days=90)


def test_purge_command_dry_run(aged: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from skiptrace.flows.cli.lineage import register

    aged.close()
    app = typer.Typer()
    register(app)
    db = str(tmp_path / "test.duckdb")
    out = CliRunner().invoke(app, ["purge", "--older-than", "3y", "--dry-run", "--db", db])
    assert out.exit_code == 0 and "would purge 1 file(s)" in out.output  # 2022's file, by now
    out = CliRunner().invoke(app, ["purge", "--older-than", "3 years", "--db", db])
    assert out.exit_code == 2 and "--older-than" in out.output


#: `skiptrace purge` with a SIGTERM sent to itself inside its transaction, once the raw rows
#: are deleted and before purge_log is written: a scheduler's signal mid-purge.
SIGTERM_MID_PURGE = (
    "import os, signal, sys\n"
    "from skiptrace.flows.audit import retention\n"
    "real = retention._delete_raw\n"
    "def deleted(*args, **kwargs):\n"
    "    real(*args, **kwargs)\n"
    "    os.kill(os.getpid(), signal.SIGTERM)\n"
    "retention._delete_raw = deleted\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


def test_a_purge_stopped_by_sigterm_removes_nothing_and_says_so(
    aged: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Found sending SIGTERM to a real `skiptrace purge` at many moments: the command had no
    handler, so SIGTERM ended the process with no line at all (a Ctrl-C: Typer's silent exit
    130, or the run's "the run stopped and is recorded failed"). Now it is one line that says
    what holds (exit 143), and the purge's one transaction left everything in place."""
    import signal

    aged.close()
    db = tmp_path / "test.duckdb"
    done = run_snippet(SIGTERM_MID_PURGE, "purge", "--older-than", "3y", "--db", str(db))
    assert done.returncode == 128 + signal.SIGTERM, done.stderr[-3000:]
    last = last_line(done)
    assert last.startswith(
        "skiptrace: error: interrupted by SIGTERM: skiptrace purge stopped; its files are removed "
        "and logged in purge_log in one transaction"
    ), done.stderr[-3000:]
    assert "recorded failed" not in done.stderr and "this is a bug" not in done.stderr
    con = duckdb.connect(str(db))
    try:
        assert _count(con, "SELECT count(*) FROM source_records WHERE file_no = 9") == 2
        assert _count(con, "SELECT count(*) FROM purge_log") == 0
        assert [f.file_no for f in purge(con, "3y").files] == [9]  # a re-run purges it whole
    finally:
        con.close()
