"""contact_first_added: the import layouts' `date_added` without scanning every run kept.

The reference is the rule the exports always stated, written as the scan it used to be: the
as-of date of the first completed run (or the run being emitted) that emitted the contact, a
debtor contact point not suppressed, for the account. The table must give the same answer after
any sequence of completed, failed and abandoned runs, backfilled databases included.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb

from skiptrace import sql
from skiptrace.flows.audit.runs import abandon_stale_runs, finish_run, start_run
from skiptrace.flows.exports.emit import create_export_macros

#: The history scan export_first_added ran before migration 093 (the reference).
HISTORY_SCAN = """
    SELECT h.account_id, h.contact_type, h.contact_key, min(r.as_of) AS date_added
    FROM contact_points h
    JOIN runs r ON r.run_id = h.run_id
    SEMI JOIN contact_points cur
      ON cur.run_id = $run_id AND cur.role = 'debtor' AND cur.status <> 'suppressed'
     AND cur.contact_type = h.contact_type
     AND cur.account_id = h.account_id AND cur.contact_key = h.contact_key
    WHERE h.role = 'debtor' AND h.status <> 'suppressed'
      AND (r.status = 'completed' OR h.run_id = $run_id)
    GROUP BY ALL
"""


def _by_macro(con: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple]:
    create_export_macros(con)
    rows: set[tuple] = set()
    for ctype in ("address", "phone", "email"):
        rows |= {
            (a, ctype, k, d)
            for a, k, d in con.execute(
                "SELECT * FROM export_first_added($run_id, $t)", {"run_id": run_id, "t": ctype}
            ).fetchall()
        }
    return rows


def _by_scan(con: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple]:
    return set(con.execute(HISTORY_SCAN, {"run_id": run_id}).fetchall())


def _add(con, run_id: str, account: str, ctype: str, key: str, **kw: object) -> None:
    row = {"role": "debtor", "status": "new", **kw}
    con.execute(
        "INSERT INTO contact_points (run_id, account_id, contact_type, contact_key, role, status)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [run_id, account, ctype, key, row["role"], row["status"]],
    )


def test_a_contact_keeps_the_date_of_the_first_completed_run_that_emitted_it(con) -> None:
    start_run(con, "r1", as_of=dt.date(2026, 1, 1), params={})
    _add(con, "r1", "A1", "phone", "+14045550100")
    _add(con, "r1", "A1", "phone", "+14045550101", status="suppressed")  # never emitted
    _add(con, "r1", "A1", "phone", "+14045550102", role="third_party")  # not the debtor's
    finish_run(con, "r1", "completed")
    start_run(con, "r2", as_of=dt.date(2026, 1, 2), params={})
    _add(con, "r2", "A1", "phone", "+14045550103")  # emitted by a run that then failed
    finish_run(con, "r2", "failed")
    start_run(con, "r3", as_of=dt.date(2026, 1, 3), params={})
    _add(con, "r3", "A1", "address", "9 ELM ST|30161")  # left running: abandoned
    abandon_stale_runs(con)
    start_run(con, "r4", as_of=dt.date(2026, 1, 4), params={})
    for key in ("+14045550100", "+14045550101", "+14045550102", "+14045550103"):
        _add(con, "r4", "A1", "phone", key)
    _add(con, "r4", "A1", "address", "9 ELM ST|30161")
    assert _by_macro(con, "r4") == {
        ("A1", "phone", "+14045550100", dt.date(2026, 1, 1)),  # r1's
        ("A1", "phone", "+14045550101", dt.date(2026, 1, 4)),  # suppressed in r1: new now
        ("A1", "phone", "+14045550102", dt.date(2026, 1, 4)),  # r1 had it for a third party
        ("A1", "phone", "+14045550103", dt.date(2026, 1, 4)),  # r2 failed
        ("A1", "address", "9 ELM ST|30161", dt.date(2026, 1, 4)),  # r3 abandoned
    }
    assert _by_macro(con, "r4") == _by_scan(con, "r4")
    assert con.execute(
        "SELECT run_id, date_added FROM contact_first_added WHERE contact_key = '+14045550100'"
    ).fetchall() == [("r1", dt.date(2026, 1, 1))]


def test_an_earlier_dated_run_moves_the_first_date_back(con) -> None:
    """A run for an as-of date before the recorded one (a backfill) is the first emitter."""
    start_run(con, "r1", as_of=dt.date(2026, 3, 1), params={})
    _add(con, "r1", "A1", "email", "a@example.com")
    finish_run(con, "r1", "completed")
    start_run(con, "r2", as_of=dt.date(2026, 2, 1), params={})
    _add(con, "r2", "A1", "email", "a@example.com")
    assert _by_macro(con, "r2") == {("A1", "email", "a@example.com", dt.date(2026, 2, 1))}
    finish_run(con, "r2", "completed")
    assert con.execute("SELECT run_id, date_added FROM contact_first_added").fetchall() == [
        ("r2", dt.date(2026, 2, 1))
    ]


def test_any_sequence_of_runs_matches_the_history_scan(con) -> None:
    """Random runs (as-of dates out of order, failures, suppressions, re-emitted contacts):
    after every run, the table-backed macro equals the scan of every run kept."""
    rnd = random.Random(20261205)
    keys = [("address", f"{n} MAIN ST|3030{n % 3}") for n in range(6)]
    keys += [("phone", f"+1404555{n:04d}") for n in range(6)] + [("email", "x@example.com")]
    for run in range(14):
        run_id = f"r{run:02d}"
        start_run(con, run_id, as_of=dt.date(2026, 1, 1 + rnd.randrange(20)), params={})
        for account in ("A1", "A2", "A3"):
            for ctype, key in rnd.sample(keys, 5):
                status = rnd.choice(("new", "new", "confirmed", "suppressed"))
                role = rnd.choice(("debtor", "debtor", "debtor", "third_party"))
                _add(con, run_id, account, ctype, key, status=status, role=role)
        assert _by_macro(con, run_id) == _by_scan(con, run_id), run_id
        finish_run(con, run_id, rnd.choice(("completed", "completed", "failed")))
    assert con.execute(
        "SELECT count(*) FROM (SELECT account_id, contact_type, contact_key FROM"
        " contact_first_added GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone() == (0,)


def test_the_migration_backfills_from_the_runs_already_kept(tmp_path: Path) -> None:
    """A database written before migration 093 gets the table filled from its completed runs:
    the first emit after the upgrade gives the dates the scan gave."""
    db = tmp_path / "old.duckdb"
    con = sql.connect(db)
    for run_id, day, status in (
        ("r1", 5, "completed"),
        ("r2", 3, "failed"),
        ("r3", 7, "completed"),
    ):
        con.execute(
            "INSERT INTO runs (run_id, as_of, status) VALUES (?, ?, ?)",
            [run_id, dt.date(2026, 1, day), status],
        )
        _add(con, run_id, "A1", "phone", "+14045550100")
        _add(con, run_id, "A1", "phone", f"+1404555010{day}")
    # as before 093: no table, the migration not applied
    con.execute("DROP TABLE contact_first_added")
    con.execute("DELETE FROM schema_migrations WHERE version = 93")
    con.close()
    con = sql.connect(db)
    try:
        start_run(con, "r4", as_of=dt.date(2026, 1, 9), params={})
        for key in ("+14045550100", "+14045550103", "+14045550105", "+14045550107"):
            _add(con, "r4", "A1", "phone", key)
        assert _by_macro(con, "r4") == _by_scan(con, "r4")
        assert ("A1", "phone", "+14045550100", dt.date(2026, 1, 5)) in _by_macro(con, "r4")
    finally:
        con.close()
