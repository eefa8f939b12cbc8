"""Which address ranks first: typo variants of the account's address corroborate it (issue 16).

One record of the same street line whose ZIP, state or town slipped (or that carries a ZIP the
others lack), whose house number lost or doubled a digit, or whose PO box number slipped, is the
account's address reported with a typo. Kept apart, that lone record began later than the
corroborated address and "succeeded" it, so it ranked first. Built on the hand-made portfolios
of test_resolve (real DuckDB, the real resolve SQL).
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact, points

OLD, NEW = dt.date(2023, 12, 31), dt.date(2024, 12, 31)


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def _corroborated_then_slipped(b: Builder, account: str, good: dict, slipped: dict) -> None:
    """The right address from two sources over two years; one newer record with a slip."""
    b.account(account, "Ann", "Lee")
    for src in ("w2", "tax"):
        for seen in (OLD, NEW):
            rec = b.record(src, "Ann", "Lee", contacts=[addr_contact(good, last_seen=seen)])
            b.link(account, rec)
    b.link(account, b.record("w2", "Ann", "Lee", contacts=[addr_contact(slipped, last_seen=NEW)]))


def _addresses(con, account: str) -> list[tuple[str, str, str]]:
    return [
        (p["address_line1"], p["state"], p["sources"])
        for p in points(con, account, contact_type="address", role="debtor")
    ]


def test_a_slipped_zip_state_or_town_on_one_record_corroborates_the_address(
    b: Builder, con
) -> None:
    # a ZIP keyed on one record only (the others carry none)
    good = b.address("34 Bowen Cir", "Rome", "GA", "", number="34", street="BOWEN", suffix="CIR")
    zipped = b.address("34 Bowen Cir", "Rome", "GA", "30161", number="34", street="BOWEN",
                       suffix="CIR")  # fmt: skip
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL WHERE addr_raw LIKE '%|'")
    _corroborated_then_slipped(b, "Z1", good, zipped)
    # a state mistyped, same town, no ZIP on either side
    state = b.address("34 Bowen Cir", "Rome", "NH", "", number="34", street="BOWEN", suffix="CIR")
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL WHERE addr_raw LIKE '%|'")
    _corroborated_then_slipped(b, "S1", good, state)
    # one letter of the town
    town = b.address("34 Bowen Cir", "Rone", "GA", "", number="34", street="BOWEN", suffix="CIR")
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL WHERE addr_raw LIKE '%|'")
    _corroborated_then_slipped(b, "T1", good, town)
    # two ZIPs one digit apart in the same town and state
    z_good = b.address("9 Elm St", "Rome", "GA", "30161", number="9", street="ELM")
    z_slip = b.address("9 Elm St", "Rome", "GA", "30191", number="9", street="ELM")
    _corroborated_then_slipped(b, "Z2", z_good, z_slip)
    resolve_contacts(con, RUN, AS_OF)
    for account in ("Z1", "S1", "T1"):
        assert _addresses(con, account) == [("34 BOWEN CIR", "GA", "tax;w2")], account
        (p,) = points(con, account, contact_type="address", role="debtor")
        assert p["city"] == "ROME"  # the corroborated spelling represents the point
    ((line, _, _),) = _addresses(con, "Z2")
    assert line == "9 ELM ST"
    (p,) = points(con, "Z2", contact_type="address", role="debtor")
    assert p["zip"] == "30161"


def test_two_slips_of_place_or_another_town_stay_two_addresses(b: Builder, con) -> None:
    """A different state AND a different town is another place; so is another town's name."""
    good = b.address("34 Bowen Cir", "Rome", "GA", "", number="34", street="BOWEN", suffix="CIR")
    both = b.address("34 Bowen Cir", "Rone", "NH", "", number="34", street="BOWEN", suffix="CIR")
    other = b.address("34 Bowen Cir", "Macon", "GA", "", number="34", street="BOWEN",
                      suffix="CIR")  # fmt: skip
    prefix = b.address("34 Bowen Cir", "Rome City", "GA", "", number="34", street="BOWEN",
                       suffix="CIR")  # fmt: skip
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL")
    _corroborated_then_slipped(b, "A1", good, both)
    _corroborated_then_slipped(b, "A2", good, other)
    _corroborated_then_slipped(b, "A3", good, prefix)
    resolve_contacts(con, RUN, AS_OF)
    for account in ("A1", "A2", "A3"):
        assert len(_addresses(con, account)) == 2, account


