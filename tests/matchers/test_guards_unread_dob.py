"""A date of birth mistyped into no calendar date is not "no date of birth" (migration 122).

Ingest nulls a date of birth no format reads (`19409716`: 1949-07-16 with two digits swapped)
and keeps its eight digits as `dob_unread`; compare.sql scores digits one keystroke from the
other side's date of birth as DOB_ONE_COMPONENT, as it does a date with one part mistyped. With
no DOB the wrong-party guards could not rule out another generation: the debtor's own record
whose SSN was mistyped too was held as the father or son (`ssn_conflict_same_address`). A father
whose unreadable date is a generation off, or any digits not a keystroke away, stays held.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from skiptrace.matchers.compare import DOB_ONE_COMPONENT, NO_DATA
from skiptrace.matchers.link import link
from skiptrace.sources.ingest import ingest_accounts
from skiptrace.sources.registry import AccountProfile
from tests.matchers import test_guards as pop  # the one population builder


def test_unreadable_dob_one_keystroke_off_is_the_debtors_father_stays_held(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Real DuckDB through link(): at one name and address, with another SSN (a typo of the
    debtor's nine digits, or the father's), the record whose unreadable DOB is the debtor's
    with two digits swapped is the debtor; one whose unreadable DOB is 25 years older (month
    13) is the father, and one whose digits are the debtor's date with two digits changed is
    no date of the debtor's: both stay held."""
    pop.background(con)
    debtor = pop.person("MARTIN", "OKAFOR", dob=dt.date(1949, 7, 16), ssn=555_44_1234,
                        number="7", street="BIRCH", zip5="60601")  # fmt: skip
    pop.insert(con, "acct_std", "OKAFOR", debtor)
    src = {"source": "header", "kind": "person_records"}
    other_ssn = pop.person("MARTIN", "OKAFOR", dob=None, ssn=555_44_9876, number="7",
                           street="BIRCH", zip5="60601")  # fmt: skip
    pop.insert(con, "rec_std", 1, dict(debtor), **src)
    pop.insert(con, "rec_std", 2, dict(other_ssn), dob_unread="19409716", **src)
    pop.insert(con, "rec_std", 3, dict(other_ssn), dob_unread="19241316", **src)
    pop.insert(con, "rec_std", 4, dict(other_ssn), dob_unread="19499718", **src)
    link(con, "unread1")
    pairs = pop.record_pairs(con, "unread1", "OKAFOR")
    assert pairs[1]["role"] == "debtor"
    assert pairs[2]["levels"]["dob"] == DOB_ONE_COMPONENT
    assert pairs[2]["guard"] is None
    assert pairs[2]["role"] == "debtor"
    assert pairs[3]["levels"]["dob"] == NO_DATA
    assert pairs[3]["guard"] == "ssn_conflict_same_address"
    assert pairs[3]["role"] == "associate"
    assert pairs[4]["levels"]["dob"] == NO_DATA
    assert pairs[4]["guard"] == "ssn_conflict_same_address"


def test_unreadable_dob_digits_are_kept_readable_ones_are_not(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Eight digits of a date no format reads load as dob_unread (the DOB NULL, the field issue
    recorded); a readable date, or unreadable text of another length, leaves it NULL."""
    path = tmp_path / "accounts.csv"
    path.write_text(
        "account_id,first_name,last_name,dob\n"
        "A1,Ann,Lee,1949-97-16\nA2,Bo,Lee,1949-07-16\nA3,Cy,Lee,1949-7\nA4,Di,Lee,\n",
        encoding="utf-8",
    )
    ingest_accounts(con, path, AccountProfile(), "r1")
    rows = con.execute("SELECT account_id, dob, dob_unread FROM accounts ORDER BY 1").fetchall()
    assert rows == [
        ("A1", None, "19499716"),
        ("A2", dt.date(1949, 7, 16), None),
        ("A3", None, None),
        ("A4", None, None),
    ]
