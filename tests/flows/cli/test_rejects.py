"""`skiptrace rejects` masks every personal field of raw lines unless --unmasked, which is recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from skiptrace import sql
from skiptrace.flows.cli.main import app
from skiptrace.sources.ingest import ingest_accounts
from skiptrace.sources.registry import AccountProfile

HEADER = "account_id,first_name,last_name,ssn,dob,address_line1,city,state,zip,phone,email,balance"
BAD_DOB = "A2,Maria,Lopez,123-45-6789,1980-03-31,22 Oak Ave,Atlanta,GA,30301,404-555-0199,maria.lopez@example.com,100,stray"  # one field too many: a row defect


def _db_with_a_reject(tmp_path: Path) -> Path:
    db = tmp_path / "st.duckdb"
    path = tmp_path / "accounts.csv"
    path.write_text(f"{HEADER}\n{BAD_DOB}\n")
    con = sql.connect(db)
    try:
        ingest_accounts(con, path, AccountProfile(), "r1")
        (stored,) = con.execute("SELECT raw_line FROM quarantine").fetchall()[0]
    finally:
        con.close()
    assert "Maria" in stored  # what ingestion keeps: only SSN-shaped runs are masked
    return db


def _rejects(db: Path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(app, ["rejects", "--db", str(db), "--json", *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _access_log(db: Path) -> list[tuple]:
    con = sql.connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT os_user, host, command, run_id, rows_shown, accessed_at FROM pii_access_log"
        ).fetchall()
    finally:
        con.close()


def test_raw_lines_are_masked_by_default(tmp_path: Path) -> None:
    db = _db_with_a_reject(tmp_path)
    (row,) = _rejects(db)
    raw = row["raw_line"]
    for personal in (
        "Maria",
        "Lopez",
        "1980",
        "Oak",
        "Atlanta",
        "30301",
        "0199",
        "maria",
        "example",
    ):
        assert personal not in raw, personal
    assert raw.startswith("*#,*****,*****,")  # the shape stays: fields, lengths, delimiters
    assert raw.count(",") == BAD_DOB.count(",") and "####-##-##" in raw
    assert row["reason"] and row["line_no"] == 2
    assert _access_log(db) == []  # a masked view is not an access to personal data


def test_unmasked_shows_the_line_and_records_who(tmp_path: Path) -> None:
    db = _db_with_a_reject(tmp_path)
    (row,) = _rejects(db, "--unmasked", "--run", "r1")
    assert "Maria,Lopez" in row["raw_line"] and "123-45-6789" not in row["raw_line"]
    ((user, host, command, run_id, rows_shown, at),) = _access_log(db)
    assert user and host and at
    assert (command, run_id, rows_shown) == ("rejects --unmasked", "r1", 1)


def test_without_run_the_newest_runs_rows_come_first(tmp_path: Path) -> None:
    """Under the 50-row default a user looks for what the last run quarantined: the rows of the
    run started last come first; each run's rows in line order."""
    from skiptrace.flows.audit.runs import start_run

    db = tmp_path / "st.duckdb"
    con = sql.connect(db)
    try:
        for run_id, rows in (("a-first", 2), ("z-second", 1)):
            start_run(con, run_id, as_of=dt.date(2026, 11, 1), params={})
            path = tmp_path / f"{run_id}.csv"
            path.write_text(HEADER + "\n" + "\n".join([BAD_DOB] * rows) + "\n")
            ingest_accounts(con, path, AccountProfile(), run_id)
    finally:
        con.close()
    listed = [(r["run_id"], r["line_no"]) for r in _rejects(db)]
    assert listed == [("z-second", 2), ("a-first", 2), ("a-first", 3)]
    assert [(r["run_id"], r["line_no"]) for r in _rejects(db, "--limit", "1")] == [("z-second", 2)]
