"""A generation apart or a wrong date? The DOB gap in 'dob_conflict_same_address' (issue 16).

The same full name at the same address with another date of birth is what a father and son
look like, and the guard keeps them off the debtor. Two dates under 15 years apart
(compare.GENERATION_GAP_DAYS) cannot be a parent and child, so there the same full name is the
same person with a wrong date, unless a suffix on one side or a differing middle initial says
otherwise. Each rule is checked with the wrong-party case it must keep out.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from skiptrace.matchers.compare import (
    ADDR_EXACT,
    DOB_DIFFERENT,
    DOB_NEAR_YEARS,
    FIRST_DIFFERENT,
    FIRST_EXACT,
    FIRST_JW80,
    FIRST_NICKNAME,
    GENERATION_GAP_DAYS,
    LAST_EXACT,
    MIDDLE_DIFFERENT,
    MIDDLE_EQUAL,
    NO_DATA,
    SSN_DIFFERENT,
    SSN_EXACT,
    SUFFIX_CONFLICT,
    SUFFIX_EQUAL,
    SUFFIX_ONE_MISSING,
)
from skiptrace.matchers.guards import evaluate
from skiptrace.matchers.link import link

COMPARE_SQL = Path(__file__).resolve().parents[2] / "sql" / "match" / "compare.sql"


from tests.matchers import test_guards as pop  # the one population builder  # noqa: E402

SAME = {"first_name": FIRST_EXACT, "last_name": LAST_EXACT, "ssn": NO_DATA,
        "address": ADDR_EXACT, "phone": NO_DATA, "email": NO_DATA, "suffix": NO_DATA,
        "middle_initial": NO_DATA}  # fmt: skip


def test_compare_sql_splits_different_dobs_at_the_documented_gap() -> None:
    """The literal in compare.sql is compare.GENERATION_GAP_DAYS (15 years of 365.25 days)."""
    text = COMPARE_SQL.read_text(encoding="utf-8")
    found = re.findall(r"datediff\('day', l\.dob, r\.dob\)\) < (\d+)", text)
    assert found == [str(GENERATION_GAP_DAYS)]
    assert round(15 * 365.25) == GENERATION_GAP_DAYS


def test_a_generation_apart_at_the_same_name_and_address_stays_held() -> None:
    """Father and son: 15+ years apart, with or without JR/SR, nicknames or a similar spelling."""
    father = {**SAME, "dob": DOB_DIFFERENT}
    assert evaluate(father) == "dob_conflict_same_address"
    assert evaluate({**father, "first_name": FIRST_NICKNAME}) == "dob_conflict_same_address"
    assert evaluate({**father, "suffix": SUFFIX_CONFLICT}) == "suffix_conflict"
    assert evaluate({**father, "suffix": SUFFIX_EQUAL}) == "dob_conflict_same_address"


def test_a_wrong_dob_under_a_generation_is_scored() -> None:
    """Under 15 years apart at the full name and address: not a parent and child."""
    wrong_date = {**SAME, "dob": DOB_NEAR_YEARS}
    assert evaluate(wrong_date) is None
    assert evaluate({**wrong_date, "first_name": FIRST_NICKNAME}) is None
    assert evaluate({**wrong_date, "middle_initial": MIDDLE_EQUAL}) is None
    assert evaluate({**wrong_date, "suffix": SUFFIX_EQUAL}) is None


def test_a_near_dob_with_other_evidence_of_another_person_stays_held() -> None:
    """A suffix on one side only, JR vs SR, a differing middle initial, a merely similar given
    name, a differing SSN, or a spouse's given name: still another member of the household."""
    near = {**SAME, "dob": DOB_NEAR_YEARS}
    assert evaluate({**near, "suffix": SUFFIX_ONE_MISSING}) == "dob_conflict_same_address"
    assert evaluate({**near, "suffix": SUFFIX_CONFLICT}) == "suffix_conflict"
    assert evaluate({**near, "middle_initial": MIDDLE_DIFFERENT}) == "dob_conflict_same_address"
    assert evaluate({**near, "first_name": FIRST_JW80}) == "dob_conflict_same_address"
    assert evaluate({**near, "ssn": SSN_DIFFERENT}) == "ssn_conflict_same_address"
    assert evaluate({**near, "first_name": FIRST_DIFFERENT}) == "spouse_pattern"
    assert evaluate({**near, "ssn": SSN_EXACT}) is None  # the SSN agrees: the same person


def test_father_held_and_mistyped_dob_linked_end_to_end(con: duckdb.DuckDBPyConnection) -> None:
    """Real DuckDB through link(): at one name and address, a record 24 years older is the
    father (associate), with JR/SR too; one 6 years off in every component of the date is the
    debtor's own record with a wrong date (debtor); one 14 years off but carrying SR where the
    account has no suffix stays held."""
    pop.background(con)
    debtor = pop.person("GRANT", "ELLISON", dob=dt.date(1984, 3, 9), ssn=None, number="18",
                        street="ASPEN", zip5="30301")  # fmt: skip
    pop.insert(con, "acct_std", "ELLIS", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    father = dict(debtor, dob=dt.date(1960, 7, 22))
    pop.insert(con, "rec_std", 2, father, source="header", kind="person_records")
    pop.insert(con, "rec_std", 3, dict(father, suffix_std="SR"), source="w2", kind="person_records")
    wrong_date = dict(debtor, dob=dt.date(1990, 11, 27))
    pop.insert(con, "rec_std", 4, wrong_date, source="survey", kind="person_records")
    suffixed = dict(debtor, dob=dt.date(1970, 1, 2), suffix_std="SR")
    pop.insert(con, "rec_std", 5, suffixed, source="w2", kind="person_records")
    link(con, "gen1")
    pairs = pop.record_pairs(con, "gen1", "ELLIS")
    assert pairs[1]["role"] == "debtor"
    assert pairs[2]["guard"] == "dob_conflict_same_address"
    assert pairs[2]["role"] == "associate"
    assert pairs[3]["role"] == "associate"
    assert pairs[4]["guard"] is None
    assert pairs[4]["role"] == "debtor"
    assert pairs[5]["role"] != "debtor"
    assert pairs[4]["levels"]["dob"] == DOB_NEAR_YEARS
    assert pairs[2]["levels"]["dob"] == DOB_DIFFERENT
