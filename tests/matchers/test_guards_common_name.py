"""A very common full name with only the date of birth agreeing: 'common_name_dob_only'.

The wrong-party audit put 500 JOSE GARCIA accounts in Texas next to 1,000 credit-header rows of
the name (half without an SSN, a third without a DOB, other addresses): 8 strangers born the
same day as an account's debtor were linked at 0.95 and above, on name and DOB alone. The DOB's
weight is priced for a random pair; among the bearers of a name that common, a stranger born the
same day is to be expected. Such a pair is held for review; the same evidence under a rarer name
still links, and so does the common name's pair that an SSN, an address or a phone corroborates.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import duckdb

from skiptrace.matchers.compare import (
    ADDR_DIFFERENT,
    ADDR_PARTIAL,
    ADDR_STREET,
    ADDR_ZIP,
    DOB_EXACT,
    DOB_ONE_COMPONENT,
    DOB_SAME_YEAR,
    FIRST_EXACT,
    FIRST_NICKNAME,
    LAST_EXACT,
    NO_DATA,
    PHONE_SHARED,
    SSN_DIFFERENT,
    SSN_EXACT,
    SSN_LAST4_NEAR,
)
from skiptrace.matchers.guards import evaluate
from skiptrace.matchers.link import MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder

GUARD = "common_name_dob_only"


def _levels(**changes: int) -> dict[str, int]:
    """The audit's stranger: full name and DOB exact, no SSN on the record, the same ZIP only."""
    base = {"first_name": FIRST_EXACT, "last_name": LAST_EXACT, "dob": DOB_EXACT,
            "ssn": NO_DATA, "address": ADDR_ZIP, "phone": 0, "email": 0, "suffix": 0,
            "middle_initial": 0}  # fmt: skip
    return base | changes


def test_a_common_name_and_dob_alone_is_held_on_levels() -> None:
    assert evaluate(_levels(), common_name=True) == GUARD
    assert evaluate(_levels(address=ADDR_DIFFERENT), common_name=True) == GUARD
    assert evaluate(_levels(ssn=SSN_DIFFERENT), common_name=True) == GUARD  # another SSN
    assert evaluate(_levels(ssn=SSN_LAST4_NEAR), common_name=True) == GUARD  # one digit off
    assert evaluate(_levels(first_name=FIRST_NICKNAME), common_name=True) == GUARD
    assert evaluate(_levels(dob=DOB_ONE_COMPONENT), common_name=True) == GUARD
    # a rarer name: the DOB is evidence enough, as before
    assert evaluate(_levels()) is None
    # anything else personal corroborates the common name
    assert evaluate(_levels(ssn=SSN_EXACT), common_name=True) is None
    assert evaluate(_levels(address=ADDR_PARTIAL), common_name=True) == GUARD  # MAIN ST in town
    assert evaluate(_levels(address=ADDR_STREET), common_name=True) is None
    assert evaluate(_levels(phone=PHONE_SHARED), common_name=True) is None
    assert evaluate(_levels(email=2), common_name=True) is None
    assert evaluate(_levels(), common_name=True, echoed=True) is None
    # no DOB agreement: not this rule ('uncorroborated_name_match' reads that pair)
    assert evaluate(_levels(dob=DOB_SAME_YEAR), common_name=True) == "uncorroborated_name_match"


HOUSTON = ["77002", "77011", "77012"]
STREETS = ["MAIN", "OAK", "ELM", "PINE", "CEDAR", "MAPLE", "LAKE", "HILL"]


def _garcias(con: duckdb.DuckDBPyConnection, n: int, seed: int = 11) -> dict[str, Any]:
    """n JOSE GARCIA accounts, each with its own credit-header row (SSN, DOB, address, phone),
    and n unrelated JOSE GARCIA rows without an SSN at other addresses of the same towns, on the
    guard tests' background. Returns the first account's identity."""
    rnd = random.Random(seed)
    days = [rnd.randrange(40 * 365) for _ in range(2 * n)]  # some share a date, as people do
    accounts: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    records: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    src = {"source": "header", "kind": "person_records"}
    for i in range(n):
        p = pop.person("JOSE", "GARCIA", dob=dt.date(1950, 1, 1) + dt.timedelta(days=days[i]),
                       ssn=300_000_000 + i, number=str(100 + i), street=rnd.choice(STREETS),
                       zip5=rnd.choice(HOUSTON), phone=f"+1713555{i:04d}")  # fmt: skip
        accounts.append((f"JG{i:04d}", p, {}))
        records.append((20_000 + i, dict(p), src))
    for j in range(n):
        p = pop.person("JOSE", "GARCIA", dob=dt.date(1950, 1, 1) + dt.timedelta(days=days[n + j]),
                       ssn=None, number=str(5000 + j), street=rnd.choice(STREETS),
                       zip5=rnd.choice(HOUSTON))  # fmt: skip
        records.append((30_000 + j, p, src))
    pop.background(con)
    pop.insert_many(con, "acct_std", accounts)
    pop.insert_many(con, "rec_std", records)
    return accounts[0][1]


