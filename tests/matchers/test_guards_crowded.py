"""A dwelling shared by many debtors is a group quarters, not a household.

A pseudopeople portfolio put 57-74 accounts at each of 6 group quarters (a college dormitory,
a nursing home, a prison), with no unit: every dorm-mate shared the debtor's "dwelling", and
'shared_contact_only' linked 237 of them to each other's accounts as associates (household
members used as location contacts: a stranger told about someone's debt, FDCPA 1692b /
1692c(b)). An address with no unit on the accounts of more than
MatchSettings.household_max_persons distinct debtors is crowded: there only a record with the
debtor's surname shares the dwelling, and only a surname too rare to be shared there by chance
(MatchSettings.crowded_surname_chance); a stranger who shares nothing else is held
('shared_building_only', role rejected). A phone or email in common is still a shared contact.
A real household (a few debtors at one address) is not affected.

The unit is part of the dwelling: an office suite keyed as the address of many accounts (an
audit case put a creditor's office, 1200 SMITH ST STE 1600, on 150 accounts and 5% of the
bureau's rows) is crowded like a dormitory. Until the unit was counted, only an address with no
unit could be crowded, and 180 strangers at the suite were household members of each other's
accounts. The apartments of one building are counted one by one: each is its own dwelling.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from skiptrace.matchers.compare import DOB_DIFFERENT, FIRST_DIFFERENT
from skiptrace.matchers.guards import CROWDED_COMMON_SURNAME, CROWDED_RARE_SURNAME, evaluate
from skiptrace.matchers.link import link
from skiptrace.matchers.settings import MatchSettings
from tests.matchers.test_guards import background, insert, person, record_pairs

DORM = {"number": "500", "street": "COLLEGE", "zip5": "10027"}
FIRSTS = ["ALICE", "BRUNO", "CARLA", "DMITRI", "ELENA", "FARID", "GRETA", "HUGO", "IRIS",
          "JONAS", "KEIKO", "LIAM", "MARTA", "NILS", "OLGA", "PEDRO"]  # fmt: skip
LASTS = ["ABARA", "BERGSTROM", "CASTELLANOS", "DUBOIS", "EKWUEME", "FONTAINE", "GALLAGHER",
         "HAMADA", "IVANOVA", "JANSSEN", "KOVACS", "LINDQVIST", "MORETTI", "NAKAMURA",
         "OYELARAN", "PETROVIC"]  # fmt: skip


def test_a_crowded_dwelling_needs_a_rare_surname() -> None:
    same = {"ssn": 0, "phone": 0, "email": 0, "middle_initial": 0, "suffix": 0, "address": 4}
    stranger = {**same, "last_name": 1, "first_name": FIRST_DIFFERENT, "dob": DOB_DIFFERENT}
    assert evaluate(stranger) == "shared_contact_only"
    for crowded in (CROWDED_RARE_SURNAME, CROWDED_COMMON_SURNAME):
        assert evaluate(stranger, crowded=crowded) == "shared_building_only"
        # a phone in common is a shared contact wherever the people live
        assert evaluate({**stranger, "phone": 2}, crowded=crowded) == "shared_contact_only"
        # identity evidence keeps the pair scored
        assert evaluate({**stranger, "ssn": 4}, crowded=crowded) is None
    # the debtor's surname in the same dwelling: a household member where the surname is rare
    # among the residents, a stranger where a bearer of it is to expect by chance
    relative = {**stranger, "last_name": 4}
    assert evaluate(relative) == "spouse_pattern"
    assert evaluate(relative, crowded=CROWDED_RARE_SURNAME) == "spouse_pattern"
    assert evaluate(relative, crowded=CROWDED_COMMON_SURNAME) == "shared_building_only"


def _dormitory(
    con: duckdb.DuckDBPyConnection, debtors: int, unit: str | None = None, *, units: bool = False
) -> None:
    """`debtors` accounts at one address (no unit, or the one `unit`; with `units` each in an
    apartment of its own), each with its own record there, plus a same-surname record in the
    first debtor's dwelling and a stranger sharing the first debtor's phone. The SSNs' last
    fours are never one keystroke apart (that would count as the debtor's SSN for the household
    rules)."""
    background(con)
    for i in range(debtors):
        row = person(FIRSTS[i], LASTS[i], dob=dt.date(1990 + i % 10, 1 + i, 3 + i),
                     ssn=555_40_0000 + (1234 + 2357 * i) % 10_000, phone=f"+1212555{7000 + i}" if i == 0 else None,
                     **DORM)  # fmt: skip
        row["unit_number"] = str(i + 1) if units else unit
        insert(con, "acct_std", f"D{i:02d}", row)
        insert(con, "rec_std", 100 + i, dict(row, phone_e164=None), source="header",
               kind="person_records")  # fmt: skip
    sibling = person("ZOE", LASTS[0], dob=dt.date(1960, 6, 6), ssn=None, **DORM)
    sibling["unit_number"] = "1" if units else unit
    insert(con, "rec_std", 200, sibling, source="header", kind="person_records")
    caller = person("QUINN", "ROSSI", dob=dt.date(1955, 5, 5), ssn=None, phone="+12125557000",
                    number="9", street="ELM", zip5="10027")  # fmt: skip
    insert(con, "rec_std", 201, caller, source="header", kind="person_records")


@pytest.mark.parametrize(
    ("debtors", "surname_chance", "unit"),
    [(4, 0.05, None), (12, 0.05, None), (12, 0.5, None), (4, 0.05, "1600"), (12, 0.05, "1600")],
)
def test_dorm_mates_are_not_each_others_household(
    con: duckdb.DuckDBPyConnection, debtors: int, surname_chance: float, unit: str | None
) -> None:
    """12 debtors at one address is a group quarters (above household_max_persons, 10), 4 a
    household. The sibling's surname (3 of the run's ~330 names) is to expect among 12 debtors
    by chance at 0.05 (12 x 0.009 = 0.11), not at 0.5. The same with a unit on every account
    and record (an office suite keyed as the debtors' address): the unit does not make the
    suite a household's."""
    _dormitory(con, debtors, unit)
    settings = MatchSettings(crowded_surname_chance=surname_chance)
    crowded = debtors > settings.household_max_persons
    link(con, "d1", settings=settings)
    pairs = record_pairs(con, "d1", "D00")
    assert pairs[100]["role"] == "debtor"
    for rec_id in range(101, 100 + debtors):
        got = pairs.get(rec_id)
        if crowded:  # a dorm-mate: never a household member or the debtor
            assert got is None or got["role"] == "rejected", (rec_id, got)
        else:  # a few debtors at one address: the household it looks like
            assert got is not None and got["role"] == "associate", (rec_id, got)
    sibling = pairs.get(200)
    if crowded and surname_chance < 0.1:
        assert sibling is None or sibling["role"] == "rejected", sibling
    else:
        assert sibling is not None
        assert (sibling["role"], sibling["guard"]) == ("associate", "spouse_pattern")
    assert (pairs[201]["role"], pairs[201]["guard"]) == ("associate", "shared_contact_only")
    # every other debtor's own record is still that debtor's
    for i in range(1, debtors):
        assert record_pairs(con, "d1", f"D{i:02d}")[100 + i]["role"] == "debtor"


def test_the_limit_is_a_setting(con: duckdb.DuckDBPyConnection) -> None:
    _dormitory(con, 4)
    link(con, "d2", settings=MatchSettings(household_max_persons=3))
    got = record_pairs(con, "d2", "D00").get(101)
    assert got is None or got["role"] == "rejected", got


def test_the_apartments_of_a_building_are_counted_one_by_one(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """12 debtors in 12 apartments of one building: each apartment is a dwelling of one debtor,
    so none is crowded, and the sibling in the first debtor's apartment is a household member;
    the neighbours are held apart by the unit ('shared_building_only')."""
    _dormitory(con, 12, units=True)
    link(con, "d3", settings=MatchSettings())
    pairs = record_pairs(con, "d3", "D00")
    assert pairs[100]["role"] == "debtor"
    assert (pairs[200]["role"], pairs[200]["guard"]) == ("associate", "spouse_pattern")
    for rec_id in range(101, 112):
        got = pairs.get(rec_id)
        assert got is None or got["role"] == "rejected", (rec_id, got)


@pytest.mark.parametrize(("placements", "debtors", "crowded"), [(15, 1, False), (15, 11, True)])
def test_accounts_are_not_debtors(
    con: duckdb.DuckDBPyConnection, placements: int, debtors: int, crowded: bool
) -> None:
    """A dwelling is crowded by its distinct debtors, not its accounts: one debtor placed 15
    times at one address (more accounts than household_max_persons, 10) is one household,
    11 debtors over 15 accounts are not. The count of accounts only narrows which dwellings
    the distinct debtors are counted for (sql/match/crowded_dwelling.sql)."""
    from skiptrace import sql
    from skiptrace.matchers import compare

    for i in range(placements):
        k = i % debtors
        row = person(FIRSTS[k], LASTS[k], dob=dt.date(1980, 1, 1 + k), ssn=None, **DORM)
        insert(con, "acct_std", f"P{i:02d}", row)
    compare.prepare_sides(con)
    sql.run(con, "match/crowded_dwelling.sql", max_persons=10, surname_chance=0.05)
    got = sql.rows(con, "SELECT account_id, crowded FROM _crowded_dwelling ORDER BY account_id")
    assert len(got) == (placements if crowded else 0)
    # 11 surnames make the whole run: each is to expect among the dwelling's debtors by chance
    assert all(r["crowded"] == CROWDED_COMMON_SURNAME for r in got)
