"""input_file_usage reads run_support_files (migration 094), not every run's support rows.

The reference is the view as migration 008 wrote it, over contact_support itself: for the same
data the two must give the same rows, whether run_support_files was written by resolve's step
(sql/resolve/09_write_files.sql) or backfilled by the migration.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from skiptrace import sql
from tests.flows.audit.test_lineage import RUN, build_cases, put

OLD = "20221001T090000Z-0old"
#: input_file_usage as migration 008 defined it (the reference).
SCAN_VIEW = """
WITH uses AS (
    SELECT ri.file_no, r.run_id, coalesce(r.ended_at, r.started_at) AS used_at
    FROM run_inputs ri JOIN runs r USING (run_id)
    UNION ALL
    SELECT s.file_no, r.run_id, coalesce(r.ended_at, r.started_at) AS used_at
    FROM (SELECT DISTINCT run_id, file_no FROM contact_support) s JOIN runs r USING (run_id)
    UNION ALL
    SELECT file_no, run_id, loaded_at AS used_at FROM input_files
),
purged AS (SELECT file_no, max(purged_at) AS purged_at FROM purge_log GROUP BY file_no)
SELECT f.file_no, arg_max(u.run_id, u.used_at) AS last_used_run, max(u.used_at) AS last_used_at,
       count(DISTINCT u.run_id) AS runs_used, any_value(p.purged_at) AS purged_at
FROM input_files f LEFT JOIN uses u USING (file_no) LEFT JOIN purged p USING (file_no)
GROUP BY f.file_no
"""


def _view(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    return set(con.execute("SELECT * FROM input_file_usage").fetchall())


def _reference(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    return set(con.execute(SCAN_VIEW).fetchall())


def _resolve_writes(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """What resolve does for the files of a run's support rows: clear, then record."""
    con.execute("DELETE FROM run_support_files WHERE run_id = ?", [run_id])
    sql.run(con, "resolve/09_write_files.sql", run_id=run_id)


def _old_run_citing_file_9(con: duckdb.DuckDBPyConnection) -> None:
    """A 2022 run with no run_inputs rows (written before they existed) whose only trace of
    file 9 is the support of a contact it emitted: that support is its use of the file."""
    t = dt.datetime(2022, 10, 1, 9, 0)
    put(con, "runs", [{"run_id": OLD, "as_of": t.date(), "started_at": t, "ended_at": t,
                       "status": "completed"}])  # fmt: skip
    put(con, "input_files", [{"file_no": 9, "run_id": OLD, "source": "oldvendor",
                              "kind": "vendor_batch", "file_name": "old.csv", "sha256": "9" * 64,
                              "received_at": t, "loaded_at": t - dt.timedelta(days=400),
                              "status": "superseded"}])  # fmt: skip
    put(con, "contact_support", [{"run_id": OLD, "account_id": "OLD1", "contact_type": "phone",
                                  "contact_key": "+15185550100", "rec_id": 9 * 10**10 + 2,
                                  "source": "oldvendor", "file_no": 9,
                                  "role": "debtor"}])  # fmt: skip


def test_the_view_gives_the_rows_the_support_scan_gave(con: duckdb.DuckDBPyConnection) -> None:
    build_cases(con)
    _old_run_citing_file_9(con)
    for run_id in (RUN, OLD):
        _resolve_writes(con, run_id)
    assert _view(con) == _reference(con)
    file_9 = con.execute(
        "SELECT last_used_run, runs_used FROM input_file_usage WHERE file_no = 9"
    ).fetchone()
    assert file_9 == (OLD, 1)  # the support's run, not only the loading one


def test_a_retried_resolve_replaces_its_rows(con: duckdb.DuckDBPyConnection) -> None:
    build_cases(con)
    for _ in range(2):
        _resolve_writes(con, RUN)
    dup = con.execute(
        "SELECT count(*) FROM (SELECT run_id, file_no FROM run_support_files"
        " GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    assert dup == (0,)
    assert _view(con) == _reference(con)


def test_the_migration_backfills_from_the_support_rows_kept(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = sql.connect(db)
    build_cases(con)
    _old_run_citing_file_9(con)
    # as before 094: no table, the 008 view, the migration not applied
    con.execute("DROP VIEW input_file_usage")
    con.execute("DROP TABLE run_support_files")
    con.execute(f"CREATE VIEW input_file_usage AS {SCAN_VIEW}")
    before = _view(con)
    con.execute("DELETE FROM schema_migrations WHERE version = 94")
    con.close()
    con = sql.connect(db)
    try:
        assert _view(con) == before == _reference(con)
        n = con.execute("SELECT count(*) FROM run_support_files").fetchall()
        assert n[0][0] > 0
    finally:
        con.close()
