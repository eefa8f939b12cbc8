"""The published chain and how nights are judged, through the real `refresh` flow (audit of 15
simulated nights): one portfolio, one database, five nights run once for the file. The
portfolio has 80 accounts (the chain does not depend on its size; 120 cost more in each night).

1. 2026-10-20, the first night.
2. 2026-11-10, a night that brings only a collectors' outcomes file (dispositions_n02.csv): a
   delivery, not "nothing new", and listed in run_summary.json's files.
3. 2026-10-25, run after it: a backfill. Its folder is written, out/LATEST stays on night 2,
   its delta follows night 1 (the completed run dated before it), and a run warning says so.
4. 2026-11-11, a night whose new account file is loaded, then the run is killed (SIGTERM) before
   it completes; 5. its rerun finds the file already loaded, but no completed run had used it:
   no "nothing new". Its delta follows night 2, not the backfill that ended after night 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from tests.flows.conftest import copy_prefect_home

pytestmark = pytest.mark.integration

NIGHT1, NIGHT2, BACKFILL, KILLED, RERUN = (
    "20261120T000000Z-0001",
    "20261121T000000Z-0002",
    "20261122T000000Z-0003",
    "20261123T000000Z-0004",
    "20261123T000100Z-0005",
)
OUTCOMES_SOURCE = """- name: dialer
  kind: outcomes
  path: dispositions_*.csv
  format: csv
  columns: {account_id: ACCT, contact: NUMBER, outcome: RESULT, outcome_date: DATE, agent: AGENT}
"""
#: The killed night: ingest (which loads the new account file) and then SIGTERM, as a
#: scheduler's stop does, before anything is derived from it.
KILLED_RUN = r"""
import datetime as dt, json, os, signal, sys
from skiptrace import sql
from skiptrace.flows.audit.runs import start_run
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams
cfg = json.loads(sys.argv[1])
params = RefreshParams(accounts=cfg["accounts"], sources=cfg["sources"], db=cfg["db"],
                       out=cfg["out"], as_of=dt.date.fromisoformat(cfg["as_of"]))
