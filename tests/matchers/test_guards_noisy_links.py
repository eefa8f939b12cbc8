"""Noisy true links against the wrong-party guards (issue 16).

Two rules, each with the wrong-party case it must keep:
- 'ssn_shared_other_given_name': a relative credited with the debtor's SSN (a clearly other
  given name, the middle initial differing or missing) is an associate, while the debtor's own
  record whose given name is a placeholder (the middle initial agrees) stays the debtor's;
- corroboration by the account's linked records: a name match carrying the newer address or
  the SSN of a record already linked to the account is the debtor's, while a namesake with a
  conflicting DOB, or any name-only row of an account whose household shows another
  generation, stays rejected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.compare import (
    DOB_EXACT,
    FIRST_DIFFERENT,
    FIRST_EXACT,
    LAST_EXACT,
    MIDDLE_DIFFERENT,
    MIDDLE_EQUAL,
    NO_DATA,
    SSN_EXACT,
    SSN_LAST4,
    SSN_LAST4_NEAR,
)
from skiptrace.matchers.guards import evaluate
from skiptrace.matchers.link import MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder

# --------------------------------------------------------------------------- SSN copied


def test_ssn_shared_other_given_name_on_levels() -> None:
    """SSN agreement no longer exempts a pair whose given name is clearly another and whose
    middle initial does not agree (differs or is missing: the spouse's record often has none);
    an agreeing middle initial (a placeholder given name) or DOB is the same person."""
    base = {"first_name": FIRST_DIFFERENT, "last_name": LAST_EXACT, "dob": NO_DATA,
            "ssn": SSN_EXACT, "address": 5, "phone": 0, "email": 0, "suffix": 0,
            "middle_initial": MIDDLE_DIFFERENT}  # fmt: skip
    assert evaluate(base) == "ssn_shared_other_given_name"
    assert evaluate({**base, "address": 1}) == "ssn_shared_other_given_name"  # moved relative
    assert evaluate({**base, "ssn": SSN_LAST4}) == "ssn_shared_other_given_name"
    assert evaluate({**base, "middle_initial": MIDDLE_EQUAL}) is None  # placeholder given name
    assert evaluate({**base, "middle_initial": NO_DATA}) is None  # no evidence of a second person
    assert evaluate({**base, "middle_initial": NO_DATA}, other_person=True) == (
        "ssn_shared_other_given_name"
    )
    assert evaluate({**base, "first_name": FIRST_EXACT}) is None
    assert evaluate({**base, "dob": DOB_EXACT}) is None
    assert evaluate({**base, "last_name": 1}) is None  # not this rule (another surname)


def test_a_name_match_with_an_ssn_one_digit_off_is_not_corroborated() -> None:
    """The last four one keystroke apart next to the debtor's full name, with nothing else
    personal, is a namesake's number as often as a typo (the wrong-party audit's MARIA GARCIA in
    the same ZIP): 'uncorroborated_name_match' fires, as for a different SSN; the same last four,
    or an agreeing DOB, corroborates."""
    moved = {"first_name": FIRST_EXACT, "last_name": LAST_EXACT, "dob": NO_DATA,
             "ssn": SSN_LAST4_NEAR, "address": 2, "phone": 0, "email": 0, "suffix": 0,
             "middle_initial": 0}  # fmt: skip
    assert evaluate(moved) == "uncorroborated_name_match"
    assert evaluate({**moved, "ssn": 1}) == "uncorroborated_name_match"
    assert evaluate({**moved, "ssn": SSN_LAST4}) is None
    assert evaluate({**moved, "dob": DOB_EXACT}) is None


def test_a_relative_with_the_debtors_ssn_is_an_associate(con: duckdb.DuckDBPyConnection) -> None:
    pop.background(con)
    debtor = dict(pop.DEBTOR, middle_initial="Q", suffix_std=None)
    pop.insert(con, "acct_std", "DEBTOR", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    # the wife's tax form carries the debtor's SSN: no DOB on it, her own given name and middle
    wife = dict(debtor, first_std="MARY", first_canon="MARY", middle_initial="A", dob=None)
    wife["first_phonetic"] = pop.phonetic_key("MARY")
    pop.insert(con, "rec_std", 2, wife, source="w2", kind="person_records")
    # the debtor's own form with a placeholder for the given name: the middle initial agrees
    placeholder = dict(debtor, first_std="RESIDENT", first_canon="RESIDENT", dob=None)
    pop.insert(con, "rec_std", 3, placeholder, source="w2", kind="person_records")
    link(con, "s1")
    pairs = pop.record_pairs(con, "s1", "DEBTOR")
    assert pairs[1]["role"] == "debtor"
    assert pairs[2]["guard"] == "ssn_shared_other_given_name"
    assert pairs[2]["role"] == "associate"
    assert pairs[3]["guard"] is None and pairs[3]["role"] == "debtor"


# --------------------------------------------------------------------------- linked records

ACCOUNT = pop.person("PETER", "OKONKWO", dob=dt.date(1985, 6, 6), ssn=None, number="5",
                     street="BIRCH", zip5="11201")  # fmt: skip
NEW_HOME = {"street_number": "77", "street_name": "HARBOR", "std_line1": "77 HARBOR ST"}


@pytest.fixture
def mover(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """An account without an SSN, at its placement address, and the debtor's own later record
    (DOB agrees, SSN 555-33-0005) at a newer address: linked on its own evidence."""
    pop.background(con)
    pop.insert(con, "acct_std", "MOVER", ACCOUNT)
    h, last4 = pop._ssn(555_33_0005)
    own = dict(ACCOUNT, **NEW_HOME, ssn_hash=h, ssn_last4=last4)
    pop.insert(con, "rec_std", 1, own, source="survey", kind="person_records")
    return con


def _name_only(**changes: Any) -> dict[str, Any]:
    """A tax-form-like row of the debtor's name: no DOB, no SSN, the newer address."""
    return dict(ACCOUNT, **NEW_HOME, dob=None) | changes


