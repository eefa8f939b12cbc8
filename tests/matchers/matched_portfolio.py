"""A small generated portfolio through ingest, standardize and match: the input of the resolve
equality tests, which then run resolve (or parts of it) themselves."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb

from skiptrace import sql

#: Matched databases built in this process, by (run_id, seed, accounts): each call gets a copy
#: (the six resolve temp-table tests each generated and matched the same portfolio, 3-5 s each).
_BUILT: dict[tuple[str, int, int], tuple[Path, dt.date]] = {}
_CACHE = tempfile.TemporaryDirectory(prefix="skiptrace-matched-")  # removed at exit


def matched_portfolio(
    root: Path, run_id: str, *, seed: int, accounts: int = 300
) -> tuple[duckdb.DuckDBPyConnection, dt.date]:
    """(open connection, as-of date) of a `accounts`-account portfolio matched as run `run_id`:
    a copy, in `root`, of the database built once per process for these arguments."""
    key = (run_id, seed, accounts)
    if key not in _BUILT:
        _BUILT[key] = _build(Path(_CACHE.name) / f"{len(_BUILT)}", run_id, seed, accounts)
    built, as_of = _BUILT[key]
    db = root / "skiptrace.duckdb"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, db)
    return sql.connect(db), as_of


def _build(root: Path, run_id: str, seed: int, accounts: int) -> tuple[Path, dt.date]:
    from skiptrace.flows.audit.runs import start_run
    from skiptrace.flows.demo.synthetic import generate_portfolio
    from skiptrace.flows.orchestration import stages
    from tests.pipeline import portfolio_params

    p = generate_portfolio(root / "p", accounts=accounts, seed=seed)
    db = root / "skiptrace.duckdb"
    con = sql.connect(db)
    start_run(con, run_id, as_of=p.as_of, params={})
    params = portfolio_params(p, db)
    stages.ingest(con, params, run_id)
    stages.standardize(con, run_id)
    stages.match(con, run_id)
    con.close()  # checkpointed: the copy is the whole database
    return db, p.as_of
