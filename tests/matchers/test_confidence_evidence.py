"""The latest-evidence inputs of the confidence model and the place a point's records agree on.

Issue 16: among rank-1 addresses at confidence 0.6-0.9 on independent data, how many sources
report a contact as of the account's newest evidence date, and whether another contact point
shares that date, separated right from wrong where the older features did not
(docs/confidence.md). Built on the hand-made portfolios of test_resolve (real DuckDB, the real
resolve SQL); the model's inputs are read back from contact_points.model_inputs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact, model_inputs, points

OLD, NEW = dt.date(2023, 12, 31), dt.date(2024, 12, 31)


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def _x(con: duckdb.DuckDBPyConnection, account: str) -> dict[str, dict[str, Any]]:
    """Each debtor address's model inputs, by its first line."""
    return {
        p["address_line1"]: model_inputs(con, p)
        for p in points(con, account, contact_type="address", role="debtor")
    }


def test_sources_at_the_newest_date_and_a_contested_newest_date(b: Builder, con) -> None:
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    old = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    other = b.address("5 Oak St", "Rome", "GA", "30161", number="5", street="OAK")
    # A1: two sources report 1 Main St as of the newest date; 8 Lake Dr is one older record
    b.account("A1", "Ann", "Lee")
    for src in ("w2", "tax"):
        b.link("A1", b.record(src, "Ann", "Lee", contacts=[addr_contact(home, last_seen=NEW)]))
    b.link("A1", b.record("w2", "Ann", "Lee", contacts=[addr_contact(old, last_seen=OLD)]))
    # A2: two addresses, each one record of the newest date: the newest evidence conflicts
    b.account("A2", "Ann", "Lee")
    for address, src in ((home, "w2"), (other, "tax")):
        b.link("A2", b.record(src, "Ann", "Lee", contacts=[addr_contact(address, last_seen=NEW)]))
    resolve_contacts(con, RUN, AS_OF)

    a1 = _x(con, "A1")
    assert a1["1 MAIN ST"]["latest_sources_log"] == pytest.approx(round(math.log(3), 6))
    assert a1["1 MAIN ST"]["latest_contested"] == 0.0
    assert a1["1 MAIN ST"]["single_record"] == 0.0
    assert a1["8 LAKE DR"]["latest_sources_log"] == 0.0  # not reported at the newest date
    assert a1["8 LAKE DR"]["single_record"] == 1.0

    a2 = _x(con, "A2")
    for line in ("1 MAIN ST", "5 OAK ST"):
        assert a2[line]["latest_sources_log"] == pytest.approx(round(math.log(2), 6))
        assert a2[line]["latest_contested"] == 1.0
        assert a2[line]["single_record"] == 1.0


def test_the_city_most_records_of_the_zip_give_is_the_one_delivered(b: Builder, con) -> None:
    """The representative row is the newest record of the chosen spelling; its town typo
    ('RONE') must not replace the town two other records of the same ZIP agree on."""
    good = b.address("9 Elm St", "Rome", "GA", "30161", number="9", street="ELM")
    slip = b.address("9 Elm St", "Rone", "GA", "30161", number="9", street="ELM")
    b.account("C1", "Ann", "Lee")
    for src in ("w2", "tax"):
        b.link("C1", b.record(src, "Ann", "Lee", contacts=[addr_contact(good, last_seen=OLD)]))
    b.link("C1", b.record("w2", "Ann", "Lee", contacts=[addr_contact(slip, last_seen=NEW)]))
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "C1", contact_type="address", role="debtor")
    assert (p["address_line1"], p["city"], p["state"]) == ("9 ELM ST", "ROME", "GA")
