"""Account exports: typing, quarantine of every row defect, profiles, idempotency, PII."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from skiptrace.sources import pii
from skiptrace.sources.errors import MissingColumnsError, RedeliveryError
from skiptrace.sources.ingest import ingest_accounts, list_field_issues, list_rejects
from skiptrace.sources.registry import AccountProfile, load_profile

DATA = Path(__file__).parent / "data"

HEADER = (
    "account_id,first_name,last_name,ssn,dob,address_line1,city,state,zip,phone,phone_consent,"
    "balance,placed_date,cease_desist,bankruptcy,deceased,do_not_call"
)
GOOD = 'A1,John,Smith,123-54-6789,03/04/1980,1 Main St,Springfield,IL,62701,2175550134,Y,"$1,234.50",2024-01-15,N,false,0,'


def write(path: Path, *lines: str, newline: str = "\n", encoding: str = "utf-8") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    return con.execute(
        "SELECT line_no, reason, raw_line FROM quarantine ORDER BY line_no"
    ).fetchall()


def test_default_profile_types_every_field(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "accounts.csv", HEADER, GOOD)
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_rejected) == ("loaded", 1, 1, 0)
    assert res.file_no is not None and res.kind == "accounts" and res.source == "accounts"
    row = con.execute(
        "SELECT account_id, first_name, ssn_hash, ssn_last4, dob, dob_ambiguous, balance, "
        "placed_date, phone_consent, cease_desist, bankruptcy, deceased, do_not_call, line_no, "
        "phone_2, dispute FROM accounts"
    ).fetchone()
    assert row == (
        "A1", "John", pii.hmac_ssn("123546789", b"test-key-not-secret"), "6789",
        dt.date(1980, 3, 4), True, 1234.5, dt.date(2024, 1, 15), True, False, False, False,
        False, 2, None, None,
    )  # fmt: skip
    files = con.execute(
        "SELECT file_no, source, kind, rows_read, rows_loaded, rows_rejected, status, sha256 "
        "FROM input_files"
    ).fetchall()
    assert files == [(res.file_no, "accounts", "accounts", 1, 1, 0, "loaded", res.sha256)]


def field_issues(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], tuple[str, str, str]]:
    rows = con.execute(
        "SELECT line_no, column_name, reason, action, value_masked FROM field_issues"
    ).fetchall()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def test_row_defects_are_quarantined_field_defects_load_the_row(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [
        HEADER,  # line 1
        GOOD,  # 2
        "A2,Too,Few,Fields",  # 3 wrong field count
        GOOD.replace("A1", "A3").replace("03/04/1980", "1980-02-30"),  # 4 bad date
        GOOD.replace("A1", "A4").replace("123-54-6789", "12-345-678"),  # 5 invalid SSN shape
        GOOD.replace("A1", "A5").replace("1 Main St", "X" * 1001),  # 6 oversize field
        GOOD.replace("John", "Johnny"),  # 7 duplicate account id (first at line 2)
        GOOD.replace("A1", ""),  # 8 missing account id
        GOOD.replace("A1", "A8").replace(",N,false,0,", ",MAYBE,false,0,"),  # 9 bad flag
        GOOD.replace("A1", "A9").replace('"$1,234.50"', "lots"),  # 10 bad balance
        "",  # 11 blank line: not a row
        GOOD.replace("A1", "A10").replace("123-54-6789", "900-12-3456"),  # 12 area 9xx
        GOOD.replace("A1", "A11").replace("03/04/1980", "01/01/2099"),  # 13 future DOB
    ]
    res = ingest_accounts(con, write(tmp_path / "accounts.csv", *lines), AccountProfile(), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (11, 7, 4)
    got = {line: reason for line, reason, _ in quarantine(con)}
    assert got == {
        3: "wrong_field_count: 4 fields, expected 17",
        6: "oversize_field: address_line1 longer than 1000 characters",
        7: "duplicate_account_id: first at line 2",
        8: "missing_value: account_id",
    }
    loaded = con.execute(
        "SELECT account_id, line_no, dob, ssn_hash IS NULL, cease_desist, balance FROM accounts "
        "ORDER BY line_no"
    ).fetchall()
    assert [r[:2] for r in loaded] == [
        ("A1", 2), ("A3", 4), ("A4", 5), ("A8", 9), ("A9", 10), ("A10", 12), ("A11", 13),
    ]  # fmt: skip
    by_id = {r[0]: r for r in loaded}
    assert by_id["A3"][2] is None and by_id["A11"][2] is None  # bad and future DOB NULLed
    assert by_id["A4"][3] and by_id["A10"][3]  # invalid SSNs: no hash
    assert by_id["A8"][4] is True  # an unreadable cease-and-desist flag is treated as set
    assert by_id["A9"][5] is None
    issues = field_issues(con)
    assert {k: v[:2] for k, v in issues.items()} == {
        (4, "dob"): ("unparseable_date", "nulled"),
        (5, "ssn"): ("invalid_ssn", "nulled"),
        (9, "cease_desist"): ("invalid_flag", "treated_as_set"),
        (10, "balance"): ("invalid_amount", "nulled"),
        (12, "ssn"): ("invalid_ssn", "nulled"),
        (13, "dob"): ("implausible_date", "nulled"),
    }
    assert issues[(5, "ssn")][2] == "**-***-678" and issues[(12, "ssn")][2] == "***-**-3456"
    assert issues[(4, "dob")][2] == "####-##-##"  # a personal value keeps its shape only
    raw = {line: raw for line, _, raw in quarantine(con)}
    assert raw[3] == "A2,Too,Few,Fields"
    assert "***-**-6789" in raw[7] and "123-54-6789" not in raw[7]
    assert len(raw[6]) <= 2000
    stored = con.execute(
        "SELECT rows_read, rows_loaded, rows_rejected, field_issues FROM input_files"
    ).fetchone()
    assert stored == (11, 7, 4, 6) and stored[0] == stored[1] + stored[2]
    assert res.field_issues == 6
    rejects = list_rejects(con, "r1")
    assert rejects.height == 4 and rejects["line_no"].to_list() == sorted(got)
    assert list_rejects(con, "other-run").height == 0
    listed = list_field_issues(con, "r1")
    assert listed.height == 6 and listed["file_name"].unique().to_list() == ["accounts.csv"]
    assert list_field_issues(con, "other-run").height == 0


def test_field_defects_accumulate_on_one_loaded_row(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bad = GOOD.replace("123-54-6789", "000-00-0000").replace("03/04/1980", "soon")
    res = ingest_accounts(con, write(tmp_path / "a.csv", HEADER, bad), AccountProfile(), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (1, 0)
    assert {k: v[0] for k, v in field_issues(con).items()} == {
        (2, "dob"): "unparseable_date",
        (2, "ssn"): "invalid_ssn",
    }


def test_missing_required_column_fails_before_loading(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path / "acme.csv", "AccountNumber,FirstName,Surname", "A1,John,Smith")
    with pytest.raises(MissingColumnsError) as err:
        ingest_accounts(con, path, load_profile("acme_csv"), "r1")
    msg = str(err.value)
    assert "acme.csv" in msg and "LastName" in msg and "Surname" in msg
    assert "LastName" in err.value.missing and "AccountNumber" not in err.value.missing
    assert err.value.available == ["AccountNumber", "FirstName", "Surname"]
    for table in ("input_files", "accounts", "quarantine"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_headerless_file_does_not_leak_ssns_in_the_error(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path / "noheader.csv", GOOD)  # the data row is taken as the header
    with pytest.raises(MissingColumnsError) as err:
        ingest_accounts(con, path, AccountProfile(), "r1")
    # a debtor's row: no value at all, only the shapes of its fields and the missing names
    message = str(err.value)
    assert "123-54-6789" not in message and "6789" not in message and "###-##-####" in message
    assert "is the header line missing?" in message and "['account_id']" in message
    assert err.value.looks_like_data
    for value in GOOD.split(","):
        if len(value) > 1:
            assert value not in message.split("missing required")[1], value


def test_same_file_twice_loads_once(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path / "accounts.csv", HEADER, GOOD, GOOD.replace("A1", "A2"))
    first = ingest_accounts(con, path, AccountProfile(), "r1")
    again = ingest_accounts(con, path, AccountProfile(), "r2")
    assert first.status == "loaded" and again.status == "skipped_duplicate"
    assert again.file_no is None and again.rows_loaded == 0 and again.sha256 == first.sha256
    assert con.execute("SELECT count(*) FROM accounts").fetchone() == (2,)
    assert con.execute("SELECT count(*) FROM input_files").fetchone() == (1,)


def test_redelivery_needs_replace_and_supersedes(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path / "accounts.csv", HEADER, GOOD, GOOD.replace("A1", "A2"))
    first = ingest_accounts(con, path, AccountProfile(), "r1")
    write(path, HEADER, GOOD.replace("Smith", "Smyth"))  # corrected file, same name
    with pytest.raises(RedeliveryError, match="re-run with --replace"):
        ingest_accounts(con, path, AccountProfile(), "r2")
    assert con.execute("SELECT count(*) FROM accounts").fetchone() == (2,)
    second = ingest_accounts(con, path, AccountProfile(), "r2", replace=True)
    assert second.status == "superseded_previous" and second.file_no != first.file_no
    statuses = con.execute("SELECT file_no, status FROM input_files ORDER BY file_no").fetchall()
    assert statuses == [(first.file_no, "superseded"), (second.file_no, "loaded")]
    assert con.execute("SELECT account_id, last_name FROM current_accounts").fetchall() == [
        ("A1", "Smyth")
    ]
    assert con.execute("SELECT count(*) FROM accounts").fetchone() == (3,)  # lineage kept


def test_acme_profile_maps_other_column_names(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    res = ingest_accounts(con, DATA / "acme_accounts.csv", load_profile("acme_csv"), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (3, 3, 0)
    rows = con.execute(
        "SELECT account_id, first_name, last_name, suffix, dob, phone_2, phone_2_consent, "
        "balance, cease_desist, attorney_represented, attorney_name FROM accounts ORDER BY 1"
    ).fetchall()
    assert rows[0] == (
        "AC-1001", "Maria", "Garcia", None, dt.date(1975, 12, 31), "(512) 555-0101", True,
        250.0, False, False, None,
    )  # fmt: skip
    assert rows[1][3] == "Jr" and rows[1][8] is True  # suffix kept; cease-and-desist TRUE
    assert rows[2][9] is True and rows[2][10] == "Dewey Cheatham LLP"


def test_legacy_fixed_width_profile(con: duckdb.DuckDBPyConnection) -> None:
    res = ingest_accounts(con, DATA / "legacy_accounts.txt", load_profile("legacy_fixed"), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (4, 3, 1)
    assert "cp1252" in res.message
    rows = con.execute(
        "SELECT line_no, account_id, full_name, first_name, middle_name, last_name, suffix, "
        "dob, balance, phone_2_consent, bankruptcy, city FROM accounts ORDER BY line_no"
    ).fetchall()
    assert rows[0] == (
        1, "L000001", "DE LA CRUZ, MARIA J", "MARIA", "J", "DE LA CRUZ", None,
        dt.date(1968, 7, 4), 1520.75, True, False, "SAN ANTONIO",
    )  # fmt: skip
    assert rows[1][2:7] == ("O’BRIEN JR, SEÁN", "SEÁN", None, "O’BRIEN", "JR")  # cp1252 text
    assert rows[2][8] == -12.0 and rows[2][10] is True  # (12.00) is a credit balance
    (line, reason, _) = quarantine(con)[0]
    assert (line, reason) == (4, "wrong_length: 190 characters, expected at most 184")


def test_collectpro_single_full_name_first_last(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "cp.psv",
        "acct|debtor_name|tin|birth_date|street|city|phone1|phone1_consent|amount_due",
        "C1|John Q Public Jr.|123546789|1970-01-02|9 Elm St|Reno|7755550100|1|10.00",
        "C2|Maria De La Cruz||1980-05-06|1 Oak Ave|Reno|7755550101|0|0",
        "C3|Cher||||Reno|||",
        "C4|Smith, John||||Reno|||",
    )
    res = ingest_accounts(con, path, load_profile("collectpro_psv"), "r1")
    assert res.rows_loaded == 4
    rows = con.execute(
        "SELECT account_id, first_name, middle_name, last_name, suffix, phone_consent, "
        "ssn_last4 FROM accounts ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("C1", "John", "Q", "Public", "JR", True, "6789"),
        ("C2", "Maria", None, "De La Cruz", None, False, None),
        ("C3", None, None, "Cher", None, False, None),
        ("C4", "Smith", None, "John", None, False, None),  # first_last profile: order trusted
    ]


def test_auto_name_order(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        "account_id,full_name",
        'N1,"SMITH, JOHN A"',
        'N2,"John Smith, Jr."',
        "N3,John A Smith",
    )
    ingest_accounts(con, path, AccountProfile(), "r1")
    rows = con.execute(
        "SELECT first_name, middle_name, last_name, suffix FROM accounts ORDER BY account_id"
    ).fetchall()
    assert rows == [
        ("JOHN", "A", "SMITH", None),
        ("John", None, "Smith", "JR"),
        ("John", "A", "Smith", None),
    ]


def test_raw_ssns_never_reach_the_database_file(tmp_path: Path) -> None:
    from skiptrace import sql
    from skiptrace.sources.ingest import ingest_source
    from skiptrace.sources.registry import Source

    db = tmp_path / "pii.duckdb"
    con = sql.connect(db)
    ssns = ["123-54-6789", "219-90-9999", "078-50-1120"]
    # the last two are placeholder SSNs (never issued): field issues too, and never stored
    bad = ["12-345-678", "900-12-3456", "1234567890", "219-09-9999", "078-05-1120"]
    lines = [HEADER] + [
        GOOD.replace("A1", f"G{i}").replace("123-54-6789", s) for i, s in enumerate(ssns)
    ]
    lines += [GOOD.replace("A1", f"B{i}").replace("123-54-6789", s) for i, s in enumerate(bad)]
    res = ingest_accounts(con, write(tmp_path / "accounts.csv", *lines), AccountProfile(), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (8, 0)  # bad SSNs: field issues, not rejects
    records = write(
        tmp_path / "header.tsv",
        "id\tssn\tlast_name",
        *[f"R{i}\t{s}\tSmith" for i, s in enumerate(ssns + bad)],
        f"R0\t{ssns[0]}\tDup",  # duplicate record id: raw line re-read for quarantine
    )
    src = Source(
        name="hdr", kind="person_records", path=str(records), format="tsv", reliability=0.5,
        permissible_purpose="collection", columns={"record_id": "id"},
    )  # fmt: skip
    (rec,) = ingest_source(con, src, "r1")
    assert (rec.rows_loaded, rec.rows_rejected) == (8, 1)
    issues = con.execute("SELECT value_masked FROM field_issues").fetchall()
    assert len(issues) == 10  # five per file
    con.execute("CHECKPOINT")
    con.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("pii.duckdb*") if p.is_file())
    assert b"Dup" in blob and b"Smith" in blob  # the rows are there, only the SSNs are not
    for value in ssns + bad:
        for form in {value, value.replace("-", ""), value.replace("-", " ")}:
            assert form.encode() not in blob, form
