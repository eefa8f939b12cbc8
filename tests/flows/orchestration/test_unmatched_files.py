"""A file of returns that finds none of the portfolio's debtors is a run warning (exit 7): the
vendor answered another client's batch, or the layout was read wrongly."""

from __future__ import annotations

from pathlib import Path

import yaml

from skiptrace import sql
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.demo.synthetic import generate_portfolio
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import copy_portfolio


def test_a_returns_file_for_another_portfolio_warns_and_ours_do_not(
    small_portfolio, tmp_path: Path
) -> None:
    copy_portfolio(small_portfolio, tmp_path)
    # another client's credit header: the same layout, people of another generated portfolio
    other = generate_portfolio(tmp_path / "other", accounts=80, seed=4)
    registry = yaml.safe_load((tmp_path / "sources.yml").read_text())
    header = next(s for s in registry["sources"] if s["name"] == "credit_header")
    registry["sources"].append(
        {**header, "name": "other_client", "path": str(other.root / "credit_header.tsv")}
    )
    (tmp_path / "sources.yml").write_text(yaml.safe_dump(registry))
    params = RefreshParams(
        accounts=tmp_path / "accounts.csv", sources=tmp_path / "sources.yml",
        db=tmp_path / "st.duckdb", out=tmp_path / "out", as_of=small_portfolio.as_of,
    )  # fmt: skip
    con = sql.connect(params.db)
    run_id = "20261101T000000Z-unmatched"
    start_run(con, run_id, as_of=params.as_of, params={})
    stages.ingest(con, params, run_id)
    stages.standardize(con, run_id)
    st = stages.match(con, run_id)
    finish_run(con, run_id, "completed")
    warnings = [r[0] for r in con.execute(
        "SELECT message FROM run_warnings WHERE run_id = ? AND stage = 'match'", [run_id]
    ).fetchall()]  # fmt: skip
    con.close()
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("other_client file credit_header.tsv: none of its ")
    assert "another portfolio or client" in warnings[0]
    assert st.details["files_without_links"] == 1
