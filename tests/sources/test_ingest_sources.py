"""Registry sources: person records, vendor batches (unpivoted candidates), NCOA, deceased,
bankruptcy; record dates, split street fields, lineage columns, mapping errors."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace.sources.errors import MissingColumnsError, RedeliveryError
from skiptrace.sources.ingest import REC_ID_FACTOR, ingest_source, list_rejects
from skiptrace.sources.registry import ContactGroup, Source


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def source(path: Path, kind: str = "person_records", **kw: Any) -> Source:
    base: dict[str, Any] = {
        "name": kw.pop("name", path.stem),
        "kind": kind,
        "path": str(path),
        "reliability": 0.75,
        "permissible_purpose": "FCRA 604(a)(3)(A) collection",
    }
    return Source(**base, **kw)


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.execute(query).fetchall()


def test_person_records_identity_and_own_contacts(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "header.csv",
        "SSN,FNAME,LNAME,BIRTH,ADDR,CITY,ST,ZIP,PHONE,PHONE_KIND,EMAIL,LAST_SEEN,AS_OF",
        "123-54-6789,John,Smith,1980-03-14,1 Main St,Springfield,IL,62701,2175550134,mobile,j@x.com,2024-01-01,2024-06-30",
        ",Ann,Lee,,,,,,,,,,2024-07-01",
    )
    src = source(
        path,
        columns={
            "ssn": "SSN", "first_name": "FNAME", "last_name": "LNAME", "dob": "BIRTH",
            "address_line1": "ADDR", "city": "CITY", "state": "ST", "zip": "ZIP",
            "phone": "PHONE", "phone_type": "PHONE_KIND", "email": "EMAIL", "last_seen": "LAST_SEEN",
        },
        record_date="AS_OF",
    )  # fmt: skip
    (res,) = ingest_source(con, src, "r1")
    assert (res.kind, res.rows_read, res.rows_loaded, res.rows_rejected) == (
        "person_records",
        2,
        2,
        0,
    )
    recs = rows(
        con,
        "SELECT rec_id, line_no, record_id, first_name, ssn_last4, dob, record_date, source, kind "
        "FROM source_records ORDER BY line_no",
    )
    fno = res.file_no
    assert fno is not None
    assert recs[0] == (
        fno * REC_ID_FACTOR + 2, 2, "header.csv:2", "John", "6789", dt.date(1980, 3, 14),
        dt.date(2024, 6, 30), "header", "person_records",
    )  # fmt: skip
    assert recs[1][2] == "header.csv:3" and recs[1][6] == dt.date(2024, 7, 1)
    contacts = rows(
        con,
        "SELECT rec_id, contact_type, rank, role, evidence, address_line1, zip, phone, phone_type,"
        " email, last_seen FROM source_contacts ORDER BY contact_type",
    )
    rid = fno * REC_ID_FACTOR + 2
    assert contacts == [
        (rid, "address", 1, "debtor", "record", "1 Main St", "62701", None, None, None, dt.date(2024, 1, 1)),
        (rid, "email", 1, "debtor", "record", None, None, None, None, "j@x.com", dt.date(2024, 1, 1)),
        (rid, "phone", 1, "debtor", "record", None, None, "2175550134", "mobile", None, dt.date(2024, 1, 1)),
    ]  # fmt: skip
    lineage = rows(
        con, "SELECT permissible_purpose, reliability, record_date_rule, file_name FROM input_files"
    )
    assert lineage == [("FCRA 604(a)(3)(A) collection", 0.75, "AS_OF", "header.csv")]


def test_record_date_constant_and_file_mtime(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    a = write(tmp_path / "a.csv", "last_name", "Smith")
    b = write(tmp_path / "b.csv", "last_name", "Jones")
    os.utime(b, (1_700_000_000, 1_700_000_000))  # 2023-11-14
    ingest_source(con, source(a, record_date="2024-02-29"), "r1")
    ingest_source(con, source(b), "r1")
    got = rows(con, "SELECT last_name, record_date FROM source_records ORDER BY 1")
    assert got == [
        ("Jones", dt.datetime.fromtimestamp(1_700_000_000).date()),
        ("Smith", dt.date(2024, 2, 29)),
    ]
    rules = rows(con, "SELECT source, record_date_rule FROM input_files ORDER BY 1")
    assert rules == [("a", "2024-02-29"), ("b", "file_mtime")]


def test_split_street_fields_win(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(
        tmp_path / "split.csv",
        "id,num,street,apt,box,line1,city",
        "1,12,N Main St,4B,,IGNORED,Reno",
        "2,,,,123,IGNORED,Reno",
        "3,,,,,100 Kept Rd,Reno",
        "4,7,Oak Ave,Apt 2,,,Reno",
    )
    cols = {"record_id": "id", "street_number": "num", "street_name": "street", "unit": "apt",
            "po_box": "box", "address_line1": "line1", "city": "city"}  # fmt: skip
    ingest_source(con, source(path, columns=cols), "r1")
    got = rows(con, "SELECT record_id, address_line1, address_line2 FROM source_records ORDER BY 1")
    assert got == [
        ("1", "12 N Main St", "UNIT 4B"),
        ("2", "PO BOX 123", None),
        ("3", "100 Kept Rd", None),
        ("4", "7 Oak Ave", "Apt 2"),
    ]


VENDOR = [
    "ACCT,FIRST,LAST,DOB,PHONE1,PTYPE1,CARRIER1,PREPAID1,PHONE2,PTYPE2,CARRIER2,PREPAID2,"
    "ADDR1,CITY1,ST1,ZIP1,SEEN1,ADDR2,CITY2,ST2,ZIP2,SEEN2,REL1_NAME,REL1_TYPE,REL1_PHONE",
    "A1,John,Smith,1980-01-02,7025550101,MOBILE,T-Mobile,N,,,,,1 Elm St,Las Vegas,NV,89101,"
    "2024-03-01,2 Oak St,Henderson,NV,89002,2023-01-01,Mary Smith,MOTHER,7025550199",
    "A2,Jane,Doe,,,,,,7025550102,LANDLINE,,Y,,,,,,,,,,,,,",
    ",No,Key,,7025550103,,,,,,,,,,,,,,,,,,,,",
    "A4,Bad,Flag,,7025550104,,,MAYBE,,,,,,,,,,,,,,,,,",
]


def vendor_source(path: Path) -> Source:
    return source(
        path,
        kind="vendor_batch",
        columns={"account_id": "ACCT", "first_name": "FIRST", "last_name": "LAST", "dob": "DOB"},
        groups=[
            ContactGroup(
                contact_type="phone", repeat=2,
                columns={"phone": "PHONE{i}", "phone_type": "PTYPE{i}", "carrier": "CARRIER{i}", "prepaid": "PREPAID{i}"},
            ),
            ContactGroup(
                contact_type="address", repeat=2,
                columns={"address_line1": "ADDR{i}", "city": "CITY{i}", "state": "ST{i}", "zip": "ZIP{i}", "last_seen": "SEEN{i}"},
            ),
            ContactGroup(
                contact_type="phone", role="third_party",
                columns={"full_name": "REL{i}_NAME", "relationship": "REL{i}_TYPE", "phone": "REL{i}_PHONE"},
            ),
        ],
    )  # fmt: skip


def test_vendor_batch_unpivots_candidates(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    (res,) = ingest_source(con, vendor_source(write(tmp_path / "vendor.csv", *VENDOR)), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (4, 3, 1)
    assert rows(con, "SELECT account_id, last_name FROM source_records ORDER BY 1") == [
        ("A1", "Smith"), ("A2", "Doe"), ("A4", "Flag")
    ]  # fmt: skip
    got = rows(
        con,
        "SELECT r.account_id, c.contact_type, c.rank, c.role, c.evidence, c.phone, c.phone_type,"
        " c.carrier, c.prepaid, c.address_line1, c.last_seen, c.relationship, c.party_name "
        "FROM source_contacts c JOIN source_records r USING (rec_id) "
        "ORDER BY r.account_id, c.role, c.contact_type, c.rank",
    )
    assert got == [
        ("A1", "address", 1, "debtor", "vendor_candidate", None, None, None, None, "1 Elm St", dt.date(2024, 3, 1), None, None),
        ("A1", "address", 2, "debtor", "vendor_candidate", None, None, None, None, "2 Oak St", dt.date(2023, 1, 1), None, None),
        ("A1", "phone", 1, "debtor", "vendor_candidate", "7025550101", "MOBILE", "T-Mobile", False, None, None, None, None),
        ("A1", "phone", 1, "third_party", "vendor_candidate", "7025550199", None, None, None, None, None, "MOTHER", "Mary Smith"),
        ("A2", "phone", 2, "debtor", "vendor_candidate", "7025550102", "LANDLINE", None, True, None, None, None, None),
        ("A4", "phone", 1, "debtor", "vendor_candidate", "7025550104", None, None, None, None, None, None, None),
    ]  # fmt: skip
    reasons = {r[0]: r[1] for r in rows(con, "SELECT line_no, reason FROM quarantine")}
    assert reasons == {4: "missing_value: account_id"}
    issues = rows(con, "SELECT line_no, column_name, file_column, reason FROM field_issues")
    assert issues == [(5, "prepaid#1", "PREPAID1", "invalid_flag")]


def test_vendor_group_column_missing_fails_first(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [VENDOR[0].replace(",PHONE2,", ",PHONE_2,"), *VENDOR[1:]]
    with pytest.raises(MissingColumnsError, match="PHONE2"):
        ingest_source(con, vendor_source(write(tmp_path / "vendor.csv", *lines)), "r1")
    assert rows(con, "SELECT count(*) FROM input_files") == [(0,)]


def test_ncoa_codes_and_forwarding_address(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(
        tmp_path / "ncoa.csv",
        "NAME,OLD_ADDR,OLD_ZIP,MOVE_TYPE,MOVE_DATE,RC,NEW_ADDR,NEW_CITY,NEW_ST,NEW_ZIP",
        "John Smith,1 Old Rd,62701,I,2024-02-01,A,9 New St,Reno,NV,89501",
        "Ann Lee,2 Old Rd,62701,F,2024-03-01,02,,,,",
        "Bob Roe,3 Old Rd,62701,B,2024-03-01,2,,,,",
        "Cy Poe,4 Old Rd,62701,I,2024-03-01,77,,,,",
        "Di Moe,5 Old Rd,62701,X,2024-03-01,A,1 Elsewhere,Reno,NV,89501",
        "Ed Noe,6 Old Rd,62701,,,00,,,,",
    )
    cols = {"full_name": "NAME", "address_line1": "OLD_ADDR", "zip": "OLD_ZIP", "move_type": "MOVE_TYPE",
            "move_effective_date": "MOVE_DATE", "ncoa_return_code": "RC", "new_address_line1": "NEW_ADDR",
            "new_city": "NEW_CITY", "new_state": "NEW_ST", "new_zip": "NEW_ZIP"}  # fmt: skip
    (res,) = ingest_source(con, source(path, kind="ncoa", columns=cols), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (6, 0)
    recs = rows(
        con,
        "SELECT line_no, first_name, last_name, address_line1, move_type, move_effective_date, "
        "ncoa_return_code FROM source_records ORDER BY line_no",
    )
    assert recs == [
        (2, "John", "Smith", "1 Old Rd", "I", dt.date(2024, 2, 1), "A"),
        (3, "Ann", "Lee", "2 Old Rd", "F", dt.date(2024, 3, 1), "02"),
        (4, "Bob", "Roe", "3 Old Rd", "B", dt.date(2024, 3, 1), "02"),
        (5, "Cy", "Poe", "4 Old Rd", "I", dt.date(2024, 3, 1), None),
        (6, "Di", "Moe", "5 Old Rd", None, dt.date(2024, 3, 1), "A"),
        (7, "Ed", "Noe", "6 Old Rd", None, None, "00"),
    ]
    contacts = rows(
        con,
        "SELECT r.line_no, c.contact_type, c.evidence, c.address_line1, c.city, c.zip, c.first_seen "
        "FROM source_contacts c JOIN source_records r USING (rec_id)",
    )
    assert sorted(contacts) == [
        (2, "address", "ncoa_forward", "9 New St", "Reno", "89501", dt.date(2024, 2, 1)),
        (6, "address", "ncoa_forward", "1 Elsewhere", "Reno", "89501", dt.date(2024, 3, 1)),
    ]
    assert rows(con, "SELECT count(*) FROM quarantine") == [(0,)]
    issues = rows(con, "SELECT line_no, column_name, reason, value_masked FROM field_issues")
    assert sorted(issues) == [
        (5, "ncoa_return_code", "invalid_code", "77"),
        (6, "move_type", "invalid_code", "X"),
    ]


def test_deceased_and_bankruptcy(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    dmf = write(
        tmp_path / "dmf.psv",
        "ssn|last|first|dob|dod",
        "123546789|SMITH|JOHN|19400101|20231231",
        "123456780|DOE|JANE|19400101|31-DEC-2023",
    )
    ingest_source(
        con,
        source(dmf, kind="deceased", format="psv",
               columns={"ssn": "ssn", "last_name": "last", "first_name": "first", "dob": "dob", "date_of_death": "dod"}),
        "r1",
    )  # fmt: skip
    bk = write(
        tmp_path / "bk.csv",
        "name,case,chapter,district,filed,discharged,street",
        'JOHN SMITH,1:24-bk-00001,7,NVB,2024-01-10,2024-05-01,"1 Main St, Apt 2"',
        "JANE DOE,2:24-bk-00002,Ch. 13,NVB,2024-02-10,,",
        "JIM ROE,3:24-bk-00003,8,NVB,2024-02-10,,",
    )
    cols = {"full_name": "name", "bk_case_number": "case", "bk_chapter": "chapter", "bk_district": "district",
            "bk_filing_date": "filed", "bk_discharge_date": "discharged", "address_line1": "street"}  # fmt: skip
    (res,) = ingest_source(con, source(bk, kind="bankruptcy", columns=cols), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (3, 0)
    got = rows(
        con,
        "SELECT kind, last_name, date_of_death, bk_chapter, bk_case_number, bk_filing_date, "
        "bk_discharge_date FROM source_records ORDER BY kind, last_name",
    )
    assert got == [
        ("bankruptcy", "DOE", None, "13", "2:24-bk-00002", dt.date(2024, 2, 10), None),
        ("bankruptcy", "ROE", None, None, "3:24-bk-00003", dt.date(2024, 2, 10), None),
        (
            "bankruptcy",
            "SMITH",
            None,
            "7",
            "1:24-bk-00001",
            dt.date(2024, 1, 10),
            dt.date(2024, 5, 1),
        ),
        ("deceased", "DOE", dt.date(2023, 12, 31), None, None, None, None),
        ("deceased", "SMITH", dt.date(2023, 12, 31), None, None, None, None),
    ]
    assert rows(
        con, "SELECT address_line1 FROM source_contacts WHERE contact_type = 'address'"
    ) == [("1 Main St, Apt 2",)]
    assert rows(con, "SELECT line_no, column_name, reason FROM field_issues") == [
        (4, "bk_chapter", "invalid_code")
    ]


def test_source_glob_idempotency_and_replace(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write(inbox / "b_2024-02.csv", "record_id,last_name", "R1,Smith")
    write(inbox / "a_2024-01.csv", "record_id,last_name", "R1,Smith")
    write(inbox / "c_copy.csv", "record_id,last_name", "R1,Smith")  # same bytes as a
    src = source(inbox / "[ab]_*.csv", name="people")
    first = ingest_source(con, src, "r1")
    assert [r.path.name for r in first] == ["a_2024-01.csv", "b_2024-02.csv"]
    assert [r.status for r in first] == ["loaded", "skipped_duplicate"]  # same checksum as a
    (copy,) = ingest_source(con, source(inbox / "c_copy.csv", name="people"), "r1")
    assert copy.status == "skipped_duplicate" and f"file_no {first[0].file_no}" in copy.message
    write(inbox / "b_2024-02.csv", "record_id,last_name", "R1,Smith", "R9,Other")
    second = ingest_source(con, src, "r2")
    assert [r.status for r in second] == ["skipped_duplicate", "loaded"]
    write(inbox / "b_2024-02.csv", "record_id,last_name", "R1,Smyth", "R2,Jones")
    with pytest.raises(RedeliveryError):
        ingest_source(con, src, "r3")
    again = ingest_source(con, src, "r3", replace=True)
    assert [r.status for r in again] == ["skipped_duplicate", "superseded_previous"]
    current = rows(
        con, "SELECT file_no, record_id, last_name FROM current_source_records ORDER BY 1, 2"
    )
    # R1 is delivered by a and again by b: the later delivery's row is the record (migration
    # 113), so a's R1 is no longer current; R1 counts once
    assert current == [(again[1].file_no, "R1", "Smyth"), (again[1].file_no, "R2", "Jones")]
    assert "1 record(s) re-delivered: the earlier rows superseded" in again[1].message
    assert rows(con, "SELECT count(*) FROM source_records") == [(5,)]  # superseded rows kept
    statuses = rows(con, "SELECT file_name, status FROM input_files ORDER BY file_no")
    assert statuses == [
        ("a_2024-01.csv", "loaded"), ("b_2024-02.csv", "superseded"), ("b_2024-02.csv", "loaded")
    ]  # fmt: skip
    assert list_rejects(con).height == 0


@pytest.mark.parametrize(
    ("debtor", "co_debtor"),
    [
        ("WHITE, KEVIN R & LINDA S", "LINDA S WHITE"),
        ("KEVIN WHITE AND LINDA WHITE", "LINDA WHITE"),
        ("KEVIN AND LINDA WHITE", "LINDA WHITE"),
        ("KEVIN WHITE & LINDA", "LINDA WHITE"),
        ("MR AND MRS KEVIN WHITE", None),
        ("KEVIN R WHITE", None),
    ],
)
def test_a_joint_petition_keeps_its_second_debtor(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, debtor: str, co_debtor: str | None
) -> None:
    """Spouses file one case; a court feed names both in one field. The second debtor's name is
    kept with the record (source_records.co_debtor_name) for the bankruptcy flag."""
    path = tmp_path / "bk.csv"
    path.write_text(f'ID,NAME,ZIP\nB1,"{debtor}",73701\n', encoding="utf-8")
    src = Source(
        name="pacer", kind="bankruptcy", path=str(path), reliability=0.97,
        permissible_purpose="stay", columns={"record_id": "ID", "full_name": "NAME", "zip": "ZIP"},
    )  # fmt: skip
    ingest_source(con, src, "r1")
    got = con.execute("SELECT co_debtor_name FROM source_records").fetchall()
    assert got == [(co_debtor,)]
