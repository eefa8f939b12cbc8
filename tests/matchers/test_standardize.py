"""build_std_tables: identities built from current rows + caches, phones long tables, replaced
(accounts) or brought up to date (records), and an incremental build equal to a full one."""

from __future__ import annotations

import duckdb
import pytest

from skiptrace.matchers.names import standardize_names
from skiptrace.matchers.phones import standardize_phones
from skiptrace.matchers.standardize import build_std_tables

R1 = 2 * 10_000_000_000 + 2
R2 = 2 * 10_000_000_000 + 3
R3 = 3 * 10_000_000_000 + 2  # in a superseded file


def _seed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES"
        " (1, 'accounts', 'accounts', 'loaded'),"
        " (2, 'acme', 'vendor_batch', 'loaded'),"
        " (3, 'acme', 'vendor_batch', 'superseded')"
    )
    con.execute(
        """INSERT INTO accounts (file_no, line_no, account_id, first_name, middle_name, last_name,
               suffix, full_name, ssn_hash, ssn_last4, dob, address_line1, address_line2, city,
               state, zip, phone, phone_2, phone_3, attorney_phone, email) VALUES
           (1, 2, 'A1', NULL, NULL, NULL, NULL, 'SMITH, ROBERT J', 'h1', '1111', DATE '1970-01-02',
            '123 Main St.', NULL, 'New York', 'NY', '10001',
            '(212) 736-5000', '212-736-5000', '999-999-9999', '1-800-555-1212', ' Bob@Example.COM '),
           (1, 3, 'A2', 'William', NULL, 'Smyth', 'Sr', NULL, 'h2', '2222', DATE '1950-05-06',
            NULL, NULL, NULL, NULL, NULL,
            '555-1234', '(312) 555-2147', NULL, NULL, 'not-an-email')"""
    )
    con.execute(
        f"""INSERT INTO source_records (rec_id, file_no, line_no, source, kind, account_id,
               first_name, middle_name, last_name, suffix, full_name, address_line1, city, state,
               zip, phone, email) VALUES
           ({R1}, 2, 2, 'acme', 'vendor_batch', 'A1', 'Bob', 'James', 'Smith', NULL, NULL,
            '123 MAIN STREET', 'NEW YORK', 'NY', '10001', NULL, NULL),
           ({R2}, 2, 3, 'acme', 'vendor_batch', NULL, NULL, NULL, NULL, NULL, 'SMYTH, BILL SR',
            NULL, NULL, NULL, NULL, '312.555.2147', 'Bill@Example.com'),
           ({R3}, 3, 2, 'acme', 'vendor_batch', 'A1', 'Old', NULL, 'Row', NULL, NULL,
            NULL, NULL, NULL, NULL, '808 555 1234', NULL)"""
    )
    con.execute(
        f"""INSERT INTO source_contacts (rec_id, file_no, source, contact_type, rank, role, phone,
               email) VALUES
           ({R1}, 2, 'acme', 'phone', 2, 'debtor', '(212) 736-5000', NULL),
           ({R1}, 2, 'acme', 'phone', 1, 'debtor', '602 555 2123', NULL),
           ({R1}, 2, 'acme', 'phone', 1, 'third_party', '808 555 1234', NULL),
           ({R1}, 2, 'acme', 'phone', 3, 'debtor', '000-000-0000', NULL),
           ({R1}, 2, 'acme', 'email', 1, 'debtor', NULL, 'R1@Example.com'),
           ({R3}, 3, 'acme', 'phone', 1, 'debtor', '303-555-2100', NULL)"""
    )
    # The address cache belongs to matchers/address.py; rows are written directly here so this
    # test does not depend on the address parser.
    con.execute(
        """INSERT INTO std_address_cache (addr_raw, street_number, street_name, suffix, std_line1,
               city, state, zip5, quality, parser) VALUES
           (addr_raw('123 Main St.', NULL, 'New York', 'NY', '10001'), '123', 'MAIN', 'ST',
            '123 MAIN ST', 'NEW YORK', 'NY', '10001', 'ok', 'fast'),
           (addr_raw('123 MAIN STREET', NULL, 'NEW YORK', 'NY', '10001'), '123', 'MAIN', 'ST',
            '123 MAIN ST', 'NEW YORK', 'NY', '10001', 'ok', 'fast')"""
    )


