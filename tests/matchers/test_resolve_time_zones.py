"""The zones a phone's calling window must respect (sql/resolve/08_finalize.sql, Reg F
1006.6(b)(1)): every current debtor address at or above ResolveSettings.calling_zone_floor
counts, not only the best-ranked one. Built on test_resolve's hand-made accounts."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact, points


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def _two_coasts(b: Builder) -> None:
    """A1: on file in New York with a Los Angeles number; two recent header records put the
    consumer in Los Angeles as well: both addresses current (0.80), Los Angeles ranked first."""
    ny = b.address("5 Pearl St", "New York", "NY", "10004", number="5", street="PEARL")
    la = b.address("1 Sunset Blvd", "Los Angeles", "CA", "90028", number="1", street="SUNSET",
                   suffix="BLVD")  # fmt: skip
    b.account("A1", "Ann", "Lee", **ny, phone=b.phone("2135550100", zone="America/Los_Angeles"))
    for day in (dt.date(2025, 5, 1), dt.date(2025, 5, 20)):
        rec = b.record("hdr", "Ann", "Lee", record_date=day,
                       contacts=[addr_contact(la, last_seen=day), addr_contact(ny, last_seen=day)])  # fmt: skip
        b.link("A1", rec)


def test_a_second_current_address_above_the_floor_joins_the_zones(b: Builder, con) -> None:
    """The consumer may be in New York too: the Los Angeles number's window must also fit
    New York's 8 a.m.-9 p.m. (only the best-ranked address counted: calls to midnight there)."""
    _two_coasts(b)
    resolve_contacts(con, RUN, AS_OF)
    ranked = {
        p["zip"]: (p["rank"], p["confidence"]) for p in points(con, "A1", contact_type="address")
    }
    assert ranked["90028"][0] == 1 and ranked["10004"][1] >= ResolveSettings().calling_zone_floor
    (p,) = points(con, "A1", contact_type="phone")
    assert p["time_zone"] == p["tz_area_code"] == "America/Los_Angeles"
    # most common zone first (New York has more ZIPs than Los Angeles)
    assert p["tz_zones"] == ["America/New_York", "America/Los_Angeles"]
    assert p["tz_conflict"] is True


def test_the_floor_is_a_setting(b: Builder, con) -> None:
    """With the floor above both addresses' confidence only the best-ranked one counts: Los
    Angeles, as the number, and no conflict."""
    _two_coasts(b)
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(calling_zone_floor=0.99))
    (p,) = points(con, "A1", contact_type="phone")
    assert p["tz_zones"] == ["America/Los_Angeles"]
    assert p["tz_conflict"] is False
