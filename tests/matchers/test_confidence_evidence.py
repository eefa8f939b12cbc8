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


def test_standing_against_the_other_addresses(b: Builder, con) -> None:
    """recent_share, behind, rival_close, recent_points_log and vendor_only (band, issue 16):
    how an address stands against the account's other addresses, from the evidence rows."""
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    near = b.address("5 Oak St", "Rome", "GA", "30161", number="5", street="OAK")
    past = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    pitched = b.address("3 Elm St", "Rome", "GA", "30161", number="3", street="ELM")
    early = dt.date(2021, 12, 31)
    b.account("R1", "Ann", "Lee")
    # 1 Main St: three records in the last year (two at the newest date)
    for src, seen in (("w2", NEW), ("tax", NEW), ("w2", dt.date(2024, 6, 30))):
        b.link("R1", b.record(src, "Ann", "Lee", contacts=[addr_contact(home, last_seen=seen)]))
    # 5 Oak St: one record a year before the newest report (fewer than Main's: not Main's rival)
    b.link("R1", b.record("tax", "Ann", "Lee", contacts=[addr_contact(near, last_seen=OLD)]))
    # 8 Lake Dr: one record three years before the newest report
    b.link("R1", b.record("w2", "Ann", "Lee", contacts=[addr_contact(past, last_seen=early)]))
    # 3 Elm St: only a vendor's candidate list says so
    b.link(
        "R1",
        b.record("acme", "Ann", "Lee", kind="vendor_batch",
                 contacts=[addr_contact(pitched, last_seen=OLD, first_seen=OLD)]),
    )  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)

    x = _x(con, "R1")
    main, oak, lake, elm = x["1 MAIN ST"], x["5 OAK ST"], x["8 LAKE DR"], x["3 ELM ST"]
    # the year up to the newest report (after 2023-12-31) holds Main's three records only
    assert main["recent_share"] == pytest.approx(1.0)
    assert oak["recent_share"] == 0.0 and lake["recent_share"] == 0.0
    assert main["behind"] == 0.0
    assert oak["behind"] == pytest.approx(round(366 / 365.25, 6))
    assert lake["behind"] == pytest.approx(round(1096 / 365.25, 6))
    assert main["rival_close"] == 0.0  # nobody behind it has as many records
    assert oak["rival_close"] == 1.0  # Elm: reported on the same date by as many records
    assert lake["rival_close"] == 0.0  # the others are ahead of it, not behind
    # addresses reported in the two years up to 2024-12-31: Main, Oak, Elm (Lake is older)
    assert main["recent_points_log"] == pytest.approx(round(math.log(4), 6))
    assert elm["vendor_only"] == 1.0
    assert main["vendor_only"] == 0.0 and oak["vendor_only"] == 0.0


@pytest.mark.parametrize(
    ("lake_dates", "close"),
    [
        ((dt.date(2022, 12, 31), OLD), 1.0),  # last reported a year before Main: close behind
        ((dt.date(2022, 6, 30), dt.date(2022, 12, 31)), 0.0),  # two years before: long left
    ],
)
def test_one_new_record_against_an_address_several_reported_until_recently(
    b: Builder, con, lake_dates: tuple[dt.date, dt.date], close: float
) -> None:
    """Two records at 8 Lake Dr, then one at 1 Main St: Main is the newest, but an address with
    more records reported until a year before is close behind it (a wrong rank-1 at high
    confidence on independent data, docs/confidence.md)."""
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    past = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    b.account("R2", "Ann", "Lee")
    for seen in lake_dates:
        b.link("R2", b.record("w2", "Ann", "Lee", contacts=[addr_contact(past, last_seen=seen)]))
    b.link("R2", b.record("tax", "Ann", "Lee", contacts=[addr_contact(home, last_seen=NEW)]))
    resolve_contacts(con, RUN, AS_OF)
    x = _x(con, "R2")
    assert x["1 MAIN ST"]["rival_close"] == close
    assert x["8 LAKE DR"]["rival_close"] == 0.0  # Main is ahead of it, not behind
    gap = (NEW - lake_dates[1]).days / 365.25
    assert x["8 LAKE DR"]["behind"] == pytest.approx(round(gap, 6))
