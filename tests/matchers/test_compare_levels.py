"""Comparison levels computed by sql/match/compare.sql on real DuckDB sides (acct_std x rec_std):
one-keystroke given-name typos, street names with run-in words, addresses the standardizer left
unsplit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.matchers import compare
from skiptrace.matchers.compare import (
    ADDR_STREET,
    FIRST_JW80,
    FIRST_JW92,
)
from tests.matchers import test_guards as pop  # the one population builder

BORN = dt.date(1970, 5, 26)


def _levels(
    con: duckdb.DuckDBPyConnection, left: dict[str, Any], right: dict[str, Any]
) -> dict[str, Any]:
    """Levels of the one pair (account A, record 1) built from the two identity rows."""
    pop.insert(con, "acct_std", "A", left)
    pop.insert(con, "rec_std", 1, right, source="header", kind="person_records")
    compare.prepare_sides(con)
    compare.compare_pairs(con, "SELECT 'A' AS account_id, 1::BIGINT AS rec_id")
    return sql.rows(con, "SELECT * FROM _match_cmp")[0]


def _jw(con: duckdb.DuckDBPyConnection, a: str, b: str) -> float:
    return float(con.execute("SELECT jaro_winkler_similarity(?, ?)", [a, b]).fetchall()[0][0])


def _someone(first: str, last: str, **kw: Any) -> dict[str, Any]:
    home = {"number": "12", "street": "SOUTHERN", "zip5": "02517"} | kw
    return pop.person(first, last, dob=BORN, ssn=None, **home)


def test_a_one_keystroke_given_name_agrees_where_jaro_winkler_says_only_similar(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert _jw(con, "ZALI", "ZALK") < 0.92  # jaro-winkler alone: level 'jw >= 0.80'
    lv = _levels(con, _someone("ZALI", "SHEPHERD"), _someone("ZALK", "SHEPHERD"))
    assert lv["first_name"] == FIRST_JW92


def test_three_letter_names_one_letter_apart_stay_different_names(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """JON and JAN are other people's names, not a typo of each other."""
    lv = _levels(con, _someone("JON", "SHEPHERD"), _someone("JAN", "SHEPHERD"))
    assert lv["first_name"] <= FIRST_JW80


def test_a_street_name_with_run_in_words_is_the_same_street(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """SOUTHERN / SOUTHERN CLOSE LITTLE (a locality run into the street): same number and ZIP,
    so the street agrees, where jaro-winkler (0.88) would call it only partly agreeing."""
    record = _someone("JOSHUA", "HUXLEY", street="SOUTHERN CLOSE LITTLE")
    lv = _levels(con, _someone("JOSHUA", "HUXLEY"), record)
    assert lv["address"] == ADDR_STREET


def test_an_unsplit_address_compares_by_its_leading_number_and_street(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The standardizer split neither number nor street ("70 SPENSLEY PLACE PANDORA ORCHARD"):
    the match sides read both from std_line1, so the address agrees at street level."""
    account = _someone("JEREMY", "MATTHEWS", number="70", street="SPENSLEY")
    record = _someone("JEREMY", "MATTHEWS", number=None, street=None)
    record["std_line1"] = "70 SPENSLEY PLACE PANDORA ORCHARD"
    assert _levels(con, account, record)["address"] == ADDR_STREET
    sides = sql.rows(con, "SELECT street_number, street_name FROM _mr")
    assert sides == [{"street_number": "70", "street_name": "SPENSLEY"}]


def test_a_masked_ssn_compares_on_its_last_four_only(con: duckdb.DuckDBPyConnection) -> None:
    """A record with a masked SSN (PACER's XXX-XX-1234) has a last four and no hash. Equal last
    fours are the weaker last-four level; a last four one digit away is a different SSN there
    (the 'near' level is a typo between two full SSNs), never evidence for the pair."""
    account = _someone("KEVIN", "HARRIS")
    account["ssn_hash"], account["ssn_last4"] = "h-account", "7710"
    record = _someone("KEVIN", "HARRIS")
    record["ssn_hash"], record["ssn_last4"] = None, "7710"
    assert _levels(con, account, record)["ssn"] == compare.SSN_LAST4
    con.execute("DELETE FROM acct_std; DELETE FROM rec_std")
    record["ssn_last4"] = "7719"
    assert _levels(con, account, record)["ssn"] == compare.SSN_DIFFERENT
    con.execute("DELETE FROM acct_std; DELETE FROM rec_std")
    record["ssn_hash"] = "h-record"  # two full SSNs one digit apart in the last four: a typo
    assert _levels(con, account, record)["ssn"] == compare.SSN_LAST4_NEAR
