"""SSNs typed into the wrong field, however spelled (privacy audit): runs of separators, Unicode
spaces and dashes, full-width digits; identifiers that are SSNs; field issue values that kept
other spellings or raw personal values. Each planted shape is caught, phones and street numbers
are not, and the SQL and Python masks agree."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from pathlib import Path

import duckdb
import pytest

from skiptrace import masking
from skiptrace.masking import (
    CHECK_GAP_RANGES,
    GAP_RANGES,
    SSN_IN_TEXT_RE,
    mask_shape,
    mask_shape_sql,
    mask_ssn_runs,
    mask_ssn_runs_sql,
)
from skiptrace.sources.ingest import SsnKeyedFileError, ingest_accounts, ingest_source
from skiptrace.sources.registry import AccountProfile, ContactGroup, Source
from tests.sources.test_field_issues import HEADER, issues, line, person_source, record, write

FW = {ord(str(d)): chr(0xFF10 + d) for d in range(10)}  # '5' -> full-width 5


def digits(text: str) -> str:
    """The ASCII digits of a text, full-width folded (how a reader, or NFKC, sees them)."""
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))


# (field of the person file, value, canonical column)
PLANTED = [
    ("addr", "12 MAIN ST 531  77  0027", "address_line1"),  # two spaces
    ("addr", "531\u201377\u20130028 MAIN ST", "address_line1"),  # en dashes
    ("addr", "531 - 77 - 0032", "address_line1"),  # a spaced dash
    ("addr", "12 MAIN ST 531\u00a077\u00a00097", "address_line1"),  # no-break spaces
    ("addr", "531\u200b77\u200b0030 ELM ST", "address_line1"),  # zero-width spaces
    ("addr", "531,77,0029 MAIN ST", "address_line1"),  # commas standardization spaces out
    ("addr", "12 OAK ST 531\u2212" + "77\u22120031", "address_line1"),  # minus signs
    ("addr", "17 OAK ST 531 -  77 -  0088", "address_line1"),  # four: a dash, spaces around
    ("addr", "17 OAK ST 531&77&0087", "address_line1"),  # '&', which standardization spaces
    ("city", "531 _ 77 _ 0034", "city"),
    ("first", "531770036".translate(FW), "first_name"),  # full-width digits
    ("last", "SMITH 531\uff0d77\uff0d0033", "last_name"),  # full-width hyphen-minus
    ("email", "531 - 77 - 0090@x.com", "email"),
    ("phone", "531 - 77 - 0095", "phone"),
]


@pytest.mark.parametrize(("field", "value", "column"), PLANTED)
def test_every_spelling_of_an_ssn_in_a_text_field_is_nulled(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, field: str, value: str, column: str
) -> None:
    quoted = f'"{value}"' if "," in value else value
    path = write(tmp_path / "p.csv", HEADER, line(), line(id="R1", **{field: quoted}))
    (res,) = ingest_source(con, person_source(path), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (2, 2, 0)
    got = issues(con)
    assert list(got) == [(3, column)]
    reason, action, shown = got[(3, column)]
    assert (reason, action) == ("ssn_in_field", "nulled")
    assert digits(shown) == "", shown  # the value's shape only
    other = "first_name" if column == "last_name" else "last_name"
    assert record(con, 3, column) is None and record(con, 3, other) is not None


# values that must load untouched: phones (3-3-4) and street numbers are not SSNs
CLEAN = [
    ("addr", "12345 MAIN ST"),
    ("addr", "100 12TH ST APT 3456"),
    ("addr", "PO BOX 12345"),
    ("addr", "4500 W 123RD ST STE 45"),
    ("addr", "12 - 14 MAIN ST"),
    ("addr", "217 555 0134 MAIN ST"),  # a phone's grouping is not an SSN's
    ("phone", "(217) 555-0134"),
    ("addr", "217 - 555 - 0134"),
    ("addr", "217\u2013555\u20130134"),
    ("phone", "+1 217 555 0134"),
    ("phone", "217-555-0134 x12"),
]


@pytest.mark.parametrize(("field", "value"), CLEAN)
def test_phones_and_street_numbers_are_not_ssns(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, field: str, value: str
) -> None:
    path = write(tmp_path / "p.csv", HEADER, line(id="R1", **{field: value}))
    ingest_source(con, person_source(path), "r1")
    assert [v[0] for v in issues(con).values()] == [], value
    column = {"addr": "address_line1", "phone": "phone"}[field]
    assert record(con, 2, column) == value


def test_field_issue_values_keep_the_shape_of_personal_values_only(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A DOB is personal: its shape is kept ('####-##-##'), whatever it holds; a balance, a
    flag or the date of a record stays readable, unless it is SSN-shaped."""
    path = write(
        tmp_path / "accounts.csv",
        "account_id,first_name,last_name,ssn,dob,balance,dispute,placed_date",
        "A1,Ann,Lee,531-77-0001,1994-02-30,lots,perhaps,2024-13-45",
        "A2,Bob,Roe,531-77-0002,531  77  0096,531 - 77 - 0070,N,2024-01-01",
        'A3,Cy,Poe,531-77-0003,1980-01-01,"531,77,0071",N,2024-01-01',
    )
    ingest_accounts(con, path, AccountProfile(), "r1")
    got = {k: (v[0], v[2]) for k, v in issues(con).items()}
    assert got == {
        (2, "dob"): ("unparseable_date", "####-##-##"),
        (2, "balance"): ("invalid_amount", "lots"),
        (2, "dispute"): ("invalid_flag", "perhaps"),
        (2, "placed_date"): ("unparseable_date", "2024-13-45"),
        (3, "dob"): ("unparseable_date", "###  ##  ####"),
        (3, "balance"): ("invalid_amount", "### - ## - ####"),
        (4, "balance"): ("invalid_amount", "###,##,####"),
    }


