"""Collectors' outcomes with times of day, end to end (stages without Prefect, real DuckDB, a
dispositions file as a dialer writes it): one run as of 2026-07-15. A right party at 15:00 after
a wrong number at 09:00 confirms the number, and the reverse suppresses it, whichever order the
file lists them in; cease-and-desists written `07/15/2026 14:05`, `2026-07-16T02:30:00Z` (22:30
on 07-15 in New York) or with a date nobody can read all suppress the account, and explain
names the unreadable one as such."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from skiptrace import sql
from skiptrace.flows.audit.lineage import explain_account, render_text
from skiptrace.flows.orchestration.params import RefreshParams
from tests.flows.exports.test_event_dates import ACCOUNT_HEADER
from tests.pipeline import run_stages

RUN = "20260715T060000Z-times"
AS_OF = dt.date(2026, 7, 15)
ACCOUNTS = {  # account: (first, last)
    "9200000001": ("Abe", "Order"),  # wrong number 09:00, right party 15:00 (listed first)
    "9200000002": ("Bea", "Order"),  # right party 10:00, wrong number 16:00 (listed first)
    "9200000017": ("Quin", "Cdtoday"),  # cease-and-desist dated 07-15, no time
    "9200000018": ("Ray", "Cdstamp"),  # ... 07/15/2026 14:05
    "9200000019": ("Sue", "Cdutc"),  # ... 2026-07-16T02:30:00Z
    "9200000020": ("Tia", "Cdgarbled"),  # ... a date nobody can read
}
OUTCOMES = """ACCT,NUMBER,RESULT,DATE,AGENT
9200000001,6142220001,right_party,2026-07-15T15:00:00-04:00,ag1
9200000001,6142220001,wrong_number,2026-07-15T09:00:00-04:00,ag2
9200000002,6142220002,wrong_number,2026-07-15T16:00:00-04:00,ag1
9200000002,6142220002,right_party,2026-07-15T10:00:00-04:00,ag2
9200000017,6142220017,cease_and_desist,2026-07-15,ag1
9200000018,6142220018,cease_and_desist,07/15/2026 14:05,ag1
9200000019,6142220019,cease_and_desist,2026-07-16T02:30:00Z,ag1
9200000020,6142220020,cease_and_desist,15th of July,ag1
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root: Path = tmp_path_factory.mktemp("outcome_times")
    rows = [ACCOUNT_HEADER] + [
        f"{a},{f},,{last},,,52144{a[-4:]},1975-03-02,{a[-2:]} Elm St,,Columbus,OH,43215,"
        f"614222{a[-4:]},,,N,,500.00,2024-01-01,N,N,N,N,,,N,N"
        for a, (f, last) in ACCOUNTS.items()
    ]
    (root / "accounts.csv").write_text("\n".join(rows) + "\n")
    (root / "outcomes.csv").write_text(OUTCOMES)
    source = {"name": "dialer", "kind": "outcomes", "path": "outcomes.csv",
              "columns": {"account_id": "ACCT", "contact": "NUMBER", "outcome": "RESULT",
                          "outcome_date": "DATE", "agent": "AGENT"}}  # fmt: skip
    (root / "sources.yml").write_text(yaml.safe_dump({"sources": [source]}))
    params = RefreshParams(
        accounts=root / "accounts.csv", sources=root / "sources.yml", db=root / "st.duckdb",
        out=root / "out", as_of=AS_OF,
    )  # fmt: skip
    con = sql.connect(params.db)
    run_stages(con, params, RUN)
    yield con
    con.close()


def phone(con: Any, account: str) -> tuple[str, str]:
    """(status, reasons) of the account's phone on file."""
    row = con.execute(
        "SELECT status, reasons FROM contact_points WHERE run_id = ? AND account_id = ?"
        " AND contact_type = 'phone' AND role = 'debtor'",
        [RUN, account],
    ).fetchone()
    assert row is not None, account
    return row


def test_one_days_verdicts_go_by_their_time_not_the_files_rows(run: Any) -> None:
    status, reasons = phone(run, "9200000001")
    assert status == "confirmed" and "right party on 2026-07-15" in reasons
    status, reasons = phone(run, "9200000002")
    assert status == "suppressed" and "wrong number 2026-07-15 (agent ag1)" in reasons


@pytest.mark.parametrize("account", ["9200000017", "9200000018", "9200000019", "9200000020"])
def test_every_cease_and_desist_of_the_day_suppresses(run: Any, account: str) -> None:
    rules = run.execute(
        "SELECT rule, reason FROM suppressions WHERE run_id = ? AND account_id = ?"
        " AND contact_type IS NULL",
        [RUN, account],
    ).fetchall()
    assert [r for r, _ in rules] == ["outcome_cease_and_desist"], account
    assert phone(run, account)[0] == "suppressed"
    reported = "without a readable date" if account == "9200000020" else "reported 2026-07-15"
    assert reported in rules[0][1]


def explained(con: Any, account: str) -> str:
    import io

    from rich.console import Console

    console = Console(record=True, width=300, file=io.StringIO())
    render_text(explain_account(con, account, RUN), console)
    return console.export_text()


def test_explain_names_the_time_and_the_unreadable_date(run: Any) -> None:
    text = explained(run, "9200000018")
    assert "Collector reported: cease and desist on 2026-07-15 14:05 by agent ag1 (dialer)" in text
    text = explained(run, "9200000020")
    assert "cease and desist without a readable date by agent ag1 (dialer)" in text
