"""Fixtures of the workbench tests: a real pipeline run over the small portfolio, and a helper
that runs the next refresh (stages without Prefect) the way a nightly run would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import portfolio_params, run_stages


def run_pipeline(params: RefreshParams, run_id: str) -> None:
    """One complete refresh (ingest ... suppress) as a run; the connection is closed after."""
    con = sql.connect(params.db)
    try:
        run_stages(con, params, run_id, emit=False, record_params=True)
    finally:
        con.close()


@pytest.fixture(scope="session")
def first_run_db(small_portfolio, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database after one completed run (built once; tests copy it)."""
    params = portfolio_params(small_portfolio, tmp_path_factory.mktemp("review-base") / "st.duckdb")
    run_pipeline(params, "20261101T000000Z-run1")
    return params.db


@pytest.fixture
def review_env(first_run_db: Path, small_portfolio, tmp_path: Path) -> RefreshParams:
    """A private copy of the one-run database, with the params of the next run."""
    db = tmp_path / "st.duckdb"
    shutil.copyfile(first_run_db, db)
    return portfolio_params(small_portfolio, db)
