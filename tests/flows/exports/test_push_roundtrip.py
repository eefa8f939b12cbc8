"""Round trip through a real PostgreSQL with the real Prefect flow: run -> push -> collectors
record outcomes in PostgreSQL -> the next run pulls them, suppresses, confirms and re-weights
-> push again. The URL (with its password) comes from SKIPTRACE_PUSH_URL only."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from rich.console import Console

from skiptrace import sql
from skiptrace.flows.audit.lineage import explain_account, render_text
from skiptrace.flows.orchestration.refresh import run_refresh
from tests.pipeline import portfolio_params

SECRET = "Sup3rSecretPw"
pytestmark = pytest.mark.integration


def debtor_contacts(con: Any, run_id: str) -> list[dict[str, Any]]:
    return sql.frame(
        con,
        "SELECT account_id, contact_type, contact_key, status, confidence, rank, reasons"
        " FROM contact_points WHERE run_id = $run_id AND role = 'debtor'",
        {"run_id": run_id},
    ).to_dicts()


def test_run_push_outcomes_run_push(
    small_portfolio, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKIPTRACE_PUSH_URL", pg_url)
    params = portfolio_params(small_portfolio, tmp_path / "rt.duckdb")
    first = run_refresh(params)
    run1 = first["run_id"]
    assert first["push"]["contacts"] > 0 and first["push"]["inserted"] == first["push"]["contacts"]

    con = sql.connect(params.db)
    try:
        rows = debtor_contacts(con, run1)
    finally:
        con.close()
    usable = [r for r in rows if r["status"] != "suppressed"]
    phones: dict[str, list[dict[str, Any]]] = {}
    for r in usable:
        if r["contact_type"] == "phone":
            phones.setdefault(r["account_id"], []).append(r)
    multi = sorted(a for a, ps in phones.items() if len(ps) >= 2)
    wrong_acct, confirm_acct, cd_acct = multi[0], multi[1], multi[2]
    wrong = min(phones[wrong_acct], key=lambda r: r["rank"])
    confirm = max(phones[confirm_acct], key=lambda r: r["rank"])  # its weakest phone
    assert confirm["status"] != "confirmed" and confirm["confidence"] < 0.95
    address = next(
        r for r in usable
        if r["contact_type"] == "address" and r["account_id"] not in (wrong_acct, confirm_acct, cd_acct)
    )  # fmt: skip
    day = params.as_of.isoformat()
    with psycopg.connect(pg_url) as conn:
        conn.execute(
            "INSERT INTO contact_outcomes (account_id, contact, outcome, outcome_date, agent)"
            " VALUES (%s, %s, 'wrong_number', %s, 'ag1'), (%s, %s, 'right_party', %s, 'ag2'),"
            " (%s, %s, 'cease_and_desist', %s, 'ag3'),"
            " (%s, %s, 'returned_mail', %s, NULL)",
            [
                wrong_acct, "(" + wrong["contact_key"][2:5] + ") " + wrong["contact_key"][5:8]
                + "-" + wrong["contact_key"][8:], day,
                confirm_acct, confirm["contact_key"], day,
                cd_acct, phones[cd_acct][0]["contact_key"], day,
                address["account_id"], address["contact_key"], day,
            ],
        )  # fmt: skip

    second = run_refresh(params)
    run2 = second["run_id"]
    con = sql.connect(params.db)
    try:
        after = {(r["account_id"], r["contact_key"]): r for r in debtor_contacts(con, run2)}
        assert con.execute("SELECT count(*) FROM contact_outcomes").fetchall() == [(4,)]
        learned = con.execute(
            "SELECT source, prior, outcomes, hits, reliability FROM source_reliability"
            " WHERE run_id = ? AND outcomes > 0",
            [run2],
        ).fetchall()
        pushes = con.execute("SELECT run_id, status, target FROM pushes ORDER BY run_id").fetchall()
        explained = explain_account(con, wrong_acct, run_id=run2)
        cd_explained = explain_account(con, cd_acct, run_id=run2)
        stored_params = con.execute("SELECT params FROM runs").fetchall()
    finally:
        con.close()

    w = after[(wrong_acct, wrong["contact_key"])]
    assert w["status"] == "suppressed" and "wrong number" in w["reasons"]
    assert w["rank"] == len(phones[wrong_acct])  # ranked last now
    moved = [
        (c["contact_type"], c["status"], [o["outcome"] for o in c["outcomes"]])
        for c in explained["contacts"]
        if c["outcomes"]
    ]
    assert moved == [("phone", "suppressed", ["wrong_number"])]  # explain shows what moved it
    assert [o["outcome"] for o in cd_explained["account_outcomes"]] == ["cease_and_desist"]
    text = io.StringIO()
    render_text(explained, Console(file=text, width=200))
    assert "wrong number on " + day + " by agent ag1" in text.getvalue()
    c = after[(confirm_acct, confirm["contact_key"])]
    assert c["status"] == "confirmed" and c["confidence"] >= 0.95
    assert "right party" in c["reasons"]
    assert all(
        r["status"] == "suppressed" for (a, _), r in after.items() if a == cd_acct
    )  # cease-and-desist on a call: the whole account
    a = after[(address["account_id"], address["contact_key"])]
    assert a["status"] == "suppressed" and "returned" in a["reasons"]
    # sources that supported the judged contacts were re-weighted toward what happened
    assert learned and all(rel != prior for _, prior, _, _, rel in learned)
    report = (params.out / run2 / "report.html").read_text()
    assert "Source reliability from collectors" in report and learned[0][0] in report

    with psycopg.connect(pg_url) as conn:
        pg_rows = {
            (r[0], r[1]): r[2:]
            for r in conn.execute(
                "SELECT account_id, contact_key, status, callable, suppression_reason"
                " FROM skiptrace_contacts"
            ).fetchall()
        }
        runs = [r[0] for r in conn.execute("SELECT run_id FROM skiptrace_runs ORDER BY 1")]
    assert runs == [run1, run2]
    status, callable_, why = pg_rows[(wrong_acct, wrong["contact_key"])]
    assert (status, callable_) == ("suppressed", False) and "wrong number" in why
    assert pg_rows[(confirm_acct, confirm["contact_key"])][:2] == ("confirmed", True)
    assert [p[:2] for p in pushes] == [(run1, "completed"), (run2, "completed")]

    # the password is nowhere a person reads: summaries, stored parameters, the pushes table
    shown = json.dumps([first, second], default=str) + repr(pushes) + repr(stored_params)
    shown += (params.out / run2 / "run_summary.json").read_text()
    assert SECRET not in shown
