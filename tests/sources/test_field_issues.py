"""Field defects load the row with the field NULL and a field issue; unambiguous repairs load the
repaired value; `on_field_error: reject` keeps the old strictness; no raw SSN is recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace.sources.ingest import ingest_accounts, ingest_source
from skiptrace.sources.registry import AccountProfile, Source

HEADER = "id,first,last,ssn,dob,addr,city,st,zip,phone,email,seen,dod"  # person_records columns
COLUMNS = {
    "record_id": "id", "first_name": "first", "last_name": "last", "ssn": "ssn", "dob": "dob",
    "address_line1": "addr", "city": "city", "state": "st", "zip": "zip", "phone": "phone",
    "email": "email", "last_seen": "seen", "date_of_death": "dod",
}  # fmt: skip
GOOD = {
    "id": "R0", "first": "John", "last": "Smith", "ssn": "123-54-6789", "dob": "1980-03-04",
    "addr": "1 Main St", "city": "Springfield", "st": "IL", "zip": "62701",
    "phone": "(217) 555-0134", "email": "john@example.com", "seen": "2024-01-15", "dod": "",
}  # fmt: skip


def line(**changes: str) -> str:
    row = {**GOOD, **changes}
    return ",".join(row[c] for c in HEADER.split(","))


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def person_source(path: Path, kind: str = "person_records", **kw: Any) -> Source:
    return Source(
        name=kw.pop("name", "people"), kind=kind, path=str(path), reliability=0.7,
        permissible_purpose="collection", columns=COLUMNS, **kw,
    )  # fmt: skip


def issues(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], tuple[str, str, str]]:
    got = con.execute(
        "SELECT line_no, column_name, reason, action, value_masked FROM field_issues"
    ).fetchall()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in got}


def record(con: duckdb.DuckDBPyConnection, line_no: int, column: str) -> Any:
    return con.execute(
        f"SELECT {column} FROM source_records WHERE line_no = ?", [line_no]
    ).fetchall()[0][0]


DEFECTS = [
    # (changes, column_name, reason, loaded column checked for NULL)
    ({"ssn": "000-12-3456"}, "ssn", "invalid_ssn", "ssn_hash"),
    ({"ssn": "12345"}, "ssn", "invalid_ssn", "ssn_hash"),
    # placeholder SSNs (never issued) however typed, a repairable spelling included
    ({"ssn": "078-05-1120"}, "ssn", "placeholder_ssn", "ssn_hash"),
    ({"ssn": "219099999"}, "ssn", "placeholder_ssn", "ssn_hash"),
    ({"ssn": "123/45/6789"}, "ssn", "placeholder_ssn", "ssn_hash"),
    ({"ssn": "78051120"}, "ssn", "placeholder_ssn", "ssn_hash"),
    ({"ssn": "888 88 8888"}, "ssn", "placeholder_ssn", "ssn_hash"),
    ({"dob": "1980-02-30"}, "dob", "unparseable_date", "dob"),
    ({"dob": "soon"}, "dob", "unparseable_date", "dob"),
    ({"dob": "1850-01-01"}, "dob", "implausible_date", "dob"),
    ({"dob": "2030-01-01"}, "dob", "implausible_date", "dob"),
    ({"dob": "1900-01-01"}, "dob", "placeholder_date", "dob"),  # legacy "unknown"
    ({"dob": "01/01/1901"}, "dob", "placeholder_date", "dob"),
    ({"seen": "2099-12-31"}, "last_seen", "future_date", "last_seen"),  # issue 19 case 7
    ({"st": "XX"}, "state", "invalid_state", "state"),
    ({"zip": "6270"}, "zip", "repaired_zip_leading_zero", None),  # a repair, not a defect
    ({"zip": "ABCDE"}, "zip", "invalid_zip", "zip"),
    ({"phone": "555-0134"}, "phone", "invalid_phone", "phone"),
    ({"email": "john at example"}, "email", "invalid_email", "email"),
    ({"email": "patrick.@gmail.com"}, "email", "invalid_email", "email"),  # dot before the @
    ({"email": ".patrick@gmail.com"}, "email", "invalid_email", "email"),  # leading dot
    ({"email": "pat..rick@gmail.com"}, "email", "invalid_email", "email"),  # two dots in a row
    ({"email": "carl@gmail.com.."}, "email", "invalid_email", "email"),  # not one trailing dot
    # issue 19 case 4: SSN-shaped values typed into other fields
    ({"addr": "219-09-9999"}, "address_line1", "ssn_in_field", "address_line1"),
    ({"first": "219 09 9999"}, "first_name", "ssn_in_field", "first_name"),
    ({"phone": "219099999"}, "phone", "ssn_in_field", "phone"),
    ({"email": "219-09-9999@example.com"}, "email", "ssn_in_field", "email"),
    # separators standardization turns into spaces ('623 45 6789 MAIN ST' in the contacts)
    ({"addr": "219_09_9999 Main St"}, "address_line1", "ssn_in_field", "address_line1"),
    ({"addr": "219/09/9999 Main St"}, "address_line1", "ssn_in_field", "address_line1"),
]


@pytest.mark.parametrize(("changes", "column", "reason", "loaded"), DEFECTS)
def test_each_field_defect_nulls_the_field_and_records_an_issue(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    changes: dict[str, str],
    column: str,
    reason: str,
    loaded: str | None,
) -> None:
    path = write(tmp_path / "p.csv", HEADER, line(), line(id="R1", **changes))
    (res,) = ingest_source(con, person_source(path), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected, res.field_issues) == (2, 2, 0, 1)
    got = issues(con)
    assert list(got) == [(3, column)]
    assert got[(3, column)][0] == reason
    if loaded is not None:
        assert got[(3, column)][1] == "nulled"
        assert record(con, 3, loaded) is None and record(con, 2, loaded) is not None
    assert record(con, 3, "last_name") == "Smith"  # the rest of the row is there


def test_no_raw_ssn_in_field_issues(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.csv",
        HEADER,
        line(id="R1", ssn="000-12-3456"),
        line(id="R2", addr="219-09-9999 Main St"),
        line(id="R3", first="JOHN 078051120"),
        line(id="R4", ssn="12345678"),  # repaired (lost leading zero)
        line(id="R5", ssn="123/54/6789"),  # repaired (separators)
    )
    ingest_source(con, person_source(path), "r1")
    values = [v[2] for v in issues(con).values()]
    assert len(values) == 5
    text = " ".join(values)
    for raw in ("000-12-3456", "219-09-9999", "078051120", "12345678", "123/54/6789"):
        assert raw not in text, raw
    # personal fields keep their shape only (as `skiptrace rejects` shows lines)
    assert "###-##-#### **** **" in text and "**** #########" in text
    assert con.execute(
        "SELECT count(*) FROM source_records WHERE address_line1 LIKE '%9999%'"
    ).fetchone() == (0,)


def test_ssn_check_per_row_flags_only_the_field_holding_the_run(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """One regex over a row's checked fields joined picks the rows; the field test then names
    the field. Digits split across two fields are no SSN (the join adds no match), and two
    fields with a run each are both flagged."""
    path = write(
        tmp_path / "p.csv",
        HEADER,
        line(id="R1", email="219-09-9999@example.com"),  # the last checked field only
        line(id="R2", addr="1 Main St 219-09", city="9999 Springfield"),  # split: clean
        line(id="R3", first="219 09 9999", addr="078-05-1120"),  # two fields
    )
    ingest_source(con, person_source(path), "r1")
    assert {k: v[0] for k, v in issues(con).items()} == {
        (2, "email"): "ssn_in_field",
        (4, "first_name"): "ssn_in_field",
        (4, "address_line1"): "ssn_in_field",
    }
    assert record(con, 3, "address_line1") == "1 Main St 219-09"
    assert record(con, 2, "phone") is not None  # the other fields of a flagged row are kept


def test_ssn_any_is_one_regex_over_the_joined_fields() -> None:
    from skiptrace.sources.validate import SSN_IN_TEXT_RE, ssn_any_sql

    con = duckdb.connect()
    cases = [
        (("a 123-54-6789", None), True),
        ((None, "x123546789"), True),
        (("123-45", "6789"), False),  # never across the separator
        (("1234567890", "ab"), False),  # a longer digit run is not an SSN
        ((None, None), False),
    ]
    for (a, b), want in cases:
        got = con.execute(f"SELECT {ssn_any_sql(['$a', '$b'])}", {"a": a, "b": b}).fetchone()
        per_field = any(
            con.execute(
                "SELECT regexp_matches($v, $re)", {"v": v, "re": SSN_IN_TEXT_RE}
            ).fetchall()[0][0]
            for v in (a, b)
            if v is not None
        )
        assert got == (want,) and per_field == want, (a, b)


REPAIRS = [
    # (changes, column, reason, loaded column, expected value)
    ({"dob": "25/12/1980"}, "dob", "repaired_date_day_month", "dob", dt.date(1980, 12, 25)),
    ({"dob": "1980-25-12"}, "dob", "repaired_date_day_month", "dob", dt.date(1980, 12, 25)),
    ({"dob": "19802512"}, "dob", "repaired_date_day_month", "dob", dt.date(1980, 12, 25)),
    ({"dob": "1980/12/25"}, "dob", "repaired_date_format", "dob", dt.date(1980, 12, 25)),
    ({"dob": "12-25-1980"}, "dob", "repaired_date_format", "dob", dt.date(1980, 12, 25)),
    ({"dob": "12.25.1980"}, "dob", "repaired_date_format", "dob", dt.date(1980, 12, 25)),
    ({"dob": "3/4/80"}, "dob", "repaired_date_two_digit_year", "dob", dt.date(1980, 3, 4)),
    ({"phone": "4045550134 4045550134"}, "phone", "repaired_phone_repeated", "phone", "4045550134"),
    ({"phone": "(404) 555-0134 / 404.555.0134"}, "phone", "repaired_phone_repeated", "phone",
     "4045550134"),
    ({"seen": "3/4/19"}, "last_seen", "repaired_date_two_digit_year", "last_seen", dt.date(2019, 3, 4)),
    # a year of birth takes the century that makes the debtor at least 16, not an infant
    ({"dob": "3/4/19"}, "dob", "repaired_date_two_digit_year", "dob", dt.date(1919, 3, 4)),
    ({"dob": "3/4/09"}, "dob", "repaired_date_two_digit_year", "dob", dt.date(2009, 3, 4)),
    ({"ssn": "123/54/6789"}, "ssn", "repaired_ssn_separators", "ssn_last4", "6789"),
    ({"ssn": "123_54_6789"}, "ssn", "repaired_ssn_separators", "ssn_last4", "6789"),
    ({"ssn": "12345678"}, "ssn", "repaired_ssn_leading_zero", "ssn_last4", "5678"),
    ({"zip": "2134"}, "zip", "repaired_zip_leading_zero", "zip", "02134"),
    ({"email": "carl@gmail.com."}, "email", "repaired_email_trailing_dot", "email",
     "carl@gmail.com"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "column", "reason", "loaded", "value"), REPAIRS)
def test_each_repair_loads_the_repaired_value_and_records_it(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    changes: dict[str, str],
    column: str,
    reason: str,
    loaded: str,
    value: Any,
) -> None:
    path = write(tmp_path / "p.csv", HEADER, line(id="R1", **changes))
    (res,) = ingest_source(con, person_source(path), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (1, 0)
    assert issues(con)[(2, column)][:2] == (reason, "repaired")
    assert record(con, 2, loaded) == value


def test_repaired_ssns_hash_like_the_plain_form(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "p.csv", HEADER, line(id="R1", ssn="012-34-5678"), line(id="R2", ssn="12345678"),
        line(id="R3", ssn="012_34_5678"),
    )  # fmt: skip
    ingest_source(con, person_source(path), "r1")
    hashes = con.execute("SELECT DISTINCT ssn_hash FROM source_records").fetchall()
    assert len(hashes) == 1 and hashes[0][0] is not None


def test_two_digit_year_pivot_follows_the_as_of_date(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('r2010', DATE '2010-06-01', 'running')"
    )
    path = write(
        tmp_path / "p.csv", HEADER, line(id="R1", dob="3/4/15"), line(id="R2", dob="3/4/94"),
        line(id="R3", dob="3/4/05"), line(id="R4", seen="3/4/05"),
        line(id="R5", dob="12/31/94"), line(id="R6", dob="6/1/94"),
    )  # fmt: skip
    ingest_source(con, person_source(path), "r2010")
    assert record(con, 2, "dob") == dt.date(1915, 3, 4)  # 2015 would be after the as-of year
    assert record(con, 3, "dob") == dt.date(1994, 3, 4)  # 16 at the as-of date
    assert record(con, 4, "dob") == dt.date(1905, 3, 4)  # 2005: a child of five, not a debtor
    assert record(con, 5, "last_seen") == dt.date(2005, 3, 4)  # other dates: the as-of year
    # by date, not year: born 1994-12-31 would be 15 on 2010-06-01; 1994-06-01 is 16 that day
    assert record(con, 6, "dob") == dt.date(1894, 12, 31)
    assert record(con, 7, "dob") == dt.date(1994, 6, 1)


def test_a_declared_format_reads_only_values_of_its_shape(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A source's own date format used to be tried unguarded, and DuckDB's strptime is lenient:
    declared '%m/%d/%Y' read Excel's re-saved '4/2/25' as the year 25, '%Y%m%d' read seven
    digits as a date. A value that does not have the format's shape now falls through to the
    built-ins and the repair, and what none of them reads is reported, not loaded wrong."""
    path = write(
        tmp_path / "p.csv", HEADER, line(id="R1", seen="4/2/25"), line(id="R2", seen="1982065"),
        line(id="R3", seen="4/2/2025"), line(id="R4", seen="0025-04-02"),
    )  # fmt: skip
    ingest_source(con, person_source(path, date_formats=["%m/%d/%Y", "%Y%m%d"]), "r1")
    got = issues(con)
    assert record(con, 2, "last_seen") == dt.date(2025, 4, 2)
    assert got[(2, "last_seen")][:2] == ("repaired_date_two_digit_year", "repaired")
    assert got[(3, "last_seen")][:2] == ("unparseable_date", "nulled")
    assert record(con, 4, "last_seen") == dt.date(2025, 4, 2)  # the declared shape
    assert (4, "last_seen") not in got
    # no date this pipeline reads lies before 1880, whatever the field
    assert got[(5, "last_seen")][:2] == ("implausible_date", "nulled")