def test_a_dropped_or_doubled_digit_and_a_po_box_slip_merge_short_numbers_do_not(
    b: Builder, con
) -> None:
    good = b.address("8874 W Riverside Ave", "Rome", "GA", "30161", number="8874",
                     street="RIVERSIDE", suffix="AVE")  # fmt: skip
    doubled = b.address("88724 W Riverside Ave", "Rome", "GA", "30161", number="88724",
                        street="RIVERSIDE", suffix="AVE")  # fmt: skip
    _corroborated_then_slipped(b, "N1", good, doubled)
    box = b.address("PO Box 3423", "Rome", "GA", "30161", number=None, street=None, suffix=None,
                    std_line1="PO BOX 3423")  # fmt: skip
    box_slip = b.address("PO Box 3723", "Rome", "GA", "30161", number=None, street=None,
                         suffix=None, std_line1="PO BOX 3723")  # fmt: skip
    _corroborated_then_slipped(b, "P1", box, box_slip)
    short = b.address("82 Morris Ave", "Rome", "GA", "30161", number="82", street="MORRIS",
                      suffix="AVE")  # fmt: skip
    longer = b.address("821 Morris Ave", "Rome", "GA", "30161", number="821", street="MORRIS",
                       suffix="AVE")  # fmt: skip
    _corroborated_then_slipped(b, "N2", short, longer)
    resolve_contacts(con, RUN, AS_OF)
    assert _addresses(con, "N1") == [("8874 RIVERSIDE AVE", "GA", "tax;w2")]
    assert _addresses(con, "P1") == [("PO BOX 3423", "GA", "tax;w2")]
    assert len(_addresses(con, "N2")) == 2  # 82 / 821: a two-digit number must be equal


