"""Field defects end to end (stages without Prefect, real DuckDB): accounts whose SSN is invalid
still match and get contacts, and an SSN typed into another field reaches no table, export,
report or summary."""

from __future__ import annotations

import json

import polars as pl
import pytest

from skiptrace import sql
from tests.pipeline import copy_portfolio, portfolio_params, summarized_run

BAD_SSNS = ["078-05-112", "000-12-3456", "12345678O"]  # 8 digits, area 000, a letter O
LEAKED = "219-09-9999"  # a valid-shaped SSN typed into address_line2 / phone_2
N_BAD = 30


@pytest.fixture(scope="module")
def run(small_portfolio, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fields")
    pf = copy_portfolio(small_portfolio, root / "portfolio")
    accounts = pl.read_csv(pf.accounts_path, infer_schema=False)
    with_ssn = accounts.filter(pl.col("ssn").is_not_null()).head(N_BAD + 2)["account_id"]
    bad_ids, leak_ids = with_ssn[:N_BAD].to_list(), with_ssn[N_BAD:].to_list()
    bad_map = {a: BAD_SSNS[i % len(BAD_SSNS)] for i, a in enumerate(bad_ids)}
    accounts = accounts.with_columns(
        pl.col("account_id").replace_strict(bad_map, default=pl.col("ssn")).alias("ssn"),
        pl.when(pl.col("account_id") == leak_ids[0])
        .then(pl.lit(LEAKED))
        .otherwise(pl.col("address_line2"))
        .alias("address_line2"),
        pl.when(pl.col("account_id") == leak_ids[1])
        .then(pl.lit(LEAKED.replace("-", "")))
        .otherwise(pl.col("phone_2"))
        .alias("phone_2"),
    )
    accounts.write_csv(pf.accounts_path)
    params = portfolio_params(pf, root / "st.duckdb")
    run_id = "20261101T000000Z-fields"
    con = sql.connect(params.db)
    summary = summarized_run(con, params, run_id, report=True)
    yield con, params, run_id, summary, bad_ids
    con.close()


def test_accounts_with_a_bad_ssn_load_match_and_get_contacts(run) -> None:
    con, params, run_id, summary, bad_ids = run
    acct = next(f for f in summary["files"] if f["source"] == "accounts")
    assert acct["rows_read"] == acct["rows_loaded"] + acct["rows_rejected"]
    loaded = con.execute(
        "SELECT count(*) FROM current_accounts WHERE list_contains($ids, account_id) "
        "AND ssn_hash IS NULL",
        {"ids": bad_ids},
    ).fetchone()[0]
    assert loaded == N_BAD
    resolved = con.execute(
        "SELECT DISTINCT account_id FROM contact_points WHERE run_id = $run AND "
        "list_contains($ids, account_id)",
        {"run": run_id, "ids": bad_ids},
    ).fetchall()
    assert len(resolved) == N_BAD  # every one has contact points (some suppressed: attorney, ...)
    out = params.out / run_id
    contacts = pl.read_csv(out / "contacts.csv", infer_schema=False)
    with_contacts = set(contacts.filter(pl.col("account_id").is_in(bad_ids))["account_id"])
    assert len(with_contacts) >= 0.8 * N_BAD
    matches = pl.read_csv(out / "matches.csv", infer_schema=False)
    matched = set(matches.filter(pl.col("account_id").is_in(bad_ids))["account_id"])
    assert len(matched) >= 0.8 * N_BAD  # matched on name, DOB and address without the SSN
    reasons = {
        (g["source"], g["column_name"], g["reason"])
        for g in summary["field_issues"]["by_source_column_reason"]
    }
    assert ("accounts", "ssn", "invalid_ssn") in reasons
    assert ("accounts", "address_line2", "ssn_in_field") in reasons
    assert ("accounts", "phone_2", "ssn_in_field") in reasons
    assert summary["field_issues"]["total"] >= N_BAD + 2
    assert acct["field_issues"] >= N_BAD + 2


def test_no_raw_ssn_in_the_database_or_any_output(run) -> None:
    con, params, run_id, _, _ = run
    con.execute("CHECKPOINT")
    forms = {LEAKED, LEAKED.replace("-", ""), "078-05-112", "07805112", "000-12-3456"}
    blobs = {p: p.read_bytes() for p in (params.out / run_id).iterdir() if p.is_file()}
    blobs[params.db] = params.db.read_bytes()
    assert any(p.name == "report.html" for p in blobs) and len(blobs) > 5
    for path, blob in blobs.items():
        for form in forms:
            assert form.encode() not in blob, (path.name, form)
    html = (params.out / run_id / "report.html").read_text()
    assert "Field issues" in html and "ssn_in_field" in html
    summary = json.loads((params.out / run_id / "run_summary.json").read_text())
    assert summary["field_issues"]["total"] > 0