def test_future_dates_follow_the_run_as_of(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('old', DATE '2023-01-01', 'running')"
    )
    path = write(tmp_path / "p.csv", HEADER, line(id="R1", seen="2024-01-15"))
    ingest_source(con, person_source(path), "old")
    assert issues(con)[(2, "last_seen")][0] == "future_date"
    assert con.execute(
        "SELECT count(*) FROM source_contacts WHERE last_seen IS NOT NULL"
    ).fetchone() == (0,)


@pytest.mark.parametrize("on_field_error", ["null", "reject"])
def test_event_dates_after_the_as_of_are_kept_with_a_note(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, on_field_error: str
) -> None:
    """A death, a court's date or a move dated after the loading run's as-of date is loaded as
    delivered: resolve judges it against its own as-of date (a death after it is disputed, a
    move effective after it not applied yet), and a later run must still see it. Nulled at
    load, it was judged against the loading run's as-of date for good (a seen date still is:
    test_future_dates_follow_the_run_as_of). `reject` quarantines none of them."""
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('early', DATE '2026-07-15', 'running')"
    )
    dmf = write(
        tmp_path / "dmf.csv", HEADER, line(id="D1", dod="08/01/2026"),
        line(id="D2", dod="2026-07-15"),
    )  # fmt: skip
    bk = write(
        tmp_path / "bk.csv", "id,name,filed,discharged,dismissed",
        "B1,AARON FUTUREBK,08/01/2026,,", "B2,DINA FUTUREDISM,01/10/2026,09/02/2026,07/16/2026",
    )  # fmt: skip
    ncoa = write(
        tmp_path / "ncoa.csv", "id,name,addr,zip,eff", "N1,JAY MOVER,1 Oak St,43215,202608"
    )
    kw: dict[str, Any] = {"reliability": 0.9, "permissible_purpose": "collection",
                          "on_field_error": on_field_error}  # fmt: skip
    sources = [
        person_source(dmf, kind="deceased", name="dmf", on_field_error=on_field_error),
        Source(name="court", kind="bankruptcy", path=str(bk), **kw, columns={
            "record_id": "id", "full_name": "name", "bk_filing_date": "filed",
            "bk_discharge_date": "discharged", "bk_dismissal_date": "dismissed"}),
        Source(name="usps", kind="ncoa", path=str(ncoa), date_formats=["%Y%m"], **kw, columns={
            "record_id": "id", "full_name": "name", "address_line1": "addr", "zip": "zip",
            "move_effective_date": "eff"}),
    ]  # fmt: skip
    for source in sources:
        (res,) = ingest_source(con, source, "early")
        assert res.rows_rejected == 0, source.name
    got = con.execute(
        "SELECT record_id, date_of_death, bk_filing_date, bk_discharge_date, bk_dismissal_date,"
        " move_effective_date FROM source_records ORDER BY record_id"
    ).fetchall()
    d = dt.date
    assert got == [
        ("B1", None, d(2026, 8, 1), None, None, None),
        ("B2", None, d(2026, 1, 10), d(2026, 9, 2), d(2026, 7, 16), None),
        ("D1", d(2026, 8, 1), None, None, None, None),
        ("D2", d(2026, 7, 15), None, None, None, None),
        ("N1", None, None, None, None, d(2026, 8, 1)),
    ]
    noted = con.execute(
        "SELECT source, line_no, column_name, reason, action, value_masked FROM field_issues"
        " ORDER BY source, line_no, column_name"
    ).fetchall()
    assert noted == [
        ("court", 2, "bk_filing_date", "future_date", "kept", "08/01/2026"),
        ("court", 3, "bk_discharge_date", "future_date", "kept", "09/02/2026"),
        ("court", 3, "bk_dismissal_date", "future_date", "kept", "07/16/2026"),
        ("dmf", 2, "date_of_death", "future_date", "kept", "08/01/2026"),
        ("usps", 2, "move_effective_date", "future_date", "kept", "202608"),
    ]