def vendor(path: Path) -> Source:
    return Source(
        name="acme", kind="vendor_batch", path=str(path), reliability=0.8,
        permissible_purpose="collection",
        columns={"account_id": "ACCT", "record_id": "REC_ID", "last_name": "LAST", "ssn": "SSN"},
        groups=[ContactGroup(contact_type="phone", repeat=1, columns={
            "phone": "PHONE{i}", "phone_type": "PHONE{i}_TYPE", "carrier": "PHONE{i}_CARRIER"})],
    )  # fmt: skip


def test_vendor_ids_types_and_carriers_holding_an_ssn(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "v.csv",
        "ACCT,REC_ID,LAST,SSN,PHONE1,PHONE1_TYPE,PHONE1_CARRIER",
        "A1,531770050,Smith,531-77-0050,7025550101,M,CARRIER 531-77-0051",  # REC_ID: the SSN
        "A2,V2,Jones,531-77-0053,7025550102,531770052,VERIZON",
        "A3,V3,Brown,531-77-0054,7025550103,M,AT&T",
        "531-77-0055,V4,White,,7025550104,M,AT&T",  # the vendor's key written like an SSN
        "A5,123456789,Green,531-77-0056,7025550105,M,AT&T",  # a plain 9-digit id: kept
    )
    (res,) = ingest_source(con, vendor(path), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (5, 4, 1)
    got = {k: v[:2] for k, v in issues(con).items()}
    assert got == {
        (2, "record_id"): ("ssn_as_key", "nulled"),
        (2, "carrier#1"): ("ssn_in_field", "nulled"),
        (3, "phone_type#1"): ("ssn_in_field", "nulled"),
    }
    assert all(digits(v[2]) == "" for v in issues(con).values())
    ids = dict(con.execute("SELECT line_no, record_id FROM source_records").fetchall())
    assert ids == {2: "v.csv:2", 3: "V2", 4: "V3", 6: "123456789"}  # the row's own id instead
    contacts = con.execute(
        "SELECT phone, phone_type, carrier FROM source_contacts WHERE phone = '7025550101' "
        "OR phone = '7025550102' ORDER BY phone"
    ).fetchall()
    assert contacts == [("7025550101", "M", None), ("7025550102", None, "VERIZON")]
    (reason, raw) = con.execute("SELECT reason, raw_line FROM quarantine").fetchall()[0]
    assert reason == "ssn_in_key: account_id"
    assert "531770055" not in digits(raw), raw


def test_record_ids_written_like_an_ssn_are_nulled(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """NCOA and bankruptcy ids, a court and a case number holding an SSN: the row loads."""
    ncoa = write(
        tmp_path / "n.csv",
        "NCOA_ID,FULL_NAME,OLD_ADDR,NEW_ADDR,NEW_ZIP",
        "531-77-0067,PAT RILEY,1 MAIN ST,2 PARK LN,38575",
        "NC2,ANN RILEY,1 MAIN ST,2 PARK LN,38575",
    )
    cols = {"record_id": "NCOA_ID", "full_name": "FULL_NAME", "address_line1": "OLD_ADDR",
            "new_address_line1": "NEW_ADDR", "new_zip": "NEW_ZIP"}  # fmt: skip
    src = Source(name="ncoa", kind="ncoa", path=str(ncoa), reliability=0.9,
                 permissible_purpose="collection", columns=cols)  # fmt: skip
    (res,) = ingest_source(con, src, "r1")
    assert (res.rows_loaded, res.rows_rejected) == (2, 0)
    bk = write(
        tmp_path / "b.csv",
        "BK_ID,NAME,SSN,CASE_NUMBER,COURT,CHAPTER",
        'BK1,"PAGE, CAROLYN",531-77-0061,531-77-0062,531770063,7',
        'BK2,"DALBY, MARY",531-77-0064,2:25-bk-36513,ALSB,13',
    )
    cols = {"record_id": "BK_ID", "full_name": "NAME", "ssn": "SSN",
            "bk_case_number": "CASE_NUMBER", "bk_district": "COURT", "bk_chapter": "CHAPTER"}  # fmt: skip
    src = Source(name="bk", kind="bankruptcy", path=str(bk), reliability=0.9,
                 permissible_purpose="collection", columns=cols)  # fmt: skip
    (res,) = ingest_source(con, src, "r1")
    assert (res.rows_loaded, res.rows_rejected) == (2, 0)
    got = {(r[0], r[1], r[2]) for r in con.execute(
        "SELECT source, column_name, reason FROM field_issues").fetchall()}  # fmt: skip
    assert got == {
        ("ncoa", "record_id", "ssn_in_key"),
        ("bk", "bk_case_number", "ssn_in_field"),
        ("bk", "bk_district", "ssn_in_field"),
    }
    rows = con.execute(
        "SELECT source, record_id, bk_case_number, bk_district FROM source_records ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        ("bk", "BK1", None, None), ("bk", "BK2", "2:25-bk-36513", "ALSB"),
        ("ncoa", "NC2", None, None), ("ncoa", "n.csv:2", None, None),
    ]  # fmt: skip


ACCOUNT_HEADER = "account_id,first_name,last_name,ssn,address_line1"


def test_accounts_keyed_by_an_ssn_are_quarantined_with_a_reason(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        ACCOUNT_HEADER,
        "531-77-0070,Ann,Lee,531-77-0001,1 MAIN ST",  # written like an SSN
        "531770071,Bob,Roe,531-77-0071,2 MAIN ST",  # the row's own SSN as its key
        "X531770072,Cy,Poe,531 77 0072,3 MAIN ST",  # the SSN inside the key
        "123456789,Di,Day,531-77-0073,4 MAIN ST",  # a plain 9-digit account number
        "A5,Ed,Eck,531-77-0074,5 MAIN ST",
        "A6,Fay,Fox,,6 MAIN ST",
        "A7,Gus,Gee,531-77-0075,7 MAIN ST",
    )
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (7, 4, 3)
    reasons = dict(con.execute("SELECT line_no, reason FROM quarantine").fetchall())
    assert reasons == {
        2: "ssn_in_key: account_id", 3: "ssn_as_key: account_id", 4: "ssn_as_key: account_id",
    }  # fmt: skip
    for (raw,) in con.execute("SELECT raw_line FROM quarantine").fetchall():
        assert not re.search("53177007[012]", digits(raw)), raw
    loaded = [r[0] for r in con.execute("SELECT account_id FROM accounts ORDER BY 1").fetchall()]
    assert loaded == ["123456789", "A5", "A6", "A7"]


def test_a_file_keyed_by_ssn_is_refused_whole(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [f"531-77-{n:04d},P,Q,531-77-{n:04d},{n} MAIN ST" for n in range(101, 104)]
    path = write(tmp_path / "accounts.csv", ACCOUNT_HEADER, *rows, "A9,Ann,Lee,,9 MAIN ST")
    with pytest.raises(SsnKeyedFileError) as err:
        ingest_accounts(con, path, AccountProfile(), "r1")
    assert str(err.value).startswith("accounts.csv: 3 of 4 rows use an SSN as their account_id")
    assert "\n" not in str(err.value) and "531" not in str(err.value)
    for table in ("accounts", "quarantine", "input_files", "field_issues"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


# --- the patterns ------------------------------------------------------------------------------

MASK_TABLE = [
    # (text, SSN runs masked)
    ("a,531-77-0027,b", "a,***-**-0027,b"),
    ("x 531  77  0027 y", "x ***  **  0027 y"),
    ("531 - 77 - 0032", "*** - ** - 0032"),
    ("531\u201377\u20130028", "***\u2013**\u20130028"),
    ("531\u00a077\u00a00097", "***\u00a0**\u00a00097"),
    ("531\u200b77\u200b0030", "***\u200b**\u200b0030"),
    ("531770036".translate(FW), "*****" + "0036".translate(FW)),
    ("SMITH 531\uff0d77\uff0d0033", "SMITH ***\uff0d**\uff0d0033"),
    ("531 - 77 - 0090@x.com", "*** - ** - 0090@x.com"),
    ("531770050|531770051", "*****0050|*****0051"),  # adjacent runs both masked
    ("5 3 1 7 7 0 0 2 7", "* * * * * 0 0 2 7"),
    ("(217) 555-0134", "(217) 555-0134"),  # a phone is not SSN-shaped
    ("217 - 555 - 0134", "217 - 555 - 0134"),
    ("2175550134", "2175550134"),  # nor is a ten-digit run
    ("531    77 0027", "531    77 0027"),  # four spaces: two groups, not one number
    ("1980-03-04,1 Main St", "1980-03-04,1 Main St"),  # commas delimit a raw line's fields
    ("12345 MAIN ST", "12345 MAIN ST"),
]


@pytest.mark.parametrize(("text", "masked"), MASK_TABLE)
def test_sql_and_python_masks_agree(text: str, masked: str) -> None:
    con = duckdb.connect()
    sql_runs, sql_shape = con.execute(
        f"SELECT {mask_ssn_runs_sql('$t')}, {mask_shape_sql('$t')}", {"t": text}
    ).fetchall()[0]
    assert mask_ssn_runs(text) == sql_runs == masked
    assert mask_shape(text) == sql_shape
    assert digits(mask_shape(text)) == ""


def test_every_unicode_space_and_dash_is_a_gap() -> None:
    """Every space (Zs) and dash (Pd) Python knows sits in the masks' gap class, so a run of
    them between digit groups is an SSN for the check, the SQL mask and the Python mask."""
    kinds = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Zs", "Pd")]
    in_ranges = {chr(c) for a, b in GAP_RANGES for c in range(a, b + 1)}
    assert set(kinds) <= in_ranges, [hex(ord(c)) for c in set(kinds) - in_ranges]
    assert set(kinds) <= {chr(c) for a, b in CHECK_GAP_RANGES for c in range(a, b + 1)}
    con = duckdb.connect()
    texts = [f"x531{c}77{c}{c}0027y" for c in kinds]
    got = con.execute(
        f"SELECT list_transform($t, lambda v: [regexp_matches(v, '{SSN_IN_TEXT_RE}')::VARCHAR, "
        f"{mask_ssn_runs_sql('v')}])",
        {"t": texts},
    ).fetchall()[0][0]
    for text, (matched, masked) in zip(texts, got, strict=True):
        assert matched == "true" and masking.mask_ssn_runs(text) == masked, hex(ord(text[4]))
        assert "531" not in masked, hex(ord(text[4]))


def test_the_join_character_of_the_prefilter_is_no_gap() -> None:
    """ssn_any_sql joins a row's fields with '|': a run must not span two fields."""
    assert not any(a <= ord("|") <= b for a, b in CHECK_GAP_RANGES)


# --- the second line of defence: standardization -------------------------------------------


@pytest.mark.parametrize(
    "line1",
    ["12 MAIN ST 531 77 0027", "531 77 0027", "12 MAIN ST APT 531-77-0027", "531,77,0029 ST"],
)
def test_a_standardized_address_keeps_no_ssn_shaped_part(line1: str) -> None:
    from skiptrace.matchers.address import standardize_address

    std = standardize_address(line1, None, "SPRINGFIELD", "IL", "62701")
    written = [v for k, v in asdict(std).items() if k != "addr_raw" and isinstance(v, str)]
    assert not any(re.search(r"\d{3}\D{0,3}\d{2}\D{0,3}\d{4}", v) for v in written), std
    assert std.zip5 == "62701"


def test_standardized_names_carry_no_ssn() -> None:
    from skiptrace.matchers.names import standardize_name

    for raw in ("SMITH 531\uff0d77\uff0d0033", "531770036".translate(FW), "ANN 531 77 0027"):
        parts = standardize_name(last=raw, full_name=raw)
        written = [str(v) for v in asdict(parts).values() if v]
        assert not any(re.search(r"\d{3}\D{0,3}\d{2}\D{0,3}\d{4}", v) for v in written), parts
        assert parts.last_std is None or not any(c.isdigit() for c in parts.last_std)


def test_an_unreadable_date_of_death_keeps_its_digits(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A death record's unreadable date of death stays readable in its field issue: resolve
    reads its digits to tell a death whose date copies the date of birth ('deceased_disputed',
    sql/resolve/10_flags.sql). Stored as its shape, that check could never fire; SSN-shaped
    runs are still masked."""
    path = write(
        tmp_path / "dmf.csv",
        "ID,LAST,FIRST,DOB,DOD",
        "D1,Doe,Jane,1925-11-03,19Z51103",
        "D2,Roe,Jim,1930-01-01,531 - 77 - 0072",
    )
    src = Source(name="dmf", kind="deceased", path=str(path), reliability=0.98,
                 permissible_purpose="collection",
                 columns={"record_id": "ID", "last_name": "LAST", "first_name": "FIRST",
                          "dob": "DOB", "date_of_death": "DOD"})  # fmt: skip
    ingest_source(con, src, "r1")
    got = {k: v[2] for k, v in issues(con).items() if k[1] == "date_of_death"}
    assert got == {(2, "date_of_death"): "19Z51103", (3, "date_of_death"): "### - ## - ####"}
