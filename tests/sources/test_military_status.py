"""`military_status` sources: a DMDC-style SCRA result read with the shipped layout
(`profile: dmdc_scra_csv`): dates and yes/no answers typed, bad dates nulled and reported,
broken rows quarantined, the SSN never stored as delivered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from skiptrace.sources.errors import ProfileError, RegistryError
from skiptrace.sources.ingest import ingest_source, list_field_issues, list_rejects
from skiptrace.sources.registry import Source, load_profile, load_registry

HEADER = (
    "SSN,DATE_OF_BIRTH,LAST_NAME,FIRST_NAME,MIDDLE_NAME,CUSTOMER_RECORD_ID,"
    "ACTIVE_DUTY_STATUS_DATE,ACTIVE_DUTY_STATUS,ACTIVE_DUTY_START_DATE,ACTIVE_DUTY_END_DATE,"
    "LEFT_ACTIVE_DUTY_WITHIN_367_DAYS,REPORT_DATE"
)
SSNS = ("623456789", "623-45-1111", "623451234")


def dmdc_file(path: Path) -> Path:
    path.write_text(
        "\n".join(
            [
                HEADER,
                # on active duty, a projected end after the as-of date (loaded, not a defect)
                f"{SSNS[0]},19900214,RIVERA,MARCO,J,A-100,20250520,Yes,20230101,20270630,No,20250521",
                # left within 367 days; an unreadable start date, a status date in the future
                f"{SSNS[1]},19850302,COLE,DANA,,A-101,20990101,No,2022-13-45,20250110,Yes,20250521",
                # not on active duty, no reference (to be matched)
                f"{SSNS[2]},19700707,STONE,PAUL,,,20250520,No,,,No,20250521",
                # a shifted row (one field too many): quarantined
                f"{SSNS[0]},19900214,RIVERA,MARCO,J,A-100,20250520,Yes,20230101,20270630,No,20250521,X",
                # no answer at all: quarantined (the kind requires the active-duty status)
                "623459999,19900214,GRAY,LEE,,A-102,20250520,,,,,20250521",
                # an unreadable answer: loaded as yes, reported
                "623458888,19910101,HALE,JO,,A-103,20250520,Maybe,,,No,20250521",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def dmdc_source(path: Path) -> Source:
    return Source(
        name="dmdc",
        kind="military_status",
        profile="dmdc_scra_csv",
        path=str(path),
        reliability=0.99,
        permissible_purpose="SCRA 50 USC 3931: military status before legal action",
    )


def test_dmdc_result_loads_typed_with_defects_nulled_and_broken_rows_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('r1', DATE '2025-06-01', 'running')"
    )
    src = dmdc_source(dmdc_file(tmp_path / "scra_2025-05.csv"))
    assert src.kind == "military_status" and src.columns["account_id"] == "CUSTOMER_RECORD_ID"
    (res,) = ingest_source(con, src, "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (6, 4, 2)
    got = con.execute(
        "SELECT account_id, last_name, dob, ssn_last4, scra_status_date, scra_active_duty,"
        " scra_start_date, scra_end_date, scra_left_within_367, scra_report_date, record_date"
        " FROM source_records ORDER BY line_no"
    ).fetchall()
    d = dt.date
    assert got == [
        ("A-100", "RIVERA", d(1990, 2, 14), "6789", d(2025, 5, 20), True, d(2023, 1, 1),
         d(2027, 6, 30), False, d(2025, 5, 21), d(2025, 5, 21)),
        ("A-101", "COLE", d(1985, 3, 2), "1111", None, False, None, d(2025, 1, 10), True,
         d(2025, 5, 21), d(2025, 5, 21)),
        (None, "STONE", d(1970, 7, 7), "1234", d(2025, 5, 20), False, None, None, False,
         d(2025, 5, 21), d(2025, 5, 21)),
        ("A-103", "HALE", d(1991, 1, 1), "8888", d(2025, 5, 20), True, None, None, False,
         d(2025, 5, 21), d(2025, 5, 21)),
    ]  # fmt: skip
    issues = {
        (r["column_name"], r["reason"], r["action"]) for r in list_field_issues(con).to_dicts()
    }
    assert issues == {
        ("scra_start_date", "unparseable_date", "nulled"),
        ("scra_status_date", "future_date", "nulled"),
        ("scra_active_duty", "invalid_flag", "treated_as_set"),
    }
    reasons = sorted(r["reason"] for r in list_rejects(con).to_dicts())
    assert reasons == [
        "missing_value: scra_active_duty",
        "wrong_field_count: 13 fields, expected 12",
    ]
    # a status row is not contact evidence
    assert con.execute("SELECT count(*) FROM source_contacts").fetchone() == (0,)


def test_the_ssn_is_never_stored_as_delivered(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Every text column of every table is searched for the SSNs' first five digits (the last
    four are kept on purpose)."""
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('r1', DATE '2025-06-01', 'running')"
    )
    ingest_source(con, dmdc_source(dmdc_file(tmp_path / "scra.csv")), "r1")
    tables = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns()"
        " WHERE database_name = current_database() AND NOT internal"
        " AND data_type = 'VARCHAR' AND schema_name = 'main'"
    ).fetchall()
    heads = {s.replace("-", "")[:5] for s in SSNS} | {"62345"}
    for table, column in tables:
        for head in heads:
            hits = con.execute(
                f'SELECT count(*) FROM "{table}" WHERE regexp_matches('
                f"regexp_replace(CAST(\"{column}\" AS VARCHAR), '[^0-9]', '', 'g'), ?)",
                [head + "[0-9]{4}"],
            ).fetchone()
            assert hits == (0,), (table, column)


def test_the_shipped_layout_is_a_source_profile_not_an_account_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="profile: dmdc_scra_csv"):
        load_profile("dmdc_scra_csv")
    with pytest.raises(ProfileError) as exc:
        load_profile("no_such_profile")
    assert "dmdc_scra_csv" not in str(exc.value) and "acme_csv" in str(exc.value)
    reg = tmp_path / "sources.yml"
    reg.write_text(
        "sources:\n"
        "  - name: dmdc\n    profile: dmdc_scra_csv\n    path: scra.csv\n"
        "    reliability: 0.99\n    permissible_purpose: SCRA check\n"
        "    columns: {account_id: MATTER_ID}\n",
        encoding="utf-8",
    )
    (src,) = load_registry(reg).sources
    assert src.kind == "military_status" and src.columns["account_id"] == "MATTER_ID"
    assert src.columns["ssn"] == "SSN" and src.date_formats == ["%Y%m%d"]
    reg.write_text(reg.read_text().replace("profile:", "kind: bankruptcy\n    profile:"))
    with pytest.raises(RegistryError, match="for kind 'military_status'"):
        load_registry(reg)