def test_death_record_with_an_unrepairable_date_is_still_a_death_record(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "dmf.csv",
        HEADER,
        line(id="D1", dod="2023-13-45"),
        line(id="D2", dod="31/12/2023"),
    )
    (res,) = ingest_source(con, person_source(path, kind="deceased", name="dmf"), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (2, 0)
    got = con.execute(
        "SELECT record_id, kind, date_of_death FROM source_records ORDER BY record_id"
    ).fetchall()
    assert got == [("D1", "deceased", None), ("D2", "deceased", dt.date(2023, 12, 31))]
    assert issues(con)[(2, "date_of_death")][:2] == ("unparseable_date", "nulled")
    assert issues(con)[(3, "date_of_death")][0] == "repaired_date_day_month"


@pytest.mark.parametrize("on_field_error", ["null", "reject"])
def test_a_death_after_the_records_own_report_date_is_a_wrong_date(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, on_field_error: str
) -> None:
    """No file reports a death that has not happened: a date of death after the record's report
    date (its source's `record_date`: an ISO date or a column) is a keying error in the date.
    It is nulled (`after_record_date`, no `future_date` note beside it) and the row stays a
    death record; `reject` quarantines it as any field defect. A death on or before the report
    date is kept; a file without a declared report date is not judged by its modification time
    (when the file was written here, not what it says): resolve judges that date against the
    as-of date (tests/flows/exports/test_event_dates.py)."""
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('r', DATE '2024-03-01', 'running'),"
        " ('late', DATE '2024-06-01', 'running')"
    )
    dmf = write(
        tmp_path / "dmf.csv", HEADER, line(id="D1", dod="11/01/2122"),  # keyed 2122 for 2022
        line(id="D2", dod="02/16/2024"),  # the report date itself
        line(id="D3", dod="2024-01-10"),
    )  # fmt: skip
    dmf_source = person_source(
        dmf, kind="deceased", name="dmf", record_date="2024-02-16", on_field_error=on_field_error
    )
    (res,) = ingest_source(con, dmf_source, "r")
    # a vendor's deceased indicator, its report date a column: each row is judged by its own
    vendor = write(
        tmp_path / "vendor.csv", HEADER + ",rpt",
        line(id="V1", dod="2024-05-02") + ",2024-05-01",  # after the row's report date
        line(id="V2", dod="2024-04-20") + ",2024-05-01",
    )  # fmt: skip
    vendor_source = person_source(
        vendor, name="vendor", record_date="rpt", on_field_error=on_field_error
    )
    (vres,) = ingest_source(con, vendor_source, "late")
    mtime = write(tmp_path / "mtime.csv", HEADER, line(id="M1", dod="2122-11-01"))
    (mres,) = ingest_source(con, person_source(mtime, kind="deceased", name="mtime"), "r")
    assert mres.rows_loaded == 1
    got = dict(con.execute("SELECT record_id, date_of_death FROM source_records").fetchall())
    noted = con.execute(
        "SELECT source, line_no, column_name, reason, action, value_masked FROM field_issues"
        " ORDER BY source, line_no"
    ).fetchall()
    d = dt.date
    if on_field_error == "reject":
        assert (res.rows_rejected, vres.rows_rejected) == (1, 1)
        assert "D1" not in got and "V1" not in got
        assert con.execute("SELECT reason FROM quarantine ORDER BY file_no").fetchall() == [
            ("after_record_date: date_of_death",), ("after_record_date: date_of_death",),
        ]  # fmt: skip
        assert noted == [("mtime", 2, "date_of_death", "future_date", "kept", "2122-11-01")]
        return
    assert (res.rows_rejected, vres.rows_rejected) == (0, 0)
    assert got == {
        "D1": None, "D2": d(2024, 2, 16), "D3": d(2024, 1, 10), "V1": None,
        "V2": d(2024, 4, 20), "M1": d(2122, 11, 1),
    }  # fmt: skip
    assert con.execute("SELECT kind FROM source_records WHERE record_id = 'D1'").fetchone() == (
        "deceased",
    )
    assert noted == [
        ("dmf", 2, "date_of_death", "after_record_date", "nulled", "11/01/2122"),
        ("mtime", 2, "date_of_death", "future_date", "kept", "2122-11-01"),
        ("vendor", 2, "date_of_death", "after_record_date", "nulled", "2024-05-02"),
    ]


