"""Household members the date of birth cannot tell apart, and SSNs that only look alike.

A wrong-party audit of hand-written households (twins, spouses, a father and son without
suffixes, namesakes in one ZIP) found four patterns linked as the debtor; each scenario here
puts one of them next to the debtor's own noisy records (issue 16's noise: a one-letter typo in
the given name, an SSN typo of the same person, a blank DOB, a married surname), which must
stay linked:

- twins and siblings share a DOB and an address: another given name (MARK / MATTHEW), or a near
  spelling next to another SSN (DANIEL / DANIELLE, ERIC / ERICA), is a household member
  whatever the DOB says ('other_given_name_same_address'), and a sibling who moved is held for
  review ('ssn_conflict_other_given_name');
- no JR/SR on either side: once the account shows another generation with the debtor's name,
  a row of that name without DOB or SSN may be either of them ('generation_ambiguous');
- the debtor's SSN on the spouse's record: a clearly other given name with no agreeing middle
  initial and no agreeing DOB is the spouse ('ssn_shared_other_given_name');
- the last four one digit off is no SSN agreement by itself: a namesake in the same ZIP with no
  DOB is not corroborated by it ('uncorroborated_name_match').
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.compare import (
    ADDR_EXACT,
    ADDR_ZIP,
    DOB_EXACT,
    DOB_NEAR_YEARS,
    DOB_SAME_YEAR,
    FIRST_DIFFERENT,
    FIRST_EXACT,
    FIRST_JW80,
    FIRST_JW92,
    FIRST_NICKNAME,
    LAST_EXACT,
    MIDDLE_DIFFERENT,
    MIDDLE_EQUAL,
    NO_DATA,
    SSN_DIFFERENT,
    SSN_EXACT,
    SSN_LAST4,
    SSN_LAST4_NEAR,
    SUFFIX_ONE_MISSING,
)
from skiptrace.matchers.guards import BY_NAME, evaluate
from skiptrace.matchers.link import link
from tests.matchers import test_guards as pop  # the one population builder


def _named(row: dict[str, Any], first: str, **changes: Any) -> dict[str, Any]:
    """`row` under another given name (its canonical form and phonetic key too)."""
    return dict(row, first_std=first, first_canon=first, first_phonetic=pop.phonetic_key(first),
                **changes)  # fmt: skip


def _ssn(n: int) -> dict[str, Any]:
    h, last4 = pop._ssn(n)
    return {"ssn_hash": h, "ssn_last4": last4}


LEVELS = {"first_name": FIRST_EXACT, "last_name": LAST_EXACT, "dob": DOB_EXACT, "ssn": NO_DATA,
          "address": ADDR_EXACT, "phone": 0, "email": 0, "suffix": 0,
          "middle_initial": 0}  # fmt: skip


# --------------------------------------------------------------------------- twins, siblings


def test_another_given_name_at_the_address_is_a_household_member_on_levels() -> None:
    """The DOB does not tell twins apart; the given name and the SSN do, where the other given
    name is a person with records of their own (other_person)."""
    twin = {**LEVELS, "first_name": FIRST_DIFFERENT}  # MARK / MATTHEW, no SSN on the row
    # another given name on one record alone: as often the debtor's own slip (a replaced name)
    assert evaluate(twin) is None
    assert evaluate({**twin, "ssn": SSN_DIFFERENT, "address": ADDR_ZIP}) is None


def _with_own_records(levels: dict[str, int]) -> str | None:
    return evaluate(levels, other_person=True)


def test_another_given_name_with_its_own_records_is_a_household_member_on_levels() -> None:
    twin = {**LEVELS, "first_name": FIRST_DIFFERENT}
    assert _with_own_records(twin) == "other_given_name_same_address"
    assert _with_own_records({**twin, "ssn": SSN_DIFFERENT}) == "other_given_name_same_address"
    assert _with_own_records({**twin, "ssn": SSN_EXACT}) is None  # the debtor's SSN: not this rule
    # DANIEL / DANIELLE (jaro-winkler 0.95), SSNs one apart; ERIC / ERICA, SSNs unrelated
    near = {**LEVELS, "first_name": FIRST_JW92, "ssn": SSN_LAST4_NEAR}
    assert _with_own_records(near) == "other_given_name_same_address"
    assert _with_own_records({**near, "ssn": SSN_DIFFERENT}) == "other_given_name_same_address"
    assert _with_own_records({**near, "first_name": FIRST_JW80}) == "other_given_name_same_address"
    # ... and the sibling who moved: held for review, not a third-party contact
    moved = {**near, "address": ADDR_ZIP}
    assert _with_own_records(moved) == "ssn_conflict_other_given_name"
    assert BY_NAME["ssn_conflict_other_given_name"].role == "rejected"
    # what stays the debtor's: a one-letter typo in the given name without an SSN on the row,
    # a nickname next to another SSN (a borrowed one), a typo of the same SSN at the same name
    assert _with_own_records({**near, "ssn": NO_DATA}) is None
    assert _with_own_records({**near, "first_name": FIRST_NICKNAME, "ssn": SSN_DIFFERENT}) is None
    assert _with_own_records({**LEVELS, "ssn": SSN_LAST4_NEAR}) is None
    assert _with_own_records({**near, "ssn": SSN_LAST4}) is None  # last four equal: the same SSN
    # an agreeing middle initial: a placeholder or a given name outside the nickname table
    assert _with_own_records({**twin, "middle_initial": MIDDLE_EQUAL}) is None
    assert _with_own_records({**moved, "middle_initial": MIDDLE_EQUAL}) is None


@pytest.fixture
def twins(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """DANIEL KOWALCZYK's account and own record; his twin sister DANIELLE (the next SSN),
    twin brother MATTHEW (no SSN on his record), all born the same day at one address."""
    pop.background(con)
    debtor = pop.person("DANIEL", "KOWALCZYK", dob=dt.date(1990, 6, 15), ssn=530_21_4467,
                        number="5", street="COURT", zip5="11201",
                        phone="+12085551001")  # fmt: skip
    pop.insert(con, "acct_std", "DANIEL", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    sister = _named(debtor, "DANIELLE", phone_e164="+12085551002", **_ssn(530_21_4468))
    pop.insert(con, "rec_std", 2, sister, source="header", kind="person_records")
    moved = dict(sister, street_number="820", street_name="NINTH", std_line1="820 NINTH ST")
    pop.insert(con, "rec_std", 3, moved, source="header", kind="person_records")
    brother = _named(debtor, "MATTHEW", phone_e164="+12085551003", ssn_hash=None,
                     ssn_last4=None)  # fmt: skip
    pop.insert(con, "rec_std", 4, brother, source="header", kind="person_records")
    brother_survey = dict(brother, phone_e164=None)  # his own second record at the address
    pop.insert(con, "rec_std", 7, brother_survey, source="survey", kind="person_records")
    # the debtor's own noisy records: a one-letter typo in the given name (no SSN on the row),
    # and the last two digits of his SSN transposed at a newer address
    typo = _named(debtor, "DANIAL", ssn_hash=None, ssn_last4=None, phone_e164=None)
    pop.insert(con, "rec_std", 5, typo, source="survey", kind="person_records")
    newer = dict(debtor, street_number="12", street_name="RIVER", std_line1="12 RIVER ST",
                 phone_e164=None, **_ssn(530_21_4476))  # fmt: skip
    pop.insert(con, "rec_std", 6, newer, source="header", kind="person_records")
    return con


def test_twins_at_one_address_are_not_the_debtor(twins: duckdb.DuckDBPyConnection) -> None:
    link(twins, "t1")
    pairs = pop.record_pairs(twins, "t1", "DANIEL")
    assert pairs[1]["role"] == "debtor"
    for rec_id in (2, 4):  # the twins at home: household members
        assert pairs[rec_id]["role"] == "associate", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "other_given_name_same_address", pairs[rec_id]
    if 3 in pairs:  # the sister who moved: never the debtor, held for review if it scores
        assert pairs[3]["role"] == "rejected", pairs[3]
        assert pairs[3]["guard"] == "ssn_conflict_other_given_name", pairs[3]
    for rec_id in (5, 6):  # the debtor's own noisy records
        assert pairs[rec_id]["role"] == "debtor" and pairs[rec_id]["guard"] is None, pairs[rec_id]


def test_another_given_name_on_a_single_record_stays_the_debtors(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The debtor's own record with a replaced given name (a vendor's slip, a placeholder on a
    W-2): no record of a second person with that name anywhere, so it is scored; the same name
    on a second record at the address is a twin, held."""
    pop.background(con)
    debtor = pop.person("DANIEL", "KOWALCZYK", dob=dt.date(1990, 6, 15), ssn=530_21_4467,
                        number="5", street="COURT", zip5="11201",
                        phone="+12085551001")  # fmt: skip
    pop.insert(con, "acct_std", "DANIEL", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    slip = _named(debtor, "MATTHEW", ssn_hash=None, ssn_last4=None)
    pop.insert(con, "rec_std", 2, slip, source="survey", kind="person_records")
    link(con, "s1")
    pairs = pop.record_pairs(con, "s1", "DANIEL")
    assert pairs[2]["role"] == "debtor" and pairs[2]["guard"] is None, pairs[2]
    pop.insert(con, "rec_std", 3, dict(slip, phone_e164=None), source="header",
               kind="person_records")  # fmt: skip
    link(con, "s2")
    pairs = pop.record_pairs(con, "s2", "DANIEL")
    for rec_id in (2, 3):
        assert pairs[rec_id]["role"] == "associate", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "other_given_name_same_address", pairs[rec_id]


# --------------------------------------------------------------------------- no suffix at all


def test_either_generation_without_a_suffix_on_levels() -> None:
    either = {**LEVELS, "dob": NO_DATA}  # the name at the address, no DOB, SSN or suffix
    assert evaluate(either) is None  # no other generation seen: scored as usual
    # suffix on neither side: only a generation dated by a suffix or a DOB holds it, and only
    # a row without SSN (another SSN next to a missing DOB is often a spouse's on a return)
    assert evaluate(either, household=True) is None
    assert evaluate(either, household=True, dated=True) == "generation_ambiguous"
    assert evaluate({**either, "ssn": SSN_DIFFERENT}, household=True, dated=True) != (
        "generation_ambiguous"
    )
    assert evaluate({**either, "suffix": SUFFIX_ONE_MISSING}, household=True) == (
        "generation_ambiguous"
    )
    assert evaluate({**either, "ssn": SSN_EXACT}, household=True, dated=True) is None
    assert evaluate({**either, "dob": DOB_SAME_YEAR}, household=True, dated=True) is None


@pytest.fixture
def generations(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """JAMES OYELARAN (1979), no suffix on the account, and his own record; a name-only row at
    his address (an NCOA move, a bankruptcy filing without SSN): the father's or his?"""
    pop.background(con)
    debtor = pop.person("JAMES", "OYELARAN", dob=dt.date(1979, 7, 21), ssn=301_22_4455,
                        number="12", street="OAK", zip5="19103")  # fmt: skip
    pop.insert(con, "acct_std", "JAMES", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    name_only = dict(debtor, dob=None, ssn_hash=None, ssn_last4=None, phone_e164=None)
    pop.insert(con, "rec_std", 2, name_only, source="ncoa", kind="ncoa")
    pop.insert(con, "rec_std", 3, dict(name_only), source="bankruptcy", kind="bankruptcy")
    return con


def test_without_a_suffix_a_name_only_row_is_held_once_the_father_is_seen(
    generations: duckdb.DuckDBPyConnection,
) -> None:
    link(generations, "n1")
    pairs = pop.record_pairs(generations, "n1", "JAMES")
    for rec_id in (1, 2, 3):  # no other generation known: the rows are the debtor's
        assert pairs[rec_id]["role"] == "debtor" and pairs[rec_id]["guard"] is None, pairs

    # the father: the same name at the address, born a generation earlier, his own SSN
    father = dict(pop.person("JAMES", "OYELARAN", dob=dt.date(1951, 1, 15), ssn=301_11_9876,
                             number="12", street="OAK", zip5="19103"))  # fmt: skip
    pop.insert(generations, "rec_std", 4, father, source="header", kind="person_records")
    link(generations, "n2")
    pairs = pop.record_pairs(generations, "n2", "JAMES")
    assert pairs[1]["role"] == "debtor"
    assert pairs[4]["role"] == "associate" and pairs[4]["guard"] == "dob_conflict_same_address"
    for rec_id in (2, 3):
        assert pairs[rec_id]["role"] == "rejected", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "generation_ambiguous", pairs[rec_id]


# --------------------------------------------------------------------------- SSN on the spouse


def test_the_debtors_ssn_under_another_given_name_on_levels() -> None:
    """A clearly other given name with the debtor's SSN: the spouse, unless the middle initial
    or the DOB agrees."""
    spouse = {**LEVELS, "first_name": FIRST_DIFFERENT, "ssn": SSN_EXACT, "dob": NO_DATA}
    # no middle initial, no DOB: held only where the other given name has records of its own
    assert evaluate(spouse) is None
    assert evaluate(spouse, other_person=True) == "ssn_shared_other_given_name"
    # a DOB a year off is no second person by itself (a typo of the debtor's own record looks
    # the same); with records of its own it is
    assert evaluate({**spouse, "dob": DOB_NEAR_YEARS}) is None
    assert evaluate({**spouse, "dob": DOB_NEAR_YEARS}, other_person=True) == (
        "ssn_shared_other_given_name"
    )
    assert evaluate({**spouse, "middle_initial": MIDDLE_DIFFERENT}) == (
        "ssn_shared_other_given_name"
    )
    placeholder = {**spouse, "middle_initial": MIDDLE_EQUAL}
    assert evaluate(placeholder, other_person=True) is None  # a placeholder name
    assert evaluate({**spouse, "dob": DOB_EXACT}, other_person=True) is None
    assert evaluate({**spouse, "first_name": FIRST_NICKNAME}) is None
    assert evaluate({**spouse, "first_name": FIRST_JW92}) is None  # a typo of the given name


def test_the_spouses_record_with_the_debtors_ssn_is_an_associate(
    con: duckdb.DuckDBPyConnection,
) -> None:
    pop.background(con)
    debtor = pop.person("MARY", "LINDQVIST", dob=dt.date(1972, 3, 3), ssn=455_66_1212,
                        number="40", street="LINDEN", zip5="60601",
                        middle="E")  # fmt: skip
    pop.insert(con, "acct_std", "MARY", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    # the husband's record with her SSN (a joint return): no DOB, no middle initial
    husband = _named(debtor, "PAUL", dob=None, middle_initial=None, phone_e164=None)
    pop.insert(con, "rec_std", 2, husband, source="f1040", kind="person_records")
    # the husband's record with her SSN and his DOB, a year from hers
    husband_dob = dict(husband, dob=dt.date(1971, 1, 20))
    pop.insert(con, "rec_std", 3, husband_dob, source="header", kind="person_records")
    # her own record under her married surname at a newer address, her SSN, no DOB
    married = dict(debtor, last_std="PETERSEN", last_phonetic=pop.phonetic_key("PETERSEN"),
                   street_number="9", street_name="LAKE", std_line1="9 LAKE ST", dob=None,
                   phone_e164=None)  # fmt: skip
    pop.insert(con, "rec_std", 4, married, source="header", kind="person_records")
    link(con, "m1")
    pairs = pop.record_pairs(con, "m1", "MARY")
    assert pairs[1]["role"] == "debtor"
    for rec_id in (2, 3):
        assert pairs[rec_id]["role"] == "associate", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "ssn_shared_other_given_name", pairs[rec_id]
    assert pairs[4]["role"] == "debtor" and pairs[4]["guard"] is None, pairs[4]


def test_the_debtors_own_return_under_a_placeholder_given_name_stays_hers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Her SSN on a single record under another given name, no DOB, no middle initial (a
    placeholder keyed for the name, NEPHEW): nobody of that name has records of their own."""
    pop.background(con)
    debtor = pop.person("MARY", "LINDQVIST", dob=dt.date(1972, 3, 3), ssn=455_66_1212,
                        number="40", street="LINDEN", zip5="60601")  # fmt: skip
    pop.insert(con, "acct_std", "MARY", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    own = _named(debtor, "NEPHEW", dob=None, middle_initial=None, phone_e164=None)
    pop.insert(con, "rec_std", 2, own, source="w2", kind="person_records")
    link(con, "p1")
    pairs = pop.record_pairs(con, "p1", "MARY")
    assert pairs[2]["role"] == "debtor" and pairs[2]["guard"] is None, pairs[2]


# --------------------------------------------------------------------------- SSN one digit off


def test_the_last_four_one_digit_off_is_no_agreement_by_itself_on_levels() -> None:
    namesake = {**LEVELS, "dob": NO_DATA, "ssn": SSN_LAST4_NEAR, "address": ADDR_ZIP,
                "middle_initial": MIDDLE_EQUAL}  # fmt: skip
    assert evaluate(namesake) == "uncorroborated_name_match"
    assert evaluate({**namesake, "ssn": SSN_LAST4}) is None  # the same last four
    assert evaluate({**namesake, "dob": DOB_EXACT}) is None  # the DOB corroborates


def test_a_namesake_whose_last_four_is_one_digit_off_is_not_the_debtor(
    con: duckdb.DuckDBPyConnection,
) -> None:
    pop.background(con)
    debtor = pop.person("MARIA", "ECHEVARRIA", dob=dt.date(1975, 1, 1), ssn=450_11_2233,
                        number="100", street="COMMERCE", zip5="73301", middle="L",
                        phone="+12102271001")  # fmt: skip
    pop.insert(con, "acct_std", "MARIA", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    # another MARIA L in the ZIP: her own SSN (last four one digit from the debtor's), no DOB
    namesake = dict(debtor, street_number="311", street_name="FRIO", std_line1="311 FRIO ST",
                    dob=None, phone_e164="+12102273004", **_ssn(450_11_2283))  # fmt: skip
    pop.insert(con, "rec_std", 2, namesake, source="header", kind="person_records")
    # the debtor herself at a newer address, her SSN keyed with a typo, her DOB
    newer = dict(namesake, street_number="4500", street_name="BANDERA",
                 std_line1="4500 BANDERA ST", dob=debtor["dob"], phone_e164=None,
                 **_ssn(450_11_2238))  # fmt: skip
    pop.insert(con, "rec_std", 3, newer, source="header", kind="person_records")
    link(con, "l1")
    pairs = pop.record_pairs(con, "l1", "MARIA")
    assert pairs[1]["role"] == "debtor"
    assert pairs.get(2, {"role": None})["role"] != "debtor", pairs.get(2)
    if 2 in pairs:
        assert pairs[2]["guard"] == "uncorroborated_name_match", pairs[2]
    assert pairs[3]["role"] == "debtor" and pairs[3]["guard"] is None, pairs[3]
