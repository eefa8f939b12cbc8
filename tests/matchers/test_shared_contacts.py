"""Contacts many debtors carry (sql/match/shared_contacts.sql): a phone number or email keyed on
the accounts of many different debtors is a placeholder, treated as missing in blocking and
comparison, and warned about; a family's landline, one person's several placements and a street
address many debtors share (also a real home of them all: a dormitory) are not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers import compare
from skiptrace.matchers.link import MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder

#: The agency's own number, keyed as the consumer's where it was not known.
AGENCY = "+17135555555"
NOEMAIL = "none@none.com"
#: One street address of many debtors (a creditor's office, or a dormitory): not a placeholder.
OFFICE = {"street_number": "1200", "street_name": "SMITH", "std_line1": "1200 SMITH ST STE 1600",
          "unit_number": "1600", "city": "HOUSTON", "state": "TX", "zip5": "77002"}  # fmt: skip


def _stranger(i: int, **changes: Any) -> dict[str, Any]:
    """Person i of a run of different people (other names, DOBs, SSNs, addresses, phones)."""
    p = pop.person(
        pop.FIRST[i % len(pop.FIRST)],
        pop.LAST[(3 * i + 1) % len(pop.LAST)],
        dob=dt.date(1945 + 2 * i, 1 + i % 12, 1 + i % 27),
        ssn=300_000_000 + i,
        number=str(300 + i),
        street=pop.STREETS[i % len(pop.STREETS)],
        zip5=pop.ZIPS[i % len(pop.ZIPS)],
        phone=f"+1646555{i:04d}",
        email=f"person{i}@example.com",
    )
    return {**p, **changes}


def _sides(con: duckdb.DuckDBPyConnection, **settings: Any) -> dict[str, Any]:
    compare.prepare_sides(con, **settings)
    cols = "id, phones, email_norm, std_line1, zip5"
    return {
        "accounts": {r["id"]: r for r in sql.rows(con, f"SELECT {cols} FROM _ml")},
        "records": {r["id"]: r for r in sql.rows(con, f"SELECT {cols} FROM _mr")},
        "placeholders": sql.rows(
            con,
            "SELECT kind, value, accounts, debtors, records FROM _contact_placeholder "
            "ORDER BY kind",
        ),
    }


@pytest.fixture
def shared(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    for i in range(6):  # six debtors keyed with the agency's number: over the default 5
        pop.insert(con, "acct_std", f"PH{i}", _stranger(i, phone_e164=AGENCY))
    for i in range(6):  # six with none@none.com, six at one street address
        pop.insert(con, "acct_std", f"EM{i}", _stranger(10 + i, email_norm=NOEMAIL))
        pop.insert(con, "acct_std", f"AD{i}", _stranger(20 + i, **OFFICE))
    # a record of a stranger carrying all three, and its own phone beside the agency's
    pop.insert(con, "rec_std", 1, _stranger(40, email_norm=NOEMAIL, **OFFICE))
    con.execute("INSERT INTO rec_phones VALUES (1, ?)", [AGENCY])
    family = "+12015550123"  # a family's landline on three of its accounts: not a placeholder
    for i, first in enumerate(("ANNA", "PETER", "MARIA")):
        pop.insert(con, "acct_std", f"FAM{i}", _stranger(50, first_std=first, first_canon=first,
                                                         phone_e164=family))  # fmt: skip
    one = _stranger(60)  # one debtor placed seven times, one address, phone and email
    for i in range(7):
        pop.insert(con, "acct_std", f"ONE{i}", one)
    return con


def test_which_shared_contacts_are_placeholders(shared: duckdb.DuckDBPyConnection) -> None:
    got = _sides(shared)
    assert got["placeholders"] == [
        {"kind": "email", "value": NOEMAIL, "accounts": 6, "debtors": 6, "records": 1},
        {"kind": "phone", "value": AGENCY, "accounts": 6, "debtors": 6, "records": 1},
    ]  # fmt: skip
    acc, rec = got["accounts"], got["records"]
    assert all(acc[f"PH{i}"]["phones"] is None for i in range(6))  # the only phone: none left
    assert all(acc[f"EM{i}"]["email_norm"] is None for i in range(6))
    assert all(acc[f"AD{i}"]["std_line1"] == OFFICE["std_line1"] for i in range(6))
    assert rec[1]["phones"] == ["+16465550040"]  # its own number stays
    assert rec[1]["email_norm"] is None and rec[1]["std_line1"] == OFFICE["std_line1"]
    assert acc["FAM0"]["phones"] == ["+12015550123"]
    assert acc["ONE0"]["phones"] == ["+16465550060"] and acc["ONE0"]["std_line1"] is not None
    assert acc["PH0"]["email_norm"] == "person0@example.com"  # only the placeholder goes


def test_the_contact_placeholder_limit_is_the_setting(shared: duckdb.DuckDBPyConnection) -> None:
    """At 2 the family's landline (three debtors) is a placeholder too; one debtor's seven
    placements never are, whatever the limit."""
    got = _sides(shared, contact_placeholder_debtors=2)
    assert got["accounts"]["FAM0"]["phones"] is None
    assert got["accounts"]["ONE0"]["phones"] == ["+16465550060"]
    assert MatchSettings().contact_placeholder_debtors == 5
    with pytest.raises(ValueError):
        MatchSettings(contact_placeholder_debtors=0)


def test_placeholder_contacts_link_nobody_and_keep_the_weights(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Twenty debtors keyed with the agency's number and none@none.com, and each one's
    credit-header row echoing them (the bureau reports what the creditor sent). Left in, every
    pair of them shared a phone and an email: the model learned these were common among
    non-matches (a shared phone 4.8 bits, an email -0.2, for everybody's real ones) and 178 pairs of
    strangers were stored as associates (shared_contact_only). Read as placeholders: no pair
    between two of them, their own pairs compare as if no phone or email were given, a real
    shared phone or email keeps its weight, and the run warns once per value (the phone shown,
    the email masked)."""
    pop.background(con, n=150)
    for i in range(20):
        p = _stranger(i, phone_e164=AGENCY, email_norm=NOEMAIL)
        pop.insert(con, "acct_std", f"PH{i:02d}", p)
        pop.insert(con, "rec_std", 7000 + i, p, source="header", kind="person_records")
    result = link(con, "t")
    pairs = sql.frame(
        con,
        "SELECT account_id, rec_id, role, (levels).phone AS phone, (levels).email AS email "
        "FROM match_pairs "
        "WHERE run_id = 't' AND (account_id LIKE 'PH%' OR rec_id BETWEEN 7000 AND 7099)",
    )
    own = pairs.filter(pairs["rec_id"] - 7000 == pairs["account_id"].str.slice(2).cast(int))
    assert own.height == 20 and set(own["role"]) == {"debtor"}
    assert set(own["phone"]) == set(own["email"]) == {compare.NO_DATA}
    assert pairs.height == 20, pairs.filter(~pairs["rec_id"].is_in(own["rec_id"].implode()))
    weights = dict(
        sql.frame(
            con,
            "SELECT comparison, log2(m / u) FROM match_params WHERE run_id = 't' AND level = 2 "
            "AND comparison IN ('phone', 'email')",
        ).iter_rows()
    )
    assert weights["phone"] > 6.5 and weights["email"] > 10, weights  # read: 7.8 and 15.4
    assert len(result.warnings) == 2, result.warnings
    text = " | ".join(result.warnings)
    assert "the phone number 713-555-5555 on 20 accounts of 20 different debtors" in text
    assert "the email n***@none.com on 20 accounts" in text and NOEMAIL not in text
    assert "PH00, PH01, PH02, ..." in text
