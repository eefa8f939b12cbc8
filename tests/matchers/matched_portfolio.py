"""A small generated portfolio through ingest, standardize and match: the input of the resolve
equality tests, which then run resolve (or parts of it) themselves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from skiptrace import sql


def matched_portfolio(
    root: Path, run_id: str, *, seed: int, accounts: int = 300
) -> tuple[duckdb.DuckDBPyConnection, dt.date]:
    """(open connection, as-of date) of a `accounts`-account portfolio matched as run `run_id`."""
    from skiptrace.flows.audit.runs import start_run
    from skiptrace.flows.demo.synthetic import generate_portfolio
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams

    p = generate_portfolio(root / "p", accounts=accounts, seed=seed)
    db = root / "skiptrace.duckdb"
    con = sql.connect(db)
    start_run(con, run_id, as_of=p.as_of, params={})
    params = RefreshParams(
        accounts=p.accounts_path, sources=p.sources_path, db=db, out=root / "out", as_of=p.as_of
    )
    stages.ingest(con, params, run_id)
    stages.standardize(con, run_id)
    stages.match(con, run_id)
    return con, p.as_of
