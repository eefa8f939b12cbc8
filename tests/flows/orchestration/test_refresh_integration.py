"""The real Prefect `refresh` flow on a generated portfolio, via the CLI entry point.

The portfolio is the 80-account one (conftest `tiny_portfolio`): what is checked
here (a completed run through the flow, its exports, scores, the next night's archive) does not
need the 300-account one, whose two runs cost more in every stage."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.pipeline import portfolio_params

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _prefect_home(prefect_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")


def test_refresh_flow_end_to_end(tiny_portfolio, tmp_path: Path) -> None:
    """A night through the real flow, then the next night archiving the first (keep_runs=1)."""
    from skiptrace.flows.cli.main import _run

    out = tmp_path / "out"
    summary = _run(portfolio_params(tiny_portfolio, tmp_path / "db.duckdb", out))
    run_dir = out / summary["run_id"]
    assert json.loads((run_dir / "run_summary.json").read_text())["run_id"] == summary["run_id"]
    contacts = pl.read_csv(run_dir / "contacts.csv", infer_schema=False)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    listed = {f["file"]: f["rows"] for f in manifest["files"]}
    assert contacts.height == listed["contacts.csv"] > 0
    # most of the 80 debtors get contacts (a count of rows would move with resolve's rules)
    assert contacts["account_id"].n_unique() >= 60
    assert (contacts["run_id"] == summary["run_id"]).all()
    assert summary["totals"]["matched"] > 0

    from skiptrace import sql

    con = sql.connect(tmp_path / "db.duckdb", read_only=True)
    status, flow_run_id = con.execute(
        "SELECT status, flow_run_id FROM runs WHERE run_id = ?", [summary["run_id"]]
    ).fetchall()[0]
    assert status == "completed" and flow_run_id

    from skiptrace.flows.demo.evaluate import score_run

    scores = score_run(run_dir, tiny_portfolio.truth_dir)
    assert scores.address_precision > 0.8
    assert scores.match_precision > 0.9
    con.close()
    _second_night_archives_the_first(tiny_portfolio, tmp_path, summary["run_id"])


def _second_night_archives_the_first(portfolio, tmp_path: Path, first: str) -> None:
    """The next night, with keep_runs=1: the first night's rows move to <db>.archive/ and stay
    explainable, and a contact emitted on both nights keeps the first night's date_added."""
    import datetime as dt

    from skiptrace import sql
    from skiptrace.flows.audit.archive import archive_root
    from skiptrace.flows.audit.lineage import explain_account
    from skiptrace.flows.cli.main import _run

    db, out = tmp_path / "db.duckdb", tmp_path / "out"
    as_of = portfolio.as_of + dt.timedelta(days=1)
    params = portfolio_params(portfolio, db, out, as_of=as_of, keep_runs=1)
    second = _run(params)["run_id"]
    con = sql.connect(db, read_only=True)
    try:
        assert con.execute("SELECT run_id FROM run_archives").fetchall() == [(first,)]
        assert con.execute(
            "SELECT count(*) FROM contact_points WHERE run_id = ?", [first]
        ).fetchall() == [(0,)]
        account = con.execute(
            "SELECT account_id FROM contact_points WHERE run_id = ? AND role = 'debtor' LIMIT 1",
            [second],
        ).fetchall()[0][0]
        doc = explain_account(con, account, run_id=first)  # read from the archive
        assert doc["run"]["run_id"] == first and doc["contacts"]
    finally:
        con.close()
    assert (archive_root(db) / first / "contact_points.parquet").is_file()
    phones = pl.read_csv(out / second / "import_phones.csv", infer_schema=False)
    assert (phones["date_added"] == portfolio.as_of.isoformat()).any()