@pytest.mark.parametrize("on_field_error", ["null", "reject"])
def test_a_court_date_after_the_records_own_report_date_is_a_wrong_date(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, on_field_error: str
) -> None:
    """A court record cannot report a filing, discharge or dismissal that has not happened: a
    date after the record's report date (here a column, `ACTIVITY`) is a keying error in the
    date and is nulled (`after_record_date`), the row staying a bankruptcy case; `reject`
    quarantines it as any field defect. A date on the report date is kept; one after the run's
    as-of date but on or before the report date is a backfill, kept with a note
    (tests/flows/exports/test_event_dates.py)."""
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('r', DATE '2026-08-01', 'running')"
    )
    bk = write(
        tmp_path / "bk.csv", "id,name,filed,discharged,dismissed,activity",
        "B1,ANN FILED,06/01/2062,,,07/10/2026",  # keyed 2062 for 2026
        "B2,BEN DISCHARGED,01/10/2026,04/20/2062,,07/10/2026",
        "B3,CAL DISMISSED,01/10/2026,,07/16/2027,07/10/2026",
        "B4,DON SAMEDAY,07/10/2026,,07/10/2026,07/10/2026",  # on the report date itself
    )  # fmt: skip
    court = Source(
        name="court", kind="bankruptcy", path=str(bk), reliability=0.9,
        permissible_purpose="collection", on_field_error=on_field_error, record_date="activity",
        columns={"record_id": "id", "full_name": "name", "bk_filing_date": "filed",
                 "bk_discharge_date": "discharged", "bk_dismissal_date": "dismissed"},
    )  # fmt: skip
    (res,) = ingest_source(con, court, "r")
    got = con.execute(
        "SELECT record_id, kind, bk_filing_date, bk_discharge_date, bk_dismissal_date"
        " FROM source_records ORDER BY record_id"
    ).fetchall()
    noted = con.execute(
        "SELECT line_no, column_name, reason, action, value_masked FROM field_issues"
        " ORDER BY line_no, column_name"
    ).fetchall()
    d = dt.date
    if on_field_error == "reject":
        assert res.rows_rejected == 3
        assert [r[0] for r in got] == ["B4"]
        assert con.execute("SELECT line_no, reason FROM quarantine ORDER BY line_no").fetchall() == [
            (2, "after_record_date: bk_filing_date"), (3, "after_record_date: bk_discharge_date"),
            (4, "after_record_date: bk_dismissal_date"),
        ]  # fmt: skip
        assert noted == []
        return
    assert res.rows_rejected == 0
    assert got == [
        ("B1", "bankruptcy", None, None, None),
        ("B2", "bankruptcy", d(2026, 1, 10), None, None),
        ("B3", "bankruptcy", d(2026, 1, 10), None, None),
        ("B4", "bankruptcy", d(2026, 7, 10), None, d(2026, 7, 10)),
    ]
    assert noted == [  # no future_date note beside a date not used
        (2, "bk_filing_date", "after_record_date", "nulled", "06/01/2062"),
        (3, "bk_discharge_date", "after_record_date", "nulled", "04/20/2062"),
        (4, "bk_dismissal_date", "after_record_date", "nulled", "07/16/2027"),
    ]


