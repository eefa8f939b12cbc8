"""`skiptrace rejects --fields`: field issues with masked values, next to quarantined rows."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skiptrace import sql
from skiptrace.flows.cli.main import app
from skiptrace.sources.ingest import ingest_accounts
from skiptrace.sources.registry import AccountProfile


def test_rejects_fields_lists_masked_field_issues(tmp_path: Path) -> None:
    db = tmp_path / "st.duckdb"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,first_name,last_name,ssn,dob\n"
        "A1,Ann,Lee,000-12-3456,1980-02-30\n"
        "A2,Bob,Roe,123-54-6789,25/12/1980\n"
        "A3,Too,Few\n"
    )
    con = sql.connect(db)
    ingest_accounts(con, accounts, AccountProfile(), "r1")
    con.close()
    result = CliRunner().invoke(app, ["rejects", "--fields", "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    got = {(r["line_no"], r["column_name"]): (r["reason"], r["value_masked"]) for r in rows}
    assert got == {
        (2, "dob"): ("unparseable_date", "####-##-##"),  # personal: its shape only
        (2, "ssn"): ("invalid_ssn", "***-**-3456"),
        (3, "dob"): ("repaired_date_day_month", "##/##/####"),
    }
    assert "000-12-3456" not in result.output
    plain = CliRunner().invoke(app, ["rejects", "--json", "--db", str(db)])
    assert [json.loads(x)["line_no"] for x in plain.output.splitlines() if x.strip()] == [4]
    table = CliRunner().invoke(app, ["rejects", "--fields", "--run", "r1", "--db", str(db)])
    assert table.exit_code == 0 and "Field issues of run r1" in table.output
