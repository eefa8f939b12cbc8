"""Fixtures of the workbench tests: a real pipeline run over the small portfolio, a helper that
runs the next refresh (stages without Prefect) the way a nightly run would, and the password
hash of the test users."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles

from skiptrace import sql
from skiptrace.flows.demo.synthetic import GeneratedPortfolio
from skiptrace.flows.orchestration.params import RefreshParams
from tests.flows.conftest import built_once
from tests.pipeline import portfolio_params, run_stages

RUN1 = "20261101T000000Z-run1"
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
def first_run(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[Path, GeneratedPortfolio]:
    """A database after one completed run over the small portfolio, and that portfolio: built
    once for the whole suite; tests copy the database.

    Why once for the suite, not once per xdist worker: the run costs 7 s (25 s on a loaded
    machine) and both workers run workbench tests. The first worker that needs it builds it
    under a lock in the workers' shared temporary folder (as `prefect_home_template` does);
    the others take the database and the portfolio it was run over (its files are only read),
    so every worker's next runs read the very files the first run loaded.
    """

    def build(building: Path) -> None:
        portfolio: GeneratedPortfolio = request.getfixturevalue("small_portfolio")
        run_pipeline(portfolio_params(portfolio, building / "st.duckdb"), RUN1)
        (building / "portfolio.json").write_text(
            json.dumps(dataclasses.asdict(portfolio), default=str), encoding="utf-8"
        )

    done = built_once(tmp_path_factory, request, "review-first-run", build)
    fields = json.loads((done / "portfolio.json").read_text(encoding="utf-8"))
    portfolio = GeneratedPortfolio(
        **{
            **fields,
            **{k: Path(fields[k]) for k in ("root", "accounts_path", "sources_path", "truth_dir")},
            "as_of": dt.date.fromisoformat(fields["as_of"]),
        }
    )
    return done / "st.duckdb", portfolio


@pytest.fixture(scope="session")
def first_run_db(first_run: tuple[Path, GeneratedPortfolio]) -> Path:
    """The database after one completed run (tests copy it)."""
    return first_run[0]


@pytest.fixture(scope="session")
def review_portfolio(first_run: tuple[Path, GeneratedPortfolio]) -> GeneratedPortfolio:
    """The portfolio `first_run_db` was run over: the next runs of the tests read it."""
    return first_run[1]


@pytest.fixture
def review_env(
    first_run_db: Path, review_portfolio: GeneratedPortfolio, tmp_path: Path
) -> RefreshParams:
    """A private copy of the one-run database, with the params of the next run."""
    db = tmp_path / "st.duckdb"
    shutil.copyfile(first_run_db, db)
    return portfolio_params(review_portfolio, db)
