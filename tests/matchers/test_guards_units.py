"""A household is one dwelling, not one building: the household guards compare units.

An audit mapped a portfolio into one apartment complex (every address a unit of 1200 PARK AVE):
with "same address" read at the street level, the spouse and shared-contact rules made every
neighbour of the debtor a household member, 7,265 of them labelled spouse and 6,029 associates,
up to 31 location contacts on one account. The household rules now need the same street address
and the same unit, or no unit on either side; a neighbour in another unit (or a record whose
unit is missing while the account has one) is no household member and no lead, and never the
debtor when nothing personal agrees ('shared_building_only', role rejected). A phone or email in
common is still a shared contact, whatever the units.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.compare import DOB_DIFFERENT, FIRST_DIFFERENT, FIRST_EXACT
from skiptrace.matchers.guards import BY_NAME, evaluate
from skiptrace.matchers.link import link
from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_guards import background, insert, person, record_pairs
from tests.matchers.test_resolve import AS_OF, RUN, Builder, points


def test_the_dwelling_rules_read_the_unit() -> None:
    same = {"last_name": 4, "ssn": 0, "phone": 0, "email": 0, "middle_initial": 0, "suffix": 0}
    spouse = {**same, "first_name": FIRST_DIFFERENT, "dob": DOB_DIFFERENT, "address": 4}
    assert evaluate(spouse) == "spouse_pattern"
    assert evaluate(spouse, same_unit=False) == "shared_building_only"
    roommate = {**spouse, "last_name": 1}
    assert evaluate(roommate) == "shared_contact_only"
    assert evaluate(roommate, same_unit=False) == "shared_building_only"
    # a phone in common is a shared contact in any unit
    assert evaluate({**roommate, "phone": 2}, same_unit=False) == "shared_contact_only"
    assert BY_NAME["shared_building_only"].role == "rejected"
    # a same-name record a generation off in the building stays another generation
    father = {**same, "first_name": FIRST_EXACT, "dob": DOB_DIFFERENT, "address": 4}
    assert evaluate(father, same_unit=False) == "dob_conflict_same_address"
    # identity evidence keeps the pair scored whatever the unit (the debtor who moved upstairs)
    assert evaluate({**spouse, "ssn": 4}, same_unit=False) is None


def _at(row: dict[str, Any], unit: str | None, spelled: str = "APT") -> dict[str, Any]:
    """`row` at a unit of its street address (None: the bare building address)."""
    line = f"{row['street_number']} {row['street_name']} ST"
    if unit is None:
        return dict(row, unit_number=None, std_line1=line)
    # the parser keeps a designator it does not know in the number ('NO 3'): still unit 3
    number = unit if spelled == "APT" else f"{spelled} {unit}"
    return dict(row, unit_number=number, std_line1=f"{line} {spelled} {unit}")


TOWER = {"number": "1200", "street": "PARK", "zip5": "10001"}


@pytest.fixture
def building(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The debtor in APT 3 of a building, their household, and neighbours in other units."""
    background(con)
    debtor = _at(person("JOHN", "OKAFOR", dob=dt.date(1980, 5, 1), ssn=555_12_3456,
                        phone="+12125550199", **TOWER), "3")  # fmt: skip
    insert(con, "acct_std", "DEBTOR", debtor)
    insert(con, "rec_std", 1, dict(debtor, phone_e164=None), source="header", kind="person_records")
    people = {
        # the household: APT 3 (once spelled 'NO 3', the same unit)
        2: _at(person("MARY", "OKAFOR", dob=dt.date(1982, 2, 14), ssn=None, **TOWER), "3"),
        3: _at(person("DAVID", "KOWALSKI", dob=dt.date(1979, 8, 30), ssn=555_99_0002, **TOWER),
               "3", spelled="NO"),
        # neighbours: same surname in APT 7, a stranger in APT 9, a same-surname record with no
        # unit (the building address only), a stranger in APT 11 sharing the debtor's phone
        4: _at(person("GRACE", "OKAFOR", dob=dt.date(1961, 7, 7), ssn=None, **TOWER), "7"),
        5: _at(person("PAUL", "NOWAK", dob=dt.date(1990, 1, 9), ssn=555_99_0005, **TOWER), "9"),
        6: _at(person("RUTH", "OKAFOR", dob=dt.date(1970, 3, 3), ssn=None, **TOWER), None),
        7: _at(person("ALAN", "PRICE", dob=dt.date(1975, 4, 4), ssn=None, phone="+12125550199",
                      **TOWER), "11"),
    }  # fmt: skip
    for rec_id, row in people.items():
        insert(con, "rec_std", rec_id, row, source="header", kind="person_records")
    return con


def test_neighbours_in_other_units_are_not_the_household(
    building: duckdb.DuckDBPyConnection,
) -> None:
    link(building, "u1")
    pairs = record_pairs(building, "u1", "DEBTOR")
    assert pairs[1]["role"] == "debtor"
    assert (pairs[2]["role"], pairs[2]["guard"]) == ("associate", "spouse_pattern")
    assert (pairs[3]["role"], pairs[3]["guard"]) == ("associate", "shared_contact_only")
    assert (pairs[7]["role"], pairs[7]["guard"]) == ("associate", "shared_contact_only")
    for neighbour in (4, 5, 6):  # not stored (below the review floor) or held: never a contact
        got = pairs.get(neighbour)
        assert got is None or got["role"] == "rejected", (neighbour, got)
        assert got is None or got["guard"] == "shared_building_only", (neighbour, got)
    debtors = building.execute(
        "SELECT count(*) FROM match_pairs WHERE run_id = 'u1' AND rec_id IN (2, 3, 4, 5, 6, 7)"
        " AND role = 'debtor'"
    ).fetchone()
    assert debtors == (0,)


def test_the_household_pattern_is_a_household_member_never_a_spouse(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Same surname and dwelling, another given name and DOB: a spouse, a parent, a grown child
    or a sibling. FDCPA 1692c(d) counts a spouse as the consumer (a collector may discuss the
    debt with them), so the pattern's label is 'household member (same surname)'; 'spouse' is
    only a source's word for a relative it lists."""
    b = Builder(con)
    b.account("A1", "Ann", "Lee")
    cell, line = b.phone("4045550199"), b.phone("4045550177")
    own = b.record(
        "hdr", "Ann", "Lee", contacts=[{"contact_type": "phone", "phone": b.phone("4045550123")}]
    )
    b.link("A1", own)
    other = b.record("hdr", "Tom", "Lee", contacts=[{"contact_type": "phone", "phone": cell}])
    b.link("A1", other, p=0.01, role="associate", guard="spouse_pattern")
    vendor = b.record("vendor", "Ann", "Lee", kind="vendor_batch", account_id="A1", contacts=[
        {"contact_type": "phone", "phone": line, "role": "third_party", "relationship": "SPOUSE",
         "party_name": "Sam Lee"},
    ])  # fmt: skip
    b.link("A1", vendor)
    resolve_contacts(con, RUN, AS_OF)
    third = {p["contact_key"]: p for p in points(con, "A1", role="third_party")}
    assert third["+14045550199"]["relationship"] == "household member (same surname)"
    assert "household member (same surname)'s phone" in third["+14045550199"]["reasons"]
    assert third["+14045550177"]["relationship"] == "SPOUSE"
