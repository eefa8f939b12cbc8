"""The privacy audit's planted SSNs end to end (stages without Prefect, real DuckDB): SSNs typed
into the wrong field with separators the check used to miss, full-width digits, SSNs as record
ids, case numbers, courts, carriers and phone types reach no table and no output."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import duckdb
import pytest

from skiptrace import sql
from tests.pipeline import copy_portfolio, portfolio_params, run_stages

FW = {ord(str(d)): chr(0xFF10 + d) for d in range(10)}
ACCOUNTS = [
    {"address_line1": "12 MAIN ST 531  77  0027"},
    {"address_line1": "531\u201377\u20130028 MAIN ST"},
    {"address_line1": "531 - 77 - 0032"},
    {"address_line1": "12 MAIN ST 531\u00a077\u00a00097"},
    {"middle_name": "531770036".translate(FW)},
    {"last_name": "SMITH 531\uff0d77\uff0d0033"},
    {"email": "531 - 77 - 0090@x.com"},
    {"phone": "531 - 77 - 0095"},
    {"dob": "531  77  0096"},
    {"account_id": "531-77-0070"},
    {"address_line2": "APT 531,77,0029"},
    {"city": "531\u200b77\u200b0030"},
]
VENDOR = [
    {"REC_ID": "531770050", "SSN": "531-77-0050"},  # the row's own SSN as its id
    {"PHONE1_CARRIER": "CARRIER 531-77-0051", "PHONE1_TYPE": "531770052"},
]
PLANTED = [f"5317700{n:02d}" for n in (27, 28, 29, 30, 32, 33, 36, 50, 51, 52, 62, 63, 67, 70)]
PLANTED += [f"5317700{n:02d}" for n in (90, 95, 96, 97)]


def plant(path: Path, delimiter: str, changes: list[dict[str, str]]) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    for row, change in zip(rows[1:], changes, strict=False):
        for column, value in change.items():
            row[rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)


def planted_in(text: str) -> list[str]:
    """The planted SSNs whose digits a text holds, however separated or spelled."""
    found = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))
    return [s for s in PLANTED if s in found]


@pytest.fixture(scope="module")
def run(small_portfolio, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ssnshapes")
    pf = copy_portfolio(small_portfolio, root / "portfolio")
    folder = pf.accounts_path.parent
    plant(pf.accounts_path, ",", ACCOUNTS)
    plant(folder / "vendor_acme_batch.psv", "|", VENDOR)
    plant(folder / "ncoa_moves.csv", ",", [{"NCOA_ID": "531-77-0067"}])
    plant(folder / "bankruptcy.csv", ",", [{"CASE_NUMBER": "531-77-0062", "COURT": "531770063"}])
    params = portfolio_params(pf, root / "st.duckdb")
    run_id = "20261101T000000Z-ssnshapes"
    con = sql.connect(params.db)
    run_stages(con, params, run_id)
    yield con, params.out / run_id
    con.close()


def test_each_planted_ssn_is_caught_with_a_reason(run) -> None:
    con, _ = run
    got = con.execute(
        "SELECT source, column_name, reason FROM field_issues WHERE reason LIKE 'ssn_%'"
    ).fetchall()
    assert sorted(got) == sorted(
        [("accounts", c, "ssn_in_field") for c in (
            "address_line1", "address_line1", "address_line1", "address_line1", "middle_name",
            "last_name", "email", "phone", "address_line2", "city")]
        + [("acme", "record_id", "ssn_as_key"), ("acme", "carrier#1", "ssn_in_field"),
           ("acme", "phone_type#1", "ssn_in_field"), ("ncoa", "record_id", "ssn_in_key"),
           ("bankruptcy", "bk_case_number", "ssn_in_field"),
           ("bankruptcy", "bk_district", "ssn_in_field")]
    )  # fmt: skip
    assert con.execute("SELECT reason FROM quarantine WHERE source = 'accounts'").fetchall() == [
        ("ssn_in_key: account_id",)
    ]
    dob = con.execute("SELECT reason, value_masked FROM field_issues WHERE column_name = 'dob'")
    assert ("unparseable_date", "###  ##  ####") in dob.fetchall()


def test_no_planted_ssn_in_any_table_or_output(run) -> None:
    con, out = run
    columns = con.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' AND c.data_type = 'VARCHAR'"
    ).fetchall()
    assert len(columns) > 100
    leaks = []
    for table, column in columns:
        values = con.execute(
            f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
        ).fetchall()
        leaks += [(table, column, v) for (v,) in values if planted_in(v)]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "contacts.csv" for p in files) and len(files) > 5
    for path in files:
        if path.suffix == ".parquet":
            rows = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            text = "\n".join("|".join(str(v) for v in row if v is not None) for row in rows)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [(path.name, "", line) for line in text.splitlines() if planted_in(line)]
    assert leaks == []
