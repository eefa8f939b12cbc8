"""Fixtures of the workbench tests: a real pipeline run over the small portfolio, a helper that
runs the next refresh (stages without Prefect) the way a nightly run would, and the password
hash of the test users."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import portfolio_params, run_stages

#: The test users' password.
PASSWORD = "correct horse battery"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """An argon2id hash of `password` at argon2-cffi's cheapest parameters (`profiles.CHEAPEST`,
    the library's profile for tests), made once per process.

    Why: the workbench verifies a password with the parameters its stored hash names, so at
    `hash_password`'s own (64 MiB, three passes) every user added and every sign-in cost
    0.1-0.8 s, and the browser and HTTP tests sign in about forty times. The sign-in path is
    the same (`verify_password`, argon2id, a wrong password refused); `hash_password`'s
    parameters are checked where users are added (test_cli.py) and where one user of
    test_http.py signs in with a hash it made.
    """
    return PasswordHasher.from_parameters(profiles.CHEAPEST).hash(password)


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