def test_on_field_error_reject_quarantines_the_row(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "p.csv", HEADER, line(), line(id="R1", ssn="000-12-3456"),
        line(id="R2", dob="1980-02-30", st="XX"), line(id="R3", dob="25/12/1980"),
        line(id="R4", ssn="078-05-1120"),
    )  # fmt: skip
    (res,) = ingest_source(con, person_source(path, on_field_error="reject"), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (5, 2, 3)
    reasons = dict(con.execute("SELECT line_no, reason FROM quarantine").fetchall())
    assert reasons == {
        3: "invalid_ssn", 4: "invalid_state: state; unparseable_date: dob", 6: "placeholder_ssn",
    }  # fmt: skip
    # a repair is not an error: the repaired row loads, and the repair is still recorded
    assert issues(con) == {(5, "dob"): ("repaired_date_day_month", "repaired", "##/##/####")}


def test_a_row_with_nothing_identifying_is_a_row_defect(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    empty = {c: "" for c in GOOD if c != "id"}
    path = write(
        tmp_path / "p.csv", HEADER, line(id="R1", **empty),
        line(id="R2", **{**empty, "ssn": "000-00-0000", "first": "123-54-6789"}),
        line(id="R3", **{**empty, "phone": "2175550134"}),
    )  # fmt: skip
    (res,) = ingest_source(con, person_source(path), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (3, 1, 2)
    reasons = dict(con.execute("SELECT line_no, reason FROM quarantine").fetchall())
    assert reasons == {2: "no_identifying_field", 3: "no_identifying_field"}
    raw = con.execute("SELECT raw_line FROM quarantine WHERE line_no = 3").fetchall()[0][0]
    assert "123-54-6789" not in raw and "000-00-0000" not in raw


def test_a_quarantined_line_masks_an_invalid_ssn_the_line_mask_cannot_see(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """An invalid SSN is neither SSN-shaped nor an eight-digit run, so only the field's own mask
    (its digits but the last four as '*') keeps it out of the quarantined line."""
    empty = {c: "" for c in GOOD if c != "id"}
    path = write(tmp_path / "p.csv", HEADER, line(id="R1", **{**empty, "ssn": "12-345-678"}))
    (res,) = ingest_source(con, person_source(path), "r1")
    assert (res.rows_read, res.rows_rejected) == (1, 1)
    (raw,) = con.execute("SELECT raw_line FROM quarantine").fetchall()[0]
    assert "12-345-678" not in raw and "**-***-678" in raw, raw


def test_account_rows_are_never_dropped_for_field_defects(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        "account_id,first_name,last_name,ssn,dob,state,zip,phone,email,balance,dispute,address_line2",
        "A1,Ann,Lee,000-00-0000,13/45/1980,ZZ,1,12,x@,lots,perhaps,",
        "A2,Bob,Roe,123-54-6789,1970-01-01,IL,62701,2175550134,b@example.com,10,N,078-05-1120",
    )
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (2, 2, 0)
    a1 = con.execute(
        "SELECT ssn_hash, dob, state, zip, phone, email, balance, dispute FROM accounts "
        "WHERE account_id = 'A1'"
    ).fetchone()
    assert a1 == (None, None, None, None, None, None, None, True)  # dispute: treated as set
    reasons = {k: v[0] for k, v in issues(con).items()}
    assert reasons == {
        (2, "ssn"): "invalid_ssn", (2, "dob"): "unparseable_date", (2, "state"): "invalid_state",
        (2, "zip"): "invalid_zip", (2, "phone"): "invalid_phone", (2, "email"): "invalid_email",
        (2, "balance"): "invalid_amount", (2, "dispute"): "invalid_flag",
        (3, "address_line2"): "ssn_in_field",
    }  # fmt: skip
    assert con.execute("SELECT address_line2 FROM accounts WHERE account_id = 'A2'").fetchone() == (
        None,
    )
    counts = con.execute(
        "SELECT rows_read, rows_loaded, rows_rejected, field_issues FROM input_files"
    ).fetchone()
    assert counts == (2, 2, 0, 9)


def test_vendor_candidates_get_field_issues_by_rank(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from skiptrace.sources.registry import ContactGroup

    path = write(
        tmp_path / "v.csv",
        "ACCT,LAST,PHONE1,PHONE2,SEEN1,SEEN2",
        "A1,Smith,7025550101,219-09-9999,2024-01-01,2099-01-01",
    )
    src = Source(
        name="acme", kind="vendor_batch", path=str(path), reliability=0.8,
        permissible_purpose="collection", columns={"account_id": "ACCT", "last_name": "LAST"},
        groups=[ContactGroup(contact_type="phone", repeat=2, columns={"phone": "PHONE{i}", "last_seen": "SEEN{i}"})],
    )  # fmt: skip
    ingest_source(con, src, "r1")
    assert {k: v[:2] for k, v in issues(con).items()} == {
        (2, "phone#2"): ("ssn_in_field", "nulled"),
        (2, "last_seen#2"): ("future_date", "nulled"),
    }
    phones = con.execute("SELECT rank, phone FROM source_contacts ORDER BY rank").fetchall()
    assert phones == [(1, "7025550101")]  # the nulled candidate leaves no contact behind


@pytest.mark.parametrize(
    "phone",
    ["2175550134", "(217) 555-0134", "217.555.0134", "+1 217 555 0134", "1-217-555-0134",
     "217-555-0134 x12", "(217)555-0134 EXT. 5", "217-555-0134 #12"],
)  # fmt: skip
def test_usual_phone_forms_are_not_field_defects(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, phone: str
) -> None:
    path = write(tmp_path / "p.csv", HEADER, line(id="R1", phone=phone))
    ingest_source(con, person_source(path), "r1")
    assert issues(con) == {} and record(con, 2, "phone") == phone


def test_a_shifted_row_keeps_no_ssn_in_its_quarantined_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A row with an extra field is quarantined whole, its SSN outside the SSN column where the
    field's own mask cannot see it: the line mask still hides an SSN with any of the separators
    ingestion repairs, and one whose leading zero was dropped (eight digits)."""
    shifted = [
        line(id="R1", first="John,EXTRA", ssn="12345678"),
        line(id="R2", first="John,EXTRA", ssn="223/45/6789"),
        line(id="R3", first="John,EXTRA", ssn="223_45_6789"),
    ]
    path = write(tmp_path / "p.csv", HEADER, line(), *shifted)
    (res,) = ingest_source(con, person_source(path), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (4, 1, 3)
    kept = [
        r[0] for r in con.execute("SELECT raw_line FROM quarantine ORDER BY line_no").fetchall()
    ]
    assert len(kept) == 3
    for raw, masked in zip(("12345678", "223/45/6789", "223_45_6789"), kept, strict=True):
        assert raw not in masked and raw[-4:] in masked, masked
        assert "EXTRA" in masked and "1980-03-04" in masked  # the rest of the line is kept


@pytest.mark.parametrize("masked", ["XXX-XX-1234", "xxx-xx-1234", "XXXXX1234", "***-**-1234"])
def test_a_masked_ssn_loads_its_last_four_with_a_field_note(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, masked: str
) -> None:
    """PACER prints a debtor's SSN masked: the last four are all there is, and they are kept as
    any other last four is (no hash: nothing else is known). A note, not a defect."""
    path = write(tmp_path / "p.csv", HEADER, line(ssn=masked))
    (res,) = ingest_source(con, person_source(path, kind="bankruptcy"), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (1, 0)
    assert record(con, 2, "ssn_last4") == "1234"
    assert record(con, 2, "ssn_hash") is None
    reason, action, value = issues(con)[(2, "ssn")]
    assert (reason, action) == ("masked_ssn", "last4_kept")
    assert value.endswith("1234") and not any(c.isdigit() for c in value[:-4])


def test_a_masked_ssn_with_an_impossible_serial_is_invalid(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path / "p.csv", HEADER, line(ssn="XXX-XX-0000"))
    ingest_source(con, person_source(path), "r1")
    assert record(con, 2, "ssn_last4") is None
    assert issues(con)[(2, "ssn")][:2] == ("invalid_ssn", "nulled")
