"""A given name one keystroke from the debtor's: a typo of the debtor's, or a spouse's.

MARK / MARY, PAUL / PAULA, LOUIS / LOUISE are one edit apart and are spouses and siblings as
often as typos. What tells them apart is the rest of the record: the same SSN, or an agreeing
date of birth, makes the near name the debtor's typo; in the debtor's dwelling, with no SSN
agreement and a date of birth on both sides that disagrees (another date a few years off, or the
same year only), it is a household member ('spouse_pattern'). Before, the near name counted as
the debtor's and a DOB under 15 years off as a wrong date of the same person, so the debtor's
wife at his address sharing his phone was linked as him.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.compare import (
    ADDR_EXACT,
    DOB_DIFFERENT,
    DOB_EXACT,
    DOB_NEAR_YEARS,
    DOB_ONE_COMPONENT,
    DOB_SAME_YEAR,
    DOB_TRANSPOSED,
    FIRST_JW80,
    FIRST_JW92,
    LAST_EXACT,
    MIDDLE_EQUAL,
    NO_DATA,
    PHONE_SHARED,
    SSN_DIFFERENT,
    SSN_EXACT,
    SSN_LAST4,
    SSN_LAST4_NEAR,
)
from skiptrace.matchers.guards import evaluate
from skiptrace.matchers.link import link
from tests.matchers import test_guards as pop  # the one population builder

SPOUSE = {"first_name": FIRST_JW92, "last_name": LAST_EXACT, "dob": DOB_NEAR_YEARS,
          "ssn": NO_DATA, "address": ADDR_EXACT, "phone": PHONE_SHARED, "email": 0,
          "suffix": 0, "middle_initial": MIDDLE_EQUAL}  # fmt: skip


def test_a_near_given_name_with_a_disagreeing_dob_in_the_dwelling_is_a_household_member() -> None:
    assert evaluate(SPOUSE) == "spouse_pattern"
    assert evaluate({**SPOUSE, "dob": DOB_SAME_YEAR}) == "spouse_pattern"
    assert evaluate({**SPOUSE, "first_name": FIRST_JW80, "dob": DOB_SAME_YEAR}) == (
        "spouse_pattern"
    )
    # another SSN does not make her the debtor either
    assert evaluate({**SPOUSE, "ssn": SSN_DIFFERENT}) is not None
    # a generation off is the father/son rule, as before
    assert evaluate({**SPOUSE, "dob": DOB_DIFFERENT}) == "dob_conflict_same_address"


def test_a_near_given_name_the_rest_confirms_is_the_debtors_typo() -> None:
    """The same SSN (or one keystroke off), an agreeing DOB, or no DOB on one side: one slip."""
    for ssn in (SSN_EXACT, SSN_LAST4, SSN_LAST4_NEAR):
        assert evaluate({**SPOUSE, "ssn": ssn}) is None, ssn
    for dob in (DOB_EXACT, DOB_TRANSPOSED, DOB_ONE_COMPONENT, NO_DATA):
        assert evaluate({**SPOUSE, "dob": dob}) is None, dob
    # another unit of the building is not the debtor's dwelling: the pair is scored
    assert evaluate(SPOUSE, same_unit=False) is None


#: The debtor's account: no SSN, his DOB, the household's phone, middle initial A.
MARK = pop.person("MARK", "SMITHFIELD", dob=dt.date(1980, 5, 1), ssn=None, number="42",
                  street="WILLOW", zip5="10001", phone="+12125550199", middle="A")  # fmt: skip


def _as(first: str, **changes: Any) -> dict[str, Any]:
    row = dict(MARK, first_std=first, first_canon=first, first_phonetic=pop.phonetic_key(first))
    return row | changes


@pytest.fixture
def home(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    pop.background(con)
    pop.insert(con, "acct_std", "MARK", MARK)
    pop.insert(con, "rec_std", 1, dict(MARK), source="header", kind="person_records")
    return con


def test_the_wife_one_letter_off_at_his_address_is_not_linked(
    home: duckdb.DuckDBPyConnection,
) -> None:
    """MARY at MARK's address with his phone and the same middle initial, born three years
    later or in his year: linked as MARK before (0.999 and 0.9999), a household member now."""
    pop.insert(home, "rec_std", 2, _as("MARY", dob=dt.date(1983, 9, 12)), source="header",
               kind="person_records")  # fmt: skip
    pop.insert(home, "rec_std", 3, _as("MARY", dob=dt.date(1980, 11, 12)), source="header",
               kind="person_records")  # fmt: skip
    link(home, "m1")
    pairs = pop.record_pairs(home, "m1", "MARK")
    assert pairs[1]["role"] == "debtor"
    for rec_id in (2, 3):
        assert pairs[rec_id]["role"] == "associate", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "spouse_pattern", pairs[rec_id]


def test_the_debtors_own_typo_stays_linked(home: duckdb.DuckDBPyConnection) -> None:
    """MAKR with his DOB, or with no DOB (a W-2): one slip, the debtor's."""
    pop.insert(home, "rec_std", 2, _as("MAKR"), source="header", kind="person_records")
    pop.insert(home, "rec_std", 3, _as("MAKR", dob=None), source="w2", kind="person_records")
    link(home, "m2")
    pairs = pop.record_pairs(home, "m2", "MARK")
    for rec_id in (1, 2, 3):
        assert pairs[rec_id]["role"] == "debtor", pairs[rec_id]