@pytest.fixture
def built(con: duckdb.DuckDBPyConnection) -> tuple[duckdb.DuckDBPyConnection, dict[str, int]]:
    _seed(con)
    standardize_names(con)
    standardize_phones(con)
    return con, build_std_tables(con).counts


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, object]]:
    cur = con.execute(query)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_counts(built: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    _, counts = built
    assert counts == {"acct_std": 2, "rec_std": 2, "acct_phones": 2, "rec_phones": 3}


def test_acct_std(built: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    con, _ = built
    a1, a2 = _rows(con, "SELECT * FROM acct_std ORDER BY account_id")
    assert a1 == {
        "account_id": "A1",
        "first_std": "ROBERT",
        "first_canon": "ROBERT",
        "middle_initial": "J",
        "last_std": "SMITH",
        "last_phonetic": "SM0",
        "first_phonetic": "RBRT",
        "suffix_std": None,
        "dob": a1["dob"],
        "dob_ambiguous": None,
        "ssn_hash": "h1",
        "ssn_last4": "1111",
        "street_number": "123",
        "street_name": "MAIN",
        "unit_number": None,
        "std_line1": "123 MAIN ST",
        "city": "NEW YORK",
        "state": "NY",
        "zip5": "10001",
        "phone_e164": "+12127365000",
        "email_norm": "bob@example.com",
        "name_abjad": False,  # written in Latin letters (migration 118)
        "dob_unread": None,  # the DOB read, no unreadable digits kept (migration 122)
    }
    assert str(a1["dob"]) == "1970-01-02"
    # Bill/William, SMYTH sounds like SMITH, SR kept; invalid first phone skipped for phone_2.
    assert (a2["first_canon"], a2["last_std"], a2["suffix_std"]) == ("WILLIAM", "SMYTH", "SR")
    assert a2["last_phonetic"] == a1["last_phonetic"]
    assert a2["phone_e164"] == "+13125552147"
    assert a2["email_norm"] is None
    assert a2["std_line1"] is None  # no address on file: NULL, not a guess


def test_rec_std(built: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    con, _ = built
    r1, r2 = _rows(con, "SELECT * FROM rec_std ORDER BY rec_id")
    assert r1["rec_id"] == R1
    assert (r1["source"], r1["kind"], r1["account_id"]) == ("acme", "vendor_batch", "A1")
    # BOB -> ROBERT: same canonical and first_phonetic as account A1's ROBERT.
    assert (r1["first_std"], r1["first_canon"], r1["first_phonetic"]) == ("BOB", "ROBERT", "RBRT")
    assert r1["middle_initial"] == "J"
    assert r1["std_line1"] == "123 MAIN ST"  # a different raw spelling, the same standard line
    # No own phone: best-ranked debtor contact; the relative's rank-1 number is not used.
    assert r1["phone_e164"] == "+16025552123"
    assert r1["email_norm"] == "r1@example.com"
    assert r2["rec_id"] == R2
    assert (r2["first_std"], r2["first_canon"], r2["last_std"], r2["suffix_std"]) == (
        "BILL",
        "WILLIAM",
        "SMYTH",
        "SR",
    )
    assert r2["phone_e164"] == "+13125552147"
    assert r2["email_norm"] == "bill@example.com"


def test_phone_tables(built: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    con, _ = built
    # A1's phone and phone_2 are one number (kept once, at slot 1); 999-999-9999 is invalid;
    # the attorney's toll-free number is not the debtor's. A2's 555-1234 is invalid.
    assert con.execute("SELECT * FROM acct_phones ORDER BY account_id, slot").fetchall() == [
        ("A1", 1, "+12127365000"),
        ("A2", 2, "+13125552147"),
    ]
    # Debtor contacts and own phones only: no third-party 808 number, no invalid 000 number,
    # nothing from the superseded file.
    assert con.execute("SELECT * FROM rec_phones ORDER BY rec_id, e164").fetchall() == [
        (R1, "+12127365000"),
        (R1, "+16025552123"),
        (R2, "+13125552147"),
    ]


def test_rebuild_replaces(built: tuple[duckdb.DuckDBPyConnection, dict[str, int]]) -> None:
    con, counts = built
    con.execute("UPDATE input_files SET status = 'superseded' WHERE file_no = 2")
    again = build_std_tables(con)
    assert again.counts == {**counts, "rec_std": 0, "rec_phones": 0}
    assert (again.records, again.records_dropped, again.records_built) == ("incremental", 2, 0)
    con.execute("UPDATE input_files SET status = 'loaded' WHERE file_no = 2")
    back = build_std_tables(con)
    assert back.counts == counts
    assert (back.records, back.records_built) == ("incremental", 2)


R4 = 4 * 10_000_000_000 + 2  # in a file delivered after the first build


def _identities(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    return (
        con.execute("SELECT * FROM rec_std ORDER BY rec_id").fetchall(),
        con.execute("SELECT * FROM rec_phones ORDER BY ALL").fetchall(),
    )


def test_an_incremental_build_equals_a_full_one(
    built: tuple[duckdb.DuckDBPyConnection, dict[str, int]],
) -> None:
    """A night's change: a new file with a record and its contacts, an old file superseded,
    another brought back. The record identities brought up to date are the rows a full rebuild
    writes, and only the changed records were built or dropped."""
    con, _ = built
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) "
        "VALUES (4, 'acme', 'vendor_batch', 'loaded')"
    )
    con.execute(
        f"""INSERT INTO source_records (rec_id, file_no, line_no, source, kind, account_id,
               first_name, last_name, address_line1, city, state, zip, phone) VALUES
           ({R4}, 4, 2, 'acme', 'vendor_batch', 'A2', 'William', 'Smyth', '123 Main St.',
            'New York', 'NY', '10001', '(312) 555-2147')"""
    )
    con.execute(
        f"""INSERT INTO source_contacts (rec_id, file_no, source, contact_type, rank, role, phone)
           VALUES ({R4}, 4, 'acme', 'phone', 1, 'debtor', '602 555 2123')"""
    )
    con.execute("UPDATE input_files SET status = 'superseded' WHERE file_no = 2")
    con.execute("UPDATE input_files SET status = 'loaded' WHERE file_no = 3")
    standardize_names(con)
    standardize_phones(con)
    night = build_std_tables(con)
    assert (night.records, night.records_built, night.records_dropped) == ("incremental", 2, 2)
    kept = _identities(con)
    assert [r[0] for r in kept[0]] == [R3, R4]
    full = build_std_tables(con, full=True)
    assert (full.records, full.records_built) == ("full", 2)
    assert full.counts == night.counts
    assert _identities(con) == kept
    assert con.execute(
        "SELECT mode, reason, records_built, records_dropped FROM std_identity_state"
    ).fetchall() == [("full", "full rebuild asked for", 2, 0)]


def test_a_changed_standardizer_rebuilds_every_record_identity(
    built: tuple[duckdb.DuckDBPyConnection, dict[str, int]],
) -> None:
    """A cache row written by another standardizer version (an upgrade) may differ from the one
    an identity was built from: the next build is a full one, and so is one with no state."""
    con, counts = built
    assert build_std_tables(con).records == "incremental"
    con.execute("UPDATE std_name_cache SET std_version = 'name+upgraded'")
    rebuilt = build_std_tables(con)
    assert (rebuilt.records, rebuilt.reason) == ("full", "standardizer or build SQL changed")
    assert rebuilt.counts == counts and rebuilt.records_built == 2
    assert build_std_tables(con).records == "incremental"
    con.execute("DELETE FROM std_identity_state")
    assert build_std_tables(con).reason == "no identity build recorded"