def test_a_stranger_of_a_common_name_born_the_same_day_is_held(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The audit's pattern at test scale: a JOSE GARCIA row without an SSN, born the debtor's
    day, at another address in the debtor's ZIP, is held for review (before the guard it was
    linked as the debtor); the debtor's own row links, and so does a rarer name's row with the
    same evidence (its debtor moved, the row has no SSN)."""
    debtor = _garcias(con, 300)
    stranger = dict(debtor, ssn_hash=None, ssn_last4=None, street_number="9876",
                    std_line1=f"9876 {debtor['street_name']} ST", phone_e164=None)  # fmt: skip
    pop.insert(con, "rec_std", 1, stranger, source="header", kind="person_records")
    rare = pop.person("PETER", "OKONKWO", dob=dt.date(1985, 6, 6), ssn=555_33_0005,
                      number="5", street="BIRCH", zip5="11201")  # fmt: skip
    pop.insert(con, "acct_std", "RARE", rare)
    moved = dict(rare, ssn_hash=None, ssn_last4=None, street_number="77", street_name="HARBOR",
                 std_line1="77 HARBOR ST")  # fmt: skip
    pop.insert(con, "rec_std", 2, moved, source="header", kind="person_records")
    newer = {"street_number": "31", "street_name": "BAYOU", "std_line1": "31 BAYOU ST",
             "phone_e164": None}  # fmt: skip
    pop.insert(con, "rec_std", 3, dict(debtor, **newer), source="header", kind="person_records")
    own = dict(debtor, **newer, ssn_hash=None, ssn_last4=None)
    pop.insert(con, "rec_std", 4, own, source="header", kind="person_records")
    link(con, "n1")
    pairs = pop.record_pairs(con, "n1", "JG0000")
    assert pairs[20_000]["role"] == "debtor", pairs[20_000]
    held = pairs[1]
    assert held["match_probability"] >= 0.9, held  # the model alone would link it
    assert held["guard"] == GUARD and held["role"] == "rejected", held
    # the debtor's own row without an SSN at his newer address, which his linked row 3 (his
    # SSN) carries: corroborated by the linked record, as a name-only row would be
    assert pairs[3]["role"] == "debtor", pairs[3]
    assert pairs[4]["role"] == "debtor" and pairs[4]["guard"] is None, pairs[4]
    rare_pairs = pop.record_pairs(con, "n1", "RARE")
    assert rare_pairs[2]["role"] == "debtor" and rare_pairs[2]["guard"] is None, rare_pairs[2]
    # the common name's own rows are the debtors' (their SSN, address and phone agree)
    linked = con.execute(
        "SELECT count(*) FROM match_pairs WHERE run_id = 'n1' AND role = 'debtor' "
        "AND account_id LIKE 'JG%' AND rec_id - 20000 = CAST(substr(account_id, 3) AS INT)"
    ).fetchall()[0][0]
    assert linked == 300


def test_the_setting_says_how_common_is_very_common(con: duckdb.DuckDBPyConnection) -> None:
    """With fewer bearers than the setting asks for, the same stranger is scored as before: the
    guard reads the name's commonness in the run, not the name."""
    debtor = _garcias(con, 300)
    stranger = dict(debtor, ssn_hash=None, ssn_last4=None, street_number="9876",
                    std_line1=f"9876 {debtor['street_name']} ST", phone_e164=None)  # fmt: skip
    pop.insert(con, "rec_std", 1, stranger, source="header", kind="person_records")
    link(con, "n2", settings=MatchSettings(common_name_dob_chance=0.5))
    assert pop.record_pairs(con, "n2", "JG0000")[1]["guard"] is None