def test_a_house_number_without_a_digit_is_unmailable(b: Builder, con) -> None:
    """'HIRAM ACWORTH HWY' parsed as number HIRAM, street ACWORTH ranks after the complete one."""
    b.account("A1", "Ann", "Lee")
    full = b.address("2204 Hiram Acworth Hwy", "Rome", "GA", "30161", number="2204",
                     street="HIRAM ACWORTH", suffix="HWY")  # fmt: skip
    word = b.address("Hiram Acworth Hwy", "Rome", "GA", "30161", number="HIRAM",
                     street="ACWORTH", suffix="HWY")  # fmt: skip
    b.link("A1", b.record("hdr", "Ann", "Lee", contacts=[addr_contact(full, last_seen=OLD)]))
    b.link("A1", b.record("util", "Ann", "Lee", reliability=0.99,
                          contacts=[addr_contact(word, last_seen=NEW)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    pts = points(con, "A1", contact_type="address", role="debtor")
    assert [p["address_line1"] for p in pts] == ["2204 HIRAM ACWORTH HWY", "HIRAM ACWORTH HWY"]


def test_equal_confidence_and_recency_rank_the_more_corroborated_address_first(
    b: Builder, con
) -> None:
    """Two addresses seen on the same day with the same confidence: two sources beat one
    (before, the tie went to the contact key's alphabetical order)."""
    b.account("A1", "Ann", "Lee")
    one = b.address("1 Apple St", "Rome", "GA", "30161", number="1", street="APPLE")
    two = b.address("9 Zinnia St", "Rome", "GA", "30161", number="9", street="ZINNIA")
    b.link("A1", b.record("w2", "Ann", "Lee", contacts=[addr_contact(one, last_seen=NEW)]))
    for src in ("w2", "tax"):
        b.link("A1", b.record(src, "Ann", "Lee", contacts=[addr_contact(two, last_seen=NEW)]))
    resolve_contacts(con, RUN, AS_OF)
    pts = points(con, "A1", contact_type="address", role="debtor")
    if pts[0]["confidence"] == pts[1]["confidence"]:
        assert pts[0]["address_line1"] == "9 ZINNIA ST"
    else:  # the model separated them: it must not prefer the lone report
        assert pts[0]["confidence"] > pts[1]["confidence"]
        assert pts[0]["address_line1"] == "9 ZINNIA ST"


def test_one_lone_report_does_not_succeed_an_address_two_sources_still_report(
    b: Builder, con
) -> None:
    """A single one-date record of another address, against an address two independent sources
    report over years and as late as that record: a conflict, not a move. The same new address
    dated as a residence span by a vendor (first and last seen) still succeeds the old one."""
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    other = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    for account in ("A1", "A2"):
        b.account(account, "Ann", "Lee")
        for src in ("w2", "tax"):
            for seen in (OLD, NEW):
                rec = b.record(src, "Ann", "Lee", contacts=[addr_contact(home, last_seen=seen)])
                b.link(account, rec)
    b.link("A1", b.record("w2", "Ann", "Lee", contacts=[addr_contact(other, last_seen=NEW)]))
    span = addr_contact(other, first_seen=dt.date(2024, 6, 1), last_seen=NEW)
    b.link("A2", b.record("vendor", "Ann", "Lee", kind="vendor_batch", contacts=[span]))
    resolve_contacts(con, RUN, AS_OF)
    lone = {p["address_line1"]: p for p in points(con, "A1", contact_type="address")}
    assert json.loads(lone["1 MAIN ST"]["factors"])["succeeded"] is False
    assert lone["1 MAIN ST"]["rank"] == 1
    moved = {p["address_line1"]: p for p in points(con, "A2", contact_type="address")}
    assert json.loads(moved["1 MAIN ST"]["factors"])["succeeded"] is True
    assert moved["8 LAKE DR"]["rank"] == 1


def test_a_partial_record_corroborates_the_complete_address_it_is_part_of(b: Builder, con) -> None:
    """A newer record with the house number blank ('STAFFORD AVE') or the street blank ('# 1310')
    is the account's address with a field missing: it joins the complete address instead of
    superseding it (issue 16, class 1). Before, the complete address ranked first at the
    confidence of an address the person had left."""
    stafford = b.address("400 Stafford Ave", "Rome", "GA", "", number="400", street="STAFFORD",
                         suffix="AVE")  # fmt: skip
    no_number = b.address("Stafford Ave", "Rome", "GA", "", number=None, street="STAFFORD",
                          suffix="AVE", std_line1="STAFFORD AVE")  # fmt: skip
    kirk = b.address("1310 Kirk Pl", "Rome", "GA", "", number="1310", street="KIRK", suffix="PL")
    no_street = b.address("1310", "Rome", "GA", "", number="1310", street=None, suffix=None,
                          unit="1310", std_line1="# 1310")  # fmt: skip
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL")
    for account, full, partial in (("P1", stafford, no_number), ("P2", kirk, no_street)):
        b.account(account, "Ann", "Lee")
        for src in ("w2", "tax"):
            b.link(
                account, b.record(src, "Ann", "Lee", contacts=[addr_contact(full, last_seen=OLD)])
            )
        for src in ("w2", "tax"):
            b.link(account, b.record(src, "Ann", "Lee",
                                     contacts=[addr_contact(partial, last_seen=NEW)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    for account, line in (("P1", "400 STAFFORD AVE"), ("P2", "1310 KIRK PL")):
        (p,) = points(con, account, contact_type="address", role="debtor")
        assert p["address_line1"] == line, account
        assert p["last_seen"] == NEW  # the partial records are its newest reports
        f = json.loads(p["factors"])
        assert (f["superseded"], f["succeeded"], f["n_records"]) == (False, False, 4), account
        assert p["confidence"] >= 0.9, account


def test_a_partial_record_of_another_street_or_of_two_addresses_stays_apart(
    b: Builder, con
) -> None:
    """'MAIN ST' beside '12 MAIN ST' and '40 MAIN ST' cannot say which it is part of; 'OAK AVE'
    and '# 77' are not parts of '12 MAIN ST'. Each stays a point of its own, ranked after the
    complete addresses."""
    main12 = b.address("12 Main St", "Rome", "GA", "30161", number="12", street="MAIN")
    main40 = b.address("40 Main St", "Rome", "GA", "30161", number="40", street="MAIN")
    bare = b.address("Main St", "Rome", "GA", "30161", number=None, street="MAIN",
                     std_line1="MAIN ST")  # fmt: skip
    oak = b.address("Oak Ave", "Rome", "GA", "30161", number=None, street="OAK", suffix="AVE",
                    std_line1="OAK AVE")  # fmt: skip
    other = b.address("77", "Rome", "GA", "30161", number="77", street=None, suffix=None,
                      unit="77", std_line1="# 77")  # fmt: skip
    b.account("A1", "Ann", "Lee")
    for full in (main12, main40):
        b.link("A1", b.record("w2", "Ann", "Lee", contacts=[addr_contact(full, last_seen=OLD)]))
    b.link("A1", b.record("tax", "Ann", "Lee", contacts=[addr_contact(bare, last_seen=NEW)]))
    b.account("A2", "Bob", "Ray")
    b.link("A2", b.record("w2", "Bob", "Ray", contacts=[addr_contact(main12, last_seen=OLD)]))
    for partial in (oak, other):
        b.link("A2", b.record("tax", "Bob", "Ray", contacts=[addr_contact(partial, last_seen=NEW)]))
    resolve_contacts(con, RUN, AS_OF)
    a1 = [p["address_line1"] for p in points(con, "A1", contact_type="address", role="debtor")]
    assert sorted(a1[:2]) == ["12 MAIN ST", "40 MAIN ST"] and a1[2:] == ["MAIN ST"]
    a2 = {p["address_line1"]: p for p in points(con, "A2", contact_type="address", role="debtor")}
    assert set(a2) == {"12 MAIN ST", "OAK AVE", "# 77"}
    assert a2["12 MAIN ST"]["rank"] == 1
