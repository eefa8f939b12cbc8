"""A given-name guard against the debtor's own records under another name than the account's.

When the account row's given name is the odd one (a placeholder keyed by the creditor, a
nickname the table does not fold), every record of the debtor carries "another" given name.
Those with an agreeing middle initial link on the SSN; the ones without one were held as a
relative's ('ssn_shared_other_given_name'), the linked ones even counting as the second
person. A record with the full name and the full SSN of a debtor link is that link's person
(matchers/link.py, release_named_by_linked_records). The wrong-party cases it must keep: a
spouse credited with the debtor's SSN (no debtor link carries her name), and a record of the
linked name whose DOB or middle initial says another person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.link import MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder

#: The account: the creditor keyed a placeholder for the given name (the middle initial, the
#: SSN, the DOB and the address are the debtor's).
ACCOUNT = pop.person("FEMALE", "HERRICK", dob=dt.date(1980, 3, 23), ssn=555_44_1185,
                     number="12", street="LINDEN", zip5="60601", middle="M")  # fmt: skip


def _form(first: str, **changes: Any) -> dict[str, Any]:
    """A W-2-like row at the account's address: no DOB, the account's SSN."""
    row = dict(ACCOUNT, first_std=first, first_canon=first, dob=None)
    row["first_phonetic"] = pop.phonetic_key(first)
    return row | changes


@pytest.fixture
def placed(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The account and two of the debtor's own forms under her real given name, the middle
    initial agreeing: linked on the SSN whatever the given name."""
    pop.background(con)
    pop.insert(con, "acct_std", "ACCT", ACCOUNT)
    for rec_id in (1, 2):
        pop.insert(con, "rec_std", rec_id, _form("DANIELLE"), source="w2", kind="person_records")
    return con


def test_the_debtors_form_without_a_middle_initial_joins_her_linked_forms(
    placed: duckdb.DuckDBPyConnection,
) -> None:
    """Her forms without the middle initial: the same given name, surname and SSN as her
    linked forms. Held as a relative's before (the linked DANIELLE forms were the "second
    person"); linked now."""
    for rec_id in (3, 4):
        pop.insert(placed, "rec_std", rec_id, _form("DANIELLE", middle_initial=None),
                   source="w2", kind="person_records")  # fmt: skip
    link(placed, "n1")
    pairs = pop.record_pairs(placed, "n1", "ACCT")
    for rec_id in (1, 2):
        assert pairs[rec_id]["role"] == "debtor" and pairs[rec_id]["guard"] is None
    for rec_id in (3, 4):
        assert pairs[rec_id]["match_probability"] >= 0.9, pairs[rec_id]
        assert pairs[rec_id]["role"] == "debtor", pairs[rec_id]
        assert pairs[rec_id]["guard"] is None, pairs[rec_id]


def test_a_spouse_with_the_debtors_ssn_stays_a_household_member(
    placed: duckdb.DuckDBPyConnection,
) -> None:
    """The husband's forms carrying her SSN (no middle initial) and his own forms at the
    address: his name is a second person, and no debtor link carries it, so nothing releases
    them. A form of her linked name whose middle initial differs from her linked forms', or
    whose DOB does, is another person of that name: held too."""
    for rec_id in (3, 4):
        pop.insert(placed, "rec_std", rec_id, _form("HARVEY", middle_initial=None),
                   source="f1040", kind="person_records")  # fmt: skip
    h, last4 = pop._ssn(555_44_2430)
    for rec_id in (5, 6):
        pop.insert(placed, "rec_std", rec_id,
                   _form("HARVEY", middle_initial="J", ssn_hash=h, ssn_last4=last4),
                   source="w2", kind="person_records")  # fmt: skip
    link(placed, "n2")
    pairs = pop.record_pairs(placed, "n2", "ACCT")
    for rec_id in (1, 2):
        assert pairs[rec_id]["role"] == "debtor"
    for rec_id in (3, 4):
        assert pairs[rec_id]["role"] == "associate", pairs[rec_id]
        assert pairs[rec_id]["guard"] == "ssn_shared_other_given_name", pairs[rec_id]
    for rec_id in (5, 6):
        assert pairs[rec_id]["role"] != "debtor", pairs[rec_id]


def test_a_linked_name_with_another_middle_initial_or_dob_is_not_released(
    placed: duckdb.DuckDBPyConnection,
) -> None:
    placed.execute("UPDATE rec_std SET dob = DATE '1980-03-23' WHERE rec_id IN (1, 2)")
    # another middle initial than the linked forms' (and the account's): the guard's own case
    pop.insert(placed, "rec_std", 3, _form("DANIELLE", middle_initial="Q"), source="w2",
               kind="person_records")  # fmt: skip
    # no middle initial, but a DOB that is not the linked forms' (nor the account's)
    pop.insert(placed, "rec_std", 4, _form("DANIELLE", middle_initial=None,
                                           dob=dt.date(1961, 9, 1)),
               source="w2", kind="person_records")  # fmt: skip
    link(placed, "n3")
    pairs = pop.record_pairs(placed, "n3", "ACCT")
    for rec_id in (1, 2):
        assert pairs[rec_id]["role"] == "debtor"
    for rec_id in (3, 4):
        assert pairs[rec_id]["role"] != "debtor", pairs[rec_id]


def test_dedup_policy_has_nothing_to_release(placed: duckdb.DuckDBPyConnection) -> None:
    pop.insert(placed, "rec_std", 3, _form("DANIELLE", middle_initial=None), source="w2",
               kind="person_records")  # fmt: skip
    link(placed, "n4", settings=MatchSettings(match_policy="dedup"))
    assert pop.record_pairs(placed, "n4", "ACCT")[3]["role"] == "debtor"
