"""Death-index records are linked like any record: scored, guarded, explained. A death record
whose SSN carries a typing slip still links when name and date of birth agree (the slip leaves
the last four, or all but one of them, intact), and does not when they disagree: an SSN slip is
never enough on its own to declare somebody dead."""

from __future__ import annotations

import datetime as dt

import duckdb

from skiptrace.matchers.link import link
from tests.matchers.test_guards import background, insert, person, record_pairs

DEAD = person(
    "HAROLD",
    "PEMBERTON",
    dob=dt.date(1941, 7, 4),
    ssn=312_45_6789,
    number="19",
    street="ELM",
    zip5="10001",
)


def death_record(first: str, last: str, dob: dt.date, ssn: int) -> dict:
    """A death-index row: name, SSN, DOB; no address or phone."""
    return person(first, last, dob=dob, ssn=ssn, number=None, street=None, zip5=None)


def test_ssn_slip_links_a_death_record_only_with_name_and_dob(
    con: duckdb.DuckDBPyConnection,
) -> None:
    background(con)
    insert(con, "acct_std", "DEAD", DEAD)
    dmf = {"source": "dmf", "kind": "deceased"}
    # one digit mistyped in the first five (last four intact)
    insert(
        con,
        "rec_std",
        101,
        death_record("HAROLD", "PEMBERTON", dt.date(1941, 7, 4), 312_46_6789),
        **dmf,
    )
    # one digit mistyped in the last four
    insert(
        con,
        "rec_std",
        102,
        death_record("HAROLD", "PEMBERTON", dt.date(1941, 7, 4), 312_45_6799),
        **dmf,
    )
    # the same slips on somebody else: other name, other DOB
    insert(
        con,
        "rec_std",
        103,
        death_record("GLORIA", "WHITBY", dt.date(1930, 2, 2), 312_46_6789),
        **dmf,
    )
    insert(
        con,
        "rec_std",
        104,
        death_record("GLORIA", "WHITBY", dt.date(1930, 2, 2), 312_45_6799),
        **dmf,
    )
    link(con, "d1")
    pairs = record_pairs(con, "d1", "DEAD")
    assert pairs[101]["role"] == "debtor", pairs.get(101)
    assert pairs[102]["role"] == "debtor", pairs.get(102)
    for rec in (103, 104):
        assert rec not in pairs or pairs[rec]["role"] != "debtor", pairs[rec]