def test_a_name_match_at_a_linked_records_address_is_the_debtor(
    mover: duckdb.DuckDBPyConnection,
) -> None:
    h, last4 = pop._ssn(555_33_0005)
    pop.insert(mover, "rec_std", 2, _name_only(), source="w2", kind="person_records")
    # the debtor's SSN on a form sent to another address in town (an employer's, a PO box)
    elsewhere = _name_only(street_number="9", street_name="DOCK", std_line1="9 DOCK ST",
                           ssn_hash=h, ssn_last4=last4)  # fmt: skip
    pop.insert(mover, "rec_std", 3, elsewhere, source="w2", kind="person_records")
    link(mover, "c1")
    pairs = pop.record_pairs(mover, "c1", "MOVER")
    assert pairs[1]["role"] == "debtor"
    for rec_id in (2, 3):
        assert pairs[rec_id]["match_probability"] >= 0.9, pairs[rec_id]
        assert pairs[rec_id]["role"] == "debtor" and pairs[rec_id]["guard"] is None, pairs[rec_id]


def test_linked_records_do_not_carry_a_namesake_or_another_generation(
    mover: duckdb.DuckDBPyConnection,
) -> None:
    """A namesake born elsewhere in time stays out at the debtor's new address; and once the
    account shows another generation with the debtor's name, a name-only row there may be either
    of them: neither is linked through the linked record."""
    born_other = _name_only(dob=dt.date(1958, 2, 2))
    pop.insert(mover, "rec_std", 2, born_other, source="w2", kind="person_records")
    link(mover, "c2")
    pairs = pop.record_pairs(mover, "c2", "MOVER")
    assert pairs[1]["role"] == "debtor"
    assert pairs.get(2, {"role": None})["role"] != "debtor"

    # the father: same name at the placement address, another DOB and SSN (a generation seen)
    father = dict(ACCOUNT, dob=dt.date(1955, 1, 1), ssn_hash=pop._ssn(555_33_0099)[0],
                  ssn_last4="0099")  # fmt: skip
    pop.insert(mover, "rec_std", 4, father, source="header", kind="person_records")
    pop.insert(mover, "rec_std", 5, _name_only(), source="w2", kind="person_records")
    link(mover, "c3")
    pairs = pop.record_pairs(mover, "c3", "MOVER")
    assert pairs[4]["role"] == "associate" and pairs[4]["guard"] == "dob_conflict_same_address"
    assert pairs[5]["role"] == "rejected" and pairs[5]["guard"] == "uncorroborated_name_match"


