"""A source without a file: the run fails, unless sources.yml marks the source optional.

Issue 18: a missing credit-header extract gave a Completed run with exit 0 while matched
records fell by two thirds. Now a required source stops the run before anything loads; an
optional one lets it complete, and the summary, the report and the exit code (7) say so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from skiptrace import sql
from skiptrace.errors import INPUT, WARNINGS
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams
from tests.flows.conftest import prefect_env

MISSING = "credit_header"


def portfolio_without(portfolio: Any, folder: Path, *, optional: bool) -> Path:
    """A copy of the portfolio whose credit_header file is gone; returns its sources.yml."""
    shutil.copytree(portfolio.root, folder, ignore=shutil.ignore_patterns("truth"))
    registry = yaml.safe_load((folder / "sources.yml").read_text())
    for source in registry["sources"]:
        if source["name"] == MISSING:
            (folder / source["path"]).unlink()
            source["optional"] = optional
    (folder / "sources.yml").write_text(yaml.safe_dump(registry))
    return folder / "sources.yml"


def test_required_source_without_file_fails_before_loading(
    tiny_portfolio, tmp_path: Path, migrated_template: Path
) -> None:
    sources = portfolio_without(tiny_portfolio, tmp_path / "p", optional=False)
    params = RefreshParams(
        accounts=tmp_path / "p" / "accounts.csv", sources=sources, db=tmp_path / "st.duckdb"
    )
    shutil.copyfile(migrated_template, params.db)  # the session's migrated database
    con = sql.connect(params.db)
    try:
        with pytest.raises(stages.MissingSourceFileError) as caught:
            stages.ingest(con, params, "r1")
        assert con.execute("SELECT count(*) FROM input_files").fetchone() == (0,)
    finally:
        con.close()
    message = str(caught.value)
    assert "\n" not in message
    assert f"{MISSING}: no file matches" in message and "optional: true" in message
    assert caught.value.exit_code == INPUT


def test_optional_source_without_file_is_a_warning(
    tiny_portfolio, tmp_path: Path, migrated_template: Path
) -> None:
    sources = portfolio_without(tiny_portfolio, tmp_path / "p", optional=True)
    params = RefreshParams(
        accounts=tmp_path / "p" / "accounts.csv", sources=sources, db=tmp_path / "st.duckdb"
    )
    shutil.copyfile(migrated_template, params.db)  # the session's migrated database
    con = sql.connect(params.db)
    try:
        stats = stages.ingest(con, params, "r1")
        warnings = sql.rows(con, "audit/run_warnings.sql", run_id="r1")
    finally:
        con.close()
    assert stats.rows_out > 0
    assert [w["stage"] for w in warnings] == ["ingest"]
    assert warnings[0]["message"].startswith(f"source {MISSING}: no file matches")


@pytest.mark.integration
def test_run_with_optional_source_missing_exits_7(
    tiny_portfolio, tmp_path: Path, prefect_home: Path
) -> None:
    """`skiptrace run` as a user runs it: the summary, the report and the exit code say so."""
    sources = portfolio_without(tiny_portfolio, tmp_path / "p", optional=True)
    env = prefect_env(prefect_home)  # the suite's Prefect settings, its own home
    result = subprocess.run(
        [str(Path(sys.executable).parent / "skiptrace"), "run",
         "--accounts", str(tmp_path / "p" / "accounts.csv"), "--sources", str(sources),
         "--db", str(tmp_path / "st.duckdb"), "--out", str(tmp_path / "out"),
         "--as-of", str(tiny_portfolio.as_of)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == WARNINGS, result.stdout[-3000:] + result.stderr[-3000:]
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]  # and out/LATEST
    summary = json.loads((run_dir / "run_summary.json").read_text())
    assert len(summary["warnings"]) == 1 and MISSING in summary["warnings"][0]
    report = (run_dir / "report.html").read_text()
    assert "completed with warnings" in report and f"source {MISSING}: no file matches" in report
    assert f"warning source {MISSING}: no file matches" in " ".join(result.stdout.split())


def with_outcomes(portfolio: Any, folder: Path, *, optional: bool) -> Path:
    """A copy of the portfolio with an outcomes source (no file yet); returns its sources.yml."""
    shutil.copytree(portfolio.root, folder, ignore=shutil.ignore_patterns("truth"))
    registry = yaml.safe_load((folder / "sources.yml").read_text())
    registry["sources"].append(
        {"name": "dialer", "kind": "outcomes", "path": "dispositions_*.csv", "format": "csv",
         "optional": optional,
         "columns": {"account_id": "ACCT", "contact": "NUMBER", "outcome": "RESULT",
                     "outcome_date": "DATE"}}
    )  # fmt: skip
    (folder / "sources.yml").write_text(yaml.safe_dump(registry))
    return folder / "sources.yml"


def test_outcomes_source_without_file_is_checked_like_any_source(
    tiny_portfolio, tmp_path: Path, migrated_template: Path
) -> None:
    """The outcomes sources were taken out of the registry before the file check (and the
    preflight's): a required one without a file ran on, with exit 0, on whatever history was
    left. Now it fails before loading; an optional one is a warning, its history kept."""
    from skiptrace.flows.cli import preflight
    from skiptrace.sources.registry import load_registry

    sources = with_outcomes(tiny_portfolio, tmp_path / "p", optional=False)
    params = RefreshParams(
        accounts=tmp_path / "p" / "accounts.csv", sources=sources, db=tmp_path / "st.duckdb"
    )
    with pytest.raises(stages.MissingSourceFileError, match="dialer: no file matches"):
        preflight.check_source_files(params, load_registry(sources))
    inbox = params.model_copy(update={"accounts": None, "inbox": tmp_path / "inbox"})
    with pytest.raises(stages.MissingSourceFileError, match="dialer: no file matches"):
        preflight.check_source_files(inbox, load_registry(sources))  # its own path, in inbox mode
    shutil.copyfile(migrated_template, params.db)  # the session's migrated database
    con = sql.connect(params.db)
    try:
        with pytest.raises(stages.MissingSourceFileError) as caught:
            stages.ingest(con, params, "r1")
        assert con.execute("SELECT count(*) FROM input_files").fetchone() == (0,)
        assert caught.value.exit_code == INPUT

        sources = with_outcomes(tiny_portfolio, tmp_path / "q", optional=True)
        (tmp_path / "q" / "dispositions_1.csv").write_text(
            "ACCT,NUMBER,RESULT,DATE\nA1,4045550101,cease_and_desist,2026-10-30\n"
        )
        params = params.model_copy(
            update={"sources": sources, "accounts": tmp_path / "q" / "accounts.csv"}
        )
        start_run(con, "r1", as_of=params.as_of, params={})
        stages.ingest(con, params, "r1")
        finish_run(con, "r1", "completed")  # used by a completed run: not new to r2
        (tmp_path / "q" / "dispositions_1.csv").unlink()
        stages.ingest(con, params.model_copy(update={"replace": True}), "r2")
        warnings = sql.rows(con, "audit/run_warnings.sql", run_id="r2")
        kept = con.execute("SELECT account_id, outcome FROM contact_outcomes").fetchall()
    finally:
        con.close()
    assert [w["message"] for w in warnings] == [
        f"source dialer: no file matches {tmp_path / 'q' / 'dispositions_*.csv'}"
        " (optional source skipped)",
        # r2 was given the files r1 loaded, and nothing else
        "nothing new was delivered: every file was loaded before (accounts.csv, bankruptcy.csv,"
        " credit_header.tsv, death_index.txt, ncoa_moves.csv, vendor_acme_batch.psv)",
    ]
    assert kept == [("A1", "cease_and_desist")]


def test_an_outcomes_file_without_a_required_column_is_found_by_the_preflight(
    tiny_portfolio, tmp_path: Path
) -> None:
    from skiptrace.flows.cli import preflight
    from skiptrace.sources.outcomes import OutcomeError
    from skiptrace.sources.registry import load_profile, load_registry

    sources = with_outcomes(tiny_portfolio, tmp_path / "p", optional=False)
    (tmp_path / "p" / "dispositions_1.csv").write_text(
        "ACCT,NUMBER,DATE\nA1,4045550101,2026-10-30\n"
    )
    params = RefreshParams(
        accounts=tmp_path / "p" / "accounts.csv", sources=sources, db=tmp_path / "st.duckdb"
    )
    with pytest.raises(OutcomeError, match=r"dispositions_1.csv: .* no column for \['outcome'\]"):
        preflight.check_columns(params, load_registry(sources), load_profile(None))
