"""The real Prefect `refresh` flow on a generated portfolio, via the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _prefect_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")


def test_refresh_flow_end_to_end(small_portfolio, tmp_path: Path) -> None:
    from skiptrace.flows.cli.main import _run
    from skiptrace.flows.orchestration.params import RefreshParams

    out = tmp_path / "out"
    summary = _run(
        RefreshParams(
            accounts=small_portfolio.accounts_path, sources=small_portfolio.sources_path,
            db=tmp_path / "db.duckdb", out=out, as_of=small_portfolio.as_of,
        )
    )  # fmt: skip
    run_dir = out / summary["run_id"]
    assert json.loads((run_dir / "run_summary.json").read_text())["run_id"] == summary["run_id"]
    contacts = pl.read_csv(run_dir / "contacts.csv", infer_schema=False)
    assert contacts.height > 300
    assert (contacts["run_id"] == summary["run_id"]).all()
    assert summary["totals"]["matched"] > 0

    from skiptrace import sql

    con = sql.connect(tmp_path / "db.duckdb", read_only=True)
    status, flow_run_id = con.execute(
        "SELECT status, flow_run_id FROM runs WHERE run_id = ?", [summary["run_id"]]
    ).fetchall()[0]
    assert status == "completed" and flow_run_id

    from skiptrace.flows.demo.evaluate import score_run

    scores = score_run(run_dir, small_portfolio.truth_dir)
    assert scores.address_precision > 0.8
    assert scores.match_precision > 0.9