def test_dedup_policy_and_disabled_guard_leave_roles_to_the_scores(
    mover: duckdb.DuckDBPyConnection,
) -> None:
    pop.insert(mover, "rec_std", 2, _name_only(), source="w2", kind="person_records")
    link(mover, "c4", settings=MatchSettings(guards=("suffix_conflict",)))
    assert pop.record_pairs(mover, "c4", "MOVER")[2]["role"] == "debtor"  # no guard held it back


# --------------------------------------------------------------------------- borrowed SSN

HOME = pop.person("JOHN", "MARCHETTI", dob=dt.date(1979, 3, 9), ssn=555_21_0001, number="8",
                  street="ASPEN", zip5="19103")  # fmt: skip


@pytest.fixture
def couple(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The debtor's account and own record, and his wife's own record (her SSN 555-21-8473)."""
    pop.background(con)
    pop.insert(con, "acct_std", "JOHN", HOME)
    pop.insert(con, "rec_std", 1, dict(HOME), source="header", kind="person_records")
    h, last4 = pop._ssn(555_21_8473)
    wife = dict(HOME, first_std="ANGELA", first_canon="ANGELA", ssn_hash=h, ssn_last4=last4,
                dob=dt.date(1981, 7, 7), first_phonetic=pop.phonetic_key("ANGELA"))  # fmt: skip
    pop.insert(con, "rec_std", 2, wife, source="header", kind="person_records")
    return con


def test_a_return_carrying_the_wifes_ssn_is_the_debtors(couple: duckdb.DuckDBPyConnection) -> None:
    """His tax return with her SSN (no DOB): the SSN disagrees, but its other holder is ANGELA,
    so it says nothing about another JOHN; the pair is released from the father/son guard."""
    h, last4 = pop._ssn(555_21_8473)
    pop.insert(couple, "rec_std", 3, dict(HOME, dob=None, ssn_hash=h, ssn_last4=last4),
               source="f1040", kind="person_records")  # fmt: skip
    link(couple, "b1")
    pairs = pop.record_pairs(couple, "b1", "JOHN")
    assert pairs[1]["role"] == "debtor"
    assert pairs[3]["match_probability"] >= 0.9, pairs[3]
    assert pairs[3]["role"] == "debtor" and pairs[3]["guard"] is None


def test_the_fathers_own_ssn_still_makes_him_another_generation(
    couple: duckdb.DuckDBPyConnection,
) -> None:
    """The father at the same address with his own SSN, on two forms (no DOB): his SSN's other
    holder is JOHN again, so the guard holds; with a single form and an SSN nobody else
    holds, it holds too."""
    h, last4 = pop._ssn(555_21_0077)
    father = dict(HOME, dob=None, ssn_hash=h, ssn_last4=last4)
    pop.insert(couple, "rec_std", 3, father, source="w2", kind="person_records")
    pop.insert(couple, "rec_std", 4, dict(father), source="w2", kind="person_records")
    link(couple, "b2")
    pairs = pop.record_pairs(couple, "b2", "JOHN")
    for rec_id in (3, 4):
        assert pairs[rec_id]["role"] == "associate", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "ssn_conflict_same_address"
    couple.execute("DELETE FROM rec_std WHERE rec_id = 4")
    link(couple, "b3")
    pairs = pop.record_pairs(couple, "b3", "JOHN")
    assert pairs[3]["role"] == "associate" and pairs[3]["guard"] == "ssn_conflict_same_address"
