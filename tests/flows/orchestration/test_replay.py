"""Replay: a run's inputs are restored in a scratch copy and its contacts re-derived and compared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.replay import (
    ReplayContext,
    ReplayError,
    compare_runs,
    replay_run,
)
from tests.flows.audit.test_lineage import RUN, build_cases, put


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The lineage cases in a database file; since the run, file 5 was superseded by file 6."""
    path = tmp_path / "live.duckdb"
    con = sql.connect(path)
    build_cases(con)
    con.execute("UPDATE input_files SET status = 'superseded' WHERE file_no = 5")
    put(con, "input_files", [
        {"file_no": 6, "run_id": "20261201T000000Z-bbbb", "source": "vendorx",
         "kind": "vendor_batch", "file_name": "vendorx_return_2.csv", "status": "loaded",
         "loaded_at": dt.datetime(2026, 12, 1)},
    ])  # fmt: skip
    put(
        con,
        "source_records",
        [{"rec_id": 6 * 10**10 + 2, "file_no": 6, "line_no": 2, "source": "vendorx"}],
    )
    con.close()
    return path


def copy_contacts(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
    """A stand-in for the stages: checks it sees the run's inputs, reproduces the contacts."""
    current = con.execute(
        "SELECT DISTINCT file_no FROM current_source_records ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in current] == [2, 3, 4, 5]  # file 5 restored, file 6 hidden
    assert ctx.as_of == dt.date(2026, 11, 1) and ctx.replay_run_id.startswith(f"{RUN}-replay-")
    for table in ("contact_points", "match_pairs"):
        con.execute(
            f"INSERT INTO {table} SELECT * REPLACE (? AS run_id) FROM {table} WHERE run_id = ?",
            [ctx.replay_run_id, ctx.run_id],
        )


def test_identical_replay_leaves_the_live_database_alone(db: Path) -> None:
    result = replay_run(db, RUN, runner=copy_contacts)
    assert result.identical and result.contact_differences == 0 and result.pair_differences == 0
    assert result.contacts_original == result.contacts_replay == 7
    assert "IDENTICAL" in result.summary() and result.workdir is None
    con = sql.connect(db, read_only=True)
    statuses = con.execute("SELECT file_no, status FROM input_files ORDER BY 1").fetchall()
    assert statuses[4:] == [(5, "superseded"), (6, "loaded")]
    assert con.execute("SELECT count(*) FROM runs WHERE run_id LIKE '%replay%'").fetchall() == [
        (0,)
    ]
    con.close()


def test_differences_are_listed_masked(db: Path, tmp_path: Path) -> None:
    def drift(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
        copy_contacts(con, ctx)
        con.execute(
            "UPDATE contact_points SET confidence = confidence + 1e-6 WHERE run_id = ?"
            " AND contact_type = 'phone' AND role = 'debtor' AND account_id = 'A1'",
            [ctx.replay_run_id],
        )
        con.execute(
            "DELETE FROM contact_points WHERE run_id = ? AND contact_type = 'email'",
            [ctx.replay_run_id],
        )

    result = replay_run(db, RUN, runner=drift, keep=True, workdir=tmp_path)
    assert not result.identical and result.contact_differences == 2
    changes = {(d["change"], d["contact_key"]) for d in result.differences}
    assert changes == {("changed", "***-***-0123"), ("missing", "m***@example.com")}
    changed = next(d for d in result.differences if d["change"] == "changed")
    assert changed["confidence_replay"] - changed["confidence_original"] == pytest.approx(1e-6)
    text = result.summary()
    assert "DIFFERENT" in text and "confidence 0.81 -> 0.810001" in text
    assert "6175550123" not in text and "mary.debt" not in text
    assert result.workdir and Path(result.workdir, "replay.duckdb").is_file()


def test_noise_below_1e9_is_not_a_difference(db: Path) -> None:
    con = sql.connect(db)
    con.execute(
        "INSERT INTO contact_points SELECT * REPLACE ('other' AS run_id, confidence + 1e-12 AS confidence)"
        " FROM contact_points WHERE run_id = ?",
        [RUN],
    )
    assert compare_runs(con, RUN, "other").contact_differences == 0
    con.close()


def test_runs_that_cannot_be_replayed(db: Path) -> None:
    with pytest.raises(ReplayError, match="not found"):
        replay_run(db, "nope", runner=copy_contacts)
    con = sql.connect(db)
    put(con, "purge_log", [{"file_no": 2, "purged_at": dt.datetime(2030, 1, 1)}])
    con.close()
    with pytest.raises(ReplayError, match="purged"):
        replay_run(db, RUN, runner=copy_contacts)
    con = sql.connect(db)
    con.execute("DELETE FROM run_inputs")
    con.close()
    with pytest.raises(ReplayError, match="no recorded inputs"):
        replay_run(db, RUN, runner=copy_contacts)


@pytest.mark.slow
def test_real_pipeline_replays_identically_with_complete_lineage(
    small_portfolio, tmp_path: Path
) -> None:
    """The real stages on a generated portfolio: every contact traces back, and replay agrees."""
    import re

    from skiptrace.flows.audit.lineage import (
        explain_account,
        lineage_gaps,
        record_run_inputs,
        to_json,
    )
    from skiptrace.flows.audit.runs import finish_run, start_run
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams
    from skiptrace.flows.report.run_report import write_report

    params = RefreshParams(
        accounts=small_portfolio.accounts_path, sources=small_portfolio.sources_path,
        db=tmp_path / "st.duckdb", out=tmp_path / "out", as_of=small_portfolio.as_of,
    )  # fmt: skip
    run_id = "20261101T000000Z-real"
    con = sql.connect(params.db)
    start_run(con, run_id, as_of=params.as_of, params=params.model_dump(mode="json"))
    stages.ingest(con, params, run_id)
    assert record_run_inputs(con, run_id) > 1
    stages.standardize(con, run_id)
    stages.match(con, run_id)
    stages.resolve(con, run_id, params.as_of)
    stages.suppress(con, run_id, params.as_of)
    finish_run(con, run_id, "completed")
    assert lineage_gaps(con, run_id) == []
    accounts = [r[0] for r in con.execute(
        "SELECT DISTINCT account_id FROM match_pairs WHERE run_id = ? AND guard IS NOT NULL"
        " ORDER BY 1 LIMIT 3", [run_id]).fetchall()]  # fmt: skip
    for account_id in accounts:
        doc = to_json(explain_account(con, account_id))
        assert '"waterfall_from": "matchers.explain"' in doc
        assert not re.search(r"\b\d{3}-\d{2}-\d{4}\b", doc)
    html = write_report(con, run_id, params.out).read_text()
    assert "Every contact traces back" in html
    con.close()
    result = replay_run(params.db, run_id)
    assert result.identical, result.summary()


def test_an_archived_run_replays_from_its_files(db: Path) -> None:
    """`skiptrace archive` moved the run's rows out of the database: the replay restores them
    into its scratch copy from the verified files and compares as before; the live database
    and its archive stay as they were."""
    from skiptrace.flows.audit.archive import archive_root, archive_runs

    con = sql.connect(db)
    con.execute(
        "INSERT INTO runs (run_id, as_of, started_at, status)"
        " VALUES ('20261202T000000Z-newr', DATE '2026-12-02', TIMESTAMP '2026-12-02', 'completed')"
    )
    assert RUN in [r.run_id for r in archive_runs(con, db, keep=1).runs]
    con.close()
    result = replay_run(db, RUN, runner=copy_contacts)
    assert result.identical and result.contacts_original == result.contacts_replay == 7
    con = sql.connect(db, read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM contact_points WHERE run_id = ?", [RUN]
        ).fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM run_archives WHERE run_id = ?", [RUN]
        ).fetchone() == (1,)
    finally:
        con.close()
    assert (archive_root(db) / RUN / "contact_points.parquet").is_file()
