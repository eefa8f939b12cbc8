"""A bankruptcy or death record the matcher held for review (not linked) holds the account until
a reviewer decides, when the record shares the account's address or SSN last four; a joint
petition whose second debtor is the account holder is the account holder's case
(sql/resolve/10_flags.sql, docs/compliance.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, flags_of

FILED = dt.date(2025, 3, 2)


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def held(
    b: Builder, account_id: str, rec_id: int, p: float, role: str = "rejected", **lv: int
) -> None:
    """A stored pair with its comparison levels (those not given: 0, no data)."""
    b.link(account_id, rec_id, p=p, role=role)
    levels = {k: lv.get(k, 0) for k in ("first_name", "last_name", "dob", "ssn", "address",
                                        "phone", "email", "suffix", "middle_initial")}  # fmt: skip
    b.con.execute(
        f"UPDATE match_pairs SET levels = '{json.dumps(levels)}' "
        "WHERE account_id = ? AND rec_id = ?",
        [account_id, rec_id],
    )


def case(b: Builder, first: str, last: str, **fields: Any) -> int:
    return b.record("pacer", first, last, kind="bankruptcy", bk_case_number=f"bk-{first}",
                    bk_filing_date=FILED, **fields)  # fmt: skip


def test_a_held_case_at_the_debtors_address_or_last_four_holds_the_account(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    for acct in ("FATHER", "TYPO", "NAMESAKE", "LOW", "SPOUSE", "DECIDED"):
        b.account(acct, "Ann", "Lee")
    held(b, "FATHER", case(b, "CHARLES", "DAVIS"), 0.9997, address=5)  # same address
    held(b, "TYPO", case(b, "ROBERT", "TAYLOR"), 0.34, ssn=3)  # SSN last four agree
    held(b, "NAMESAKE", case(b, "KEVIN", "HARRIS"), 0.89, address=2, ssn=1)  # same ZIP only
    held(b, "LOW", case(b, "PEGGY", "SMITH"), 0.15, address=5)  # under the floor
    # a husband's own case at the address: an associate with another given name
    held(b, "SPOUSE", case(b, "THOMAS", "GREEN"), 0.0004, role="associate", first_name=1,
         last_name=4, address=5)  # fmt: skip
    decided = case(b, "MARY", "JONES")
    held(b, "DECIDED", decided, 0.6, address=5)
    con.execute("UPDATE match_pairs SET review_decision_id = 'd1' WHERE rec_id = ?", [decided])
    resolve_contacts(con, RUN, AS_OF)
    assert set(flags_of(con, "FATHER")) == {"bankruptcy_possible"}
    assert "same address" in flags_of(con, "FATHER")["bankruptcy_possible"]["evidence"]
    assert set(flags_of(con, "TYPO")) == {"bankruptcy_possible"}
    assert "SSN last four agree" in flags_of(con, "TYPO")["bankruptcy_possible"]["evidence"]
    for acct in ("NAMESAKE", "LOW", "SPOUSE", "DECIDED"):  # a reviewer rejected DECIDED's pair
        assert flags_of(con, acct) == {}, acct


def test_a_held_case_whose_filing_date_was_not_used_names_it(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    """A possible case whose filing date ingest did not use (after the record's report date)
    is still a possible case, and its evidence says which date was not used."""
    b.account("A", "Ann", "Lee")
    rec = b.record("pacer", "ANN", "LEE", kind="bankruptcy", bk_case_number="bk-1",
                   record_date=dt.date(2025, 3, 1))  # fmt: skip
    held(b, "A", rec, 0.5, address=5)
    b.unused_date(rec, "bk_filing_date", "after_record_date", "2052-03-02")
    resolve_contacts(con, RUN, AS_OF)
    got = flags_of(con, "A")
    assert set(got) == {"bankruptcy_possible"}
    assert (
        "case bk-1, filing date '2052-03-02' is after the record's report date 2025-03-01:"
        " not used" in got["bankruptcy_possible"]["evidence"]
    )


def test_a_held_death_record_with_the_last_four_holds_the_account(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    b.account("A", "Ann", "Lee")
    dead = b.record("dmf", "ANN", "LEE", kind="deceased", date_of_death=dt.date(2024, 1, 1))
    held(b, "A", dead, 0.5, ssn=3, first_name=7, last_name=4, dob=1)
    resolve_contacts(con, RUN, AS_OF)
    assert set(flags_of(con, "A")) == {"deceased_possible"}


def test_a_joint_petition_names_the_account_holder_as_co_debtor(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    """WHITE, KEVIN R & LINDA S at Linda's address: the matcher scored the case on Kevin (an
    associate of Linda's account); her name as the co-debtor makes it her case."""
    b.account("LINDA", "LINDA", "WHITE")
    b.account("PAT", "PATRICIA", "WHITE")
    rec = case(b, "KEVIN", "WHITE", full_name="WHITE, KEVIN R & LINDA S",
               co_debtor_name="LINDA S WHITE")  # fmt: skip
    for acct, first in (("LINDA", "LINDA"), ("PAT", "PATRICIA")):
        con.execute(
            "INSERT INTO acct_std (account_id, first_std, first_canon, last_std) VALUES (?, ?, ?, ?)",
            [acct, first, first, "WHITE"],
        )
        held(b, acct, rec, 0.0004, role="associate", first_name=1, last_name=4, address=5, ssn=1)
    con.execute(
        "INSERT INTO std_name_cache (name_raw, first_std, middle_std, last_std, first_canon) "
        "VALUES (name_raw('', '', '', '', 'LINDA S WHITE'), 'LINDA', 'S', 'WHITE', 'LINDA')"
    )
    con.execute(
        "UPDATE match_pairs SET weights = {'first_name': -10.0, 'last_name': 8.0, 'dob': 0.0,"
        " 'ssn': -10.0, 'address': 9.0, 'phone': 0.0, 'email': 0.0, 'suffix': 0.0,"
        " 'middle_initial': 0.0}, match_weight = -11.0"
    )
    con.execute(
        "INSERT INTO match_params (run_id, comparison, level, weight) VALUES"
        f" ('{RUN}', 'first_name', 7, 6.0), ('{RUN}', 'first_name', 1, -10.0),"
        f" ('{RUN}', 'last_name', 4, 8.0)"
    )
    resolve_contacts(con, RUN, AS_OF)
    flag = flags_of(con, "LINDA")["bankruptcy"]
    assert "joint petition, co-debtor LINDA S WHITE" in flag["evidence"]
    assert flags_of(con, "PAT") == {}  # another given name: not her case