con = sql.connect(params.db)
start_run(con, cfg["run_id"], as_of=params.as_of, params={})
stages.ingest(con, params, cfg["run_id"])
con.close()
os.kill(os.getpid(), signal.SIGTERM)
"""


def _dispositions(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["ACCT", "NUMBER", "RESULT", "DATE", "AGENT"])
        out.writerows([(a, n, r, d, "agent7") for a, n, r, d in rows])


def _account_rows(accounts: Path) -> tuple[list[str], list[list[str]]]:
    with accounts.open(newline="") as f:  # csv, not polars: the generator plants bad lines
        reader = csv.reader(f)
        header = next(reader)
        return header, [r for r in reader if len(r) == len(header)]


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory, prefect_home_template: Path) -> dict[str, Any]:
    from skiptrace.flows.demo.synthetic import generate_portfolio
    from skiptrace.flows.orchestration.refresh import run_refresh

    root = tmp_path_factory.mktemp("chain")
    p = generate_portfolio(root / "p", accounts=80, seed=5, as_of=dt.date(2026, 10, 15))
    p.sources_path.write_text(p.sources_path.read_text() + OUTCOMES_SOURCE)
    header, rows = _account_rows(p.accounts_path)
    phoned = [r for r in rows if r[header.index("phone")]]
    acct, phone = header.index("account_id"), header.index("phone")
    _dispositions(
        p.root / "dispositions_n01.csv",
        [(phoned[0][acct], phoned[0][phone], "right_party", "2026-10-18")],
    )
    db, out = root / "st.duckdb", root / "out"

    def params(as_of: dt.date, accounts: Path = p.accounts_path) -> RefreshParams:
        return RefreshParams(accounts=accounts, sources=p.sources_path, db=db, out=out, as_of=as_of)

    home = copy_prefect_home(prefect_home_template, root / "prefect-home")
    summaries: dict[str, dict[str, Any]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREFECT_HOME", str(home))
        mp.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
        summaries[NIGHT1] = run_refresh(params(dt.date(2026, 10, 20)), run_id=NIGHT1)
        # night 2: the dialer's dispositions only (a wrong number, a cease-and-desist)
        _dispositions(
            p.root / "dispositions_n02.csv",
            [
                (phoned[1][acct], phoned[1][phone], "wrong_number", "2026-11-05"),
                (phoned[2][acct], "", "cease_and_desist", "2026-11-05"),
            ],
        )
        summaries[NIGHT2] = run_refresh(params(dt.date(2026, 11, 10)), run_id=NIGHT2)
        summaries[BACKFILL] = run_refresh(params(dt.date(2026, 10, 25)), run_id=BACKFILL)
        latest_after_backfill = (out / "LATEST").read_text().strip()
        # night 4: three new accounts in an update file; the run is killed after loading it
        update = p.root / "accounts_upd_n04.csv"
        with update.open("w", newline="") as f:
            csv.writer(f).writerows(
                [header, *[[f"U{r[acct]}", *r[acct + 1 :]] for r in rows[10:13]]]
            )
        cfg = {"accounts": str(update), "sources": str(p.sources_path), "db": str(db),
               "out": str(out), "as_of": "2026-11-11", "run_id": KILLED}  # fmt: skip
        killed = subprocess.run(
            [sys.executable, "-c", KILLED_RUN, json.dumps(cfg)],
            env=dict(os.environ), capture_output=True, text=True, timeout=300,
            cwd=Path(__file__).resolve().parents[3],
        )  # fmt: skip
        assert killed.returncode == -signal.SIGTERM, killed.stderr[-3000:]
        summaries[RERUN] = run_refresh(params(dt.date(2026, 11, 11), update), run_id=RERUN)
    con = sql.connect(db, read_only=True)
    statuses = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    con.close()
    return {
        "out": out,
        "summaries": summaries,
        "latest_after_backfill": latest_after_backfill,
        "statuses": statuses,
    }


def _manifest(nights: dict[str, Any], run_id: str) -> dict[str, Any]:
    return dict(json.loads((nights["out"] / run_id / "manifest.json").read_text()))


def _files(nights: dict[str, Any], run_id: str) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).name: f for f in nights["summaries"][run_id]["files"]}


def test_a_backfill_leaves_latest_and_the_chain_of_deltas_alone(nights) -> None:
    out, summaries = nights["out"], nights["summaries"]
    assert nights["statuses"][BACKFILL] == "completed"
    assert (out / BACKFILL / "manifest.json").is_file()  # its folder is written
    assert nights["latest_after_backfill"] == NIGHT2  # LATEST did not move to it
    # its delta is relative to the completed run dated before it, not to night 2
    assert _manifest(nights, BACKFILL)["previous_run_id"] == NIGHT1
    (warning,) = [w for w in summaries[BACKFILL]["warnings"] if "backfill" in w]
    assert f"run {BACKFILL} is a backfill (as of 2026-10-25, older than run {NIGHT2}" in warning
    assert f"out/LATEST and the push stay on run {NIGHT2}" in warning
    assert f"its delta.csv is relative to run {NIGHT1}: do not apply it" in warning
    saved = json.loads((out / BACKFILL / "run_summary.json").read_text())
    assert warning in saved["warnings"]
    # the nights around it: no backfill warning, LATEST moves on, the next delta follows night 2
    assert not [w for r in (NIGHT2, RERUN) for w in summaries[r]["warnings"] if "backfill" in w]
    assert _manifest(nights, NIGHT2)["previous_run_id"] == NIGHT1
    assert _manifest(nights, RERUN)["previous_run_id"] == NIGHT2
    assert (out / "LATEST").read_text().strip() == RERUN


def test_an_outcomes_only_night_delivered_something_and_lists_its_files(nights) -> None:
    summary = nights["summaries"][NIGHT2]
    assert not [w for w in summary["warnings"] if "nothing new" in w], summary["warnings"]
    files = _files(nights, NIGHT2)
    assert files["dispositions_n02.csv"]["status"] == "loaded"
    assert files["dispositions_n02.csv"]["rows_read"] == 2
    assert files["dispositions_n02.csv"]["rows_loaded"] == 2
    assert files["dispositions_n02.csv"]["source"] == "dialer"
    assert files["dispositions_n01.csv"]["status"] == "skipped_duplicate"  # night 1's, used
    assert files["accounts.csv"]["status"] == "skipped_duplicate"
    # the first night lists its outcomes file too
    assert _files(nights, NIGHT1)["dispositions_n01.csv"]["status"] == "loaded"
    # and a night that brings nothing a completed run has not used says so (the backfill)
    assert [w for w in nights["summaries"][BACKFILL]["warnings"] if "nothing new" in w] == [
        "nothing new was delivered: every file was loaded before (accounts.csv, bankruptcy.csv,"
        " credit_header.tsv, death_index.txt, dispositions_n01.csv, dispositions_n02.csv,"
        " ncoa_moves.csv, vendor_acme_batch.psv)"
    ]


def test_the_rerun_of_a_killed_night_delivered_what_the_killed_run_loaded(nights) -> None:
    assert nights["statuses"][KILLED] == "abandoned"
    summary = nights["summaries"][RERUN]
    assert not [w for w in summary["warnings"] if "nothing new" in w], summary["warnings"]
    files = _files(nights, RERUN)
    assert files["accounts_upd_n04.csv"]["status"] == "skipped_duplicate"  # loaded by the kill
