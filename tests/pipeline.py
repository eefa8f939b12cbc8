"""Set-up shared by the tests that run the refresh's stages themselves (no Prefect) over a
portfolio: the parameters of such a run and the stages in the order the refresh calls them.

One copy, so the tests that build a database this way build it the same way: a stage added to
the refresh is added here once, not in each test module's own copy of the sequence.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import duckdb

from skiptrace.flows.audit.runs import StageStats, finish_run, start_run
from skiptrace.flows.demo.synthetic import GeneratedPortfolio
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.flows.report.run_report import write_report
from skiptrace.flows.report.summary import build_summary, write_summary


def copy_portfolio(portfolio: GeneratedPortfolio, root: Path) -> GeneratedPortfolio:
    """A private copy in `root` (made if missing) of a generated portfolio's files, for a test to
    change: a copy of the session's `small_portfolio` (tests/conftest.py) instead of generating
    the same 300 accounts again (5 s each). sources.yml names its files relative to its folder,
    so the copy reads its own. Files get fresh modification times, as generated ones would."""
    shutil.copytree(portfolio.root, root, copy_function=shutil.copy, dirs_exist_ok=True)

    def moved(path: Path) -> Path:
        return root / path.relative_to(portfolio.root)

    return dataclasses.replace(
        portfolio,
        root=root,
        accounts_path=moved(portfolio.accounts_path),
        sources_path=moved(portfolio.sources_path),
        truth_dir=moved(portfolio.truth_dir),
    )


def portfolio_params(
    portfolio: GeneratedPortfolio, db: Path, out: Path | None = None, **more: Any
) -> RefreshParams:
    """A run over a generated portfolio's accounts and sources.yml as of its date, into the
    database `db` and the out folder `out` (default: `out` beside the database); `more` sets or
    overrides any other parameter."""
    fields: dict[str, Any] = {
        "accounts": portfolio.accounts_path,
        "sources": portfolio.sources_path,
        "db": db,
        "out": db.parent / "out" if out is None else out,
        "as_of": portfolio.as_of,
    }
    return RefreshParams(**(fields | more))


def all_stages(
    con: duckdb.DuckDBPyConnection,
    params: RefreshParams,
    run_id: str,
    *,
    emit: bool = True,
    **match: Any,
) -> list[StageStats]:
    """ingest, standardize, match (with `match`'s settings), resolve, suppress and, with `emit`,
    emit of the started run `run_id`; a `full_rebuild` in `match` rebuilds resolve too."""
    done = [
        stages.ingest(con, params, run_id),
        stages.standardize(con, run_id),
        stages.match(con, run_id, **match),
        stages.resolve(
            con, run_id, params.as_of, full_rebuild=bool(match.get("full_rebuild", False))
        ),
        stages.suppress(con, run_id, params.as_of),
    ]
    if emit:
        done.append(stages.emit(con, run_id, params.out / run_id))
    return done


def run_stages(
    con: duckdb.DuckDBPyConnection,
    params: RefreshParams,
    run_id: str,
    *,
    emit: bool = True,
    record_params: bool = False,
    **match: Any,
) -> dict[str, Any]:
    """`all_stages` as one completed run (its parameters stored with `record_params`); returns
    the match stage's details with the resolve stage's under "resolve"."""
    recorded = params.model_dump(mode="json") if record_params else {}
    start_run(con, run_id, as_of=params.as_of, params=recorded)
    done = all_stages(con, params, run_id, emit=emit, **match)
    finish_run(con, run_id, "completed")
    return {**done[2].details, "resolve": done[3].details}


def summarized_run(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str, *, report: bool = False
) -> dict[str, Any]:
    """Every stage as one completed run with its parameters stored, its run_summary.json (and,
    with `report`, its run report) written while the run is still running, as the refresh
    writes them; returns the summary."""
    start_run(con, run_id, as_of=params.as_of, params=params.model_dump(mode="json"))
    done = all_stages(con, params, run_id)
    summary = build_summary(con, run_id, [s.as_dict() for s in done])
    write_summary(summary, params.out / run_id)
    if report:
        write_report(con, run_id, params.out)
    finish_run(con, run_id, "completed")
    return summary
