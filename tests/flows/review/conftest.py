"""Fixtures of the workbench tests: a real pipeline run over the small portfolio, and a helper
that runs the next refresh (stages without Prefect) the way a nightly run would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skiptrace import sql
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams


def run_pipeline(params: RefreshParams, run_id: str) -> None:
    """One complete refresh (ingest ... suppress) as a run; the connection is closed after."""
    con = sql.connect(params.db)
    try:
        start_run(con, run_id, as_of=params.as_of, params=params.model_dump(mode="json"))
        stages.ingest(con, params, run_id)
        stages.standardize(con, run_id)
        stages.match(con, run_id)
        stages.resolve(con, run_id, params.as_of)
        stages.suppress(con, run_id, params.as_of)
        finish_run(con, run_id, "completed")
    finally:
        con.close()


@pytest.fixture(scope="session")
def first_run_db(small_portfolio, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database after one completed run (built once; tests copy it)."""
    tmp = tmp_path_factory.mktemp("review-base")
    params = RefreshParams(
        accounts=small_portfolio.accounts_path,
        sources=small_portfolio.sources_path,
        db=tmp / "st.duckdb",
        out=tmp / "out",
        as_of=small_portfolio.as_of,
    )
    run_pipeline(params, "20261101T000000Z-run1")
    return params.db


@pytest.fixture
def review_env(first_run_db: Path, small_portfolio, tmp_path: Path) -> RefreshParams:
    """A private copy of the one-run database, with the params of the next run."""
    db = tmp_path / "st.duckdb"
    shutil.copyfile(first_run_db, db)
    return RefreshParams(
        accounts=small_portfolio.accounts_path,
        sources=small_portfolio.sources_path,
        db=db,
        out=tmp_path / "out",
        as_of=small_portfolio.as_of,
    )
