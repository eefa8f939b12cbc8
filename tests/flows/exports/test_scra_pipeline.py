"""SCRA military status end to end (stages without Prefect, real DuckDB): a DMDC-style result
read with the shipped layout next to a generated portfolio, then matched, resolved, held and
exported. A status that echoes the account attaches when its identifiers agree, one without a
reference goes through the matcher, the father's active duty does not flag his namesake son,
and the flag, the exports' legal-hold columns and explain all name the DMDC file's line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
import yaml

from skiptrace import sql
from skiptrace.flows.audit.lineage import explain_account
from tests.pipeline import copy_portfolio, portfolio_params, run_stages

RUN = "20261101T000000Z-scra"
HEADER = (
    "SSN,DATE_OF_BIRTH,LAST_NAME,FIRST_NAME,MIDDLE_NAME,CUSTOMER_RECORD_ID,"
    "ACTIVE_DUTY_STATUS_DATE,ACTIVE_DUTY_STATUS,ACTIVE_DUTY_START_DATE,ACTIVE_DUTY_END_DATE,"
    "LEFT_ACTIVE_DUTY_WITHIN_367_DAYS,REPORT_DATE"
)


def ymd(day: dt.date | str) -> str:
    if isinstance(day, str):  # the generator writes dates of birth as MM/DD/YYYY
        day = dt.datetime.strptime(day, "%m/%d/%Y").date()
    return day.strftime("%Y%m%d")


@pytest.fixture(scope="module")
def run(small_portfolio, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("scra")
    pf = copy_portfolio(small_portfolio, root / "portfolio")
    accounts = pl.read_csv(pf.accounts_path, infer_schema=False)
    # clean rows only: the generator also writes the defects ingest repairs
    people = accounts.filter(
        pl.col("ssn").str.contains(r"^[1-7][0-9]{8}$") & pl.col("suffix").is_null()
        & pl.col("dob").str.contains(r"^[01][0-9]/[0-3][0-9]/(19|20)[0-9]{2}$")
        & pl.col("first_name").str.contains(r"^[A-Z]+$")
        & pl.col("last_name").str.contains(r"^[A-Z]+$")
    ).head(6).to_dicts()  # fmt: skip
    cases = dict(zip(("REF", "MATCHED", "DISPUTED", "TAIL", "STALE", "SON"), people, strict=True))
    # the son carries JR; his father (same name, born 27 years earlier, his own SSN) serves
    son = cases["SON"]["account_id"]
    accounts = accounts.with_columns(
        pl.when(pl.col("account_id") == son).then(pl.lit("JR")).otherwise(pl.col("suffix"))
        .alias("suffix")
    )  # fmt: skip
    accounts.write_csv(pf.accounts_path)
    as_of, fresh = pf.as_of, ymd(pf.as_of - dt.timedelta(days=5))

    def row(p: dict[str, Any], ref: str, active: str, **kw: str) -> str:
        values = [
            kw.get("ssn", p["ssn"]), kw.get("dob", ymd(p["dob"])), p["last_name"],
            p["first_name"], "", ref, kw.get("day", fresh), active, kw.get("start", ""),
            kw.get("end", ""), "No", kw.get("day", fresh),
        ]  # fmt: skip
        return ",".join(values)

    father_dob = ymd(
        dt.datetime.strptime(cases["SON"]["dob"], "%m/%d/%Y").date().replace(year=1950)
    )
    lines = [
        HEADER,
        row(cases["REF"], cases["REF"]["account_id"], "Yes", start="20240101"),
        row(cases["MATCHED"], "", "Yes", start="20250301"),
        row(cases["DISPUTED"], cases["DISPUTED"]["account_id"], "Yes", ssn="219099999",
            dob="19400101"),
        row(cases["TAIL"], cases["TAIL"]["account_id"], "No", start="20200101",
            end=ymd(as_of - dt.timedelta(days=200))),
        row(cases["STALE"], cases["STALE"]["account_id"], "No",
            day=ymd(as_of - dt.timedelta(days=90))),
        row(cases["SON"], "", "Yes", ssn="219098888", dob=father_dob, start="20230101"),
    ]  # fmt: skip
    (pf.sources_path.parent / "scra_2026-10.csv").write_text("\n".join(lines) + "\n")
    registry = yaml.safe_load(pf.sources_path.read_text())
    registry["sources"].append(
        {"name": "dmdc", "profile": "dmdc_scra_csv", "path": "scra_*.csv", "reliability": 0.99,
         "permissible_purpose": "SCRA 50 USC 3931: military status before legal action"}
    )  # fmt: skip
    pf.sources_path.write_text(yaml.safe_dump(registry))

    params = portfolio_params(pf, root / "st.duckdb")
    con = sql.connect(params.db)
    run_stages(con, params, RUN)
    ids = {k: v["account_id"] for k, v in cases.items()}
    yield con, params.out / RUN, ids
    con.close()


def flags(con: Any, account_id: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT flag, evidence FROM account_flags WHERE run_id = ? AND account_id = ?"
        " AND flag LIKE 'scra%'",
        [RUN, account_id],
    ).fetchall()
    return dict(rows)


def test_status_rows_reach_the_right_accounts(run: Any) -> None:
    con, _, ids = run
    ref = flags(con, ids["REF"])
    assert set(ref) == {"scra_active_duty"}
    assert "attached by the account reference (SSN agrees)" in ref["scra_active_duty"]
    assert "dmdc scra_2026-10.csv:2" in ref["scra_active_duty"]
    matched = flags(con, ids["MATCHED"])["scra_active_duty"]
    assert "matched to the account holder" in matched and "scra_2026-10.csv:3" in matched
    assert set(flags(con, ids["DISPUTED"])) == {"scra_disputed"}
    assert "protected until" in flags(con, ids["TAIL"])["scra_active_duty"]
    assert set(flags(con, ids["STALE"])) == {"scra_status_stale"}
    # the father's active duty: not the son's
    assert flags(con, ids["SON"]) == {}
    son_pairs = con.execute(
        "SELECT role FROM match_pairs m JOIN source_records r USING (rec_id)"
        " WHERE m.run_id = ? AND m.account_id = ? AND r.kind = 'military_status'",
        [RUN, ids["SON"]],
    ).fetchall()
    assert all(role != "debtor" for (role,) in son_pairs)


def test_exports_carry_the_legal_hold(run: Any) -> None:
    _, out, ids = run
    fl = pl.read_csv(out / "account_flags.csv", infer_schema=False)
    assert fl.columns[-1] == "legal_hold"
    held = set(fl.filter(pl.col("legal_hold") == "Y")["account_id"])
    assert {ids["REF"], ids["MATCHED"], ids["TAIL"], ids["DISPUTED"]} <= held
    assert ids["STALE"] not in held and ids["SON"] not in held
    wl = pl.read_csv(out / "worklist.csv", infer_schema=False)
    assert wl.columns[-1] == "legal_hold"
    legal = wl.filter(pl.col("action") == "legal_hold")
    assert set(legal["account_id"]) == {ids["REF"], ids["MATCHED"], ids["TAIL"], ids["DISPUTED"]}
    assert all("no legal action (SCRA" in r for r in legal["reasons"])
    assert set(wl.filter(pl.col("legal_hold") == "Y")["account_id"]) == set(legal["account_id"])
    # contact is allowed: the holder's contacts are exported, not suppressed or held
    contacts = pl.read_csv(out / "contacts.csv", infer_schema=False)
    mine = contacts.filter(pl.col("account_id") == ids["REF"])
    assert mine.height > 0 and set(mine["on_hold"]) == {"N"}
    assert all(r.startswith("LEGAL HOLD: SCRA") for r in mine["reasons"])


def test_explain_names_the_dates_and_the_source_line(run: Any) -> None:
    con, _, ids = run
    doc = explain_account(con, ids["TAIL"], RUN)
    (flag,) = [f for f in doc["account_flags"] if f["flag"] == "scra_active_duty"]
    assert "left active duty on " in flag["evidence"]
    assert "dmdc scra_2026-10.csv:5" in flag["evidence"]
    assert flag["records"] == "dmdc:scra_2026-10.csv:5"
    (hold,) = [s for s in doc["account_suppressions"] if s["rule"] == "scra_active_duty"]
    assert hold["action"] == "legal_hold"
