"""Who a USPS family (F) move filed under another name applies to (sql/resolve/04_ncoa.sql).

A family move moves the household at one delivery point. Filed by someone other than the
debtor, it applies to the debtor only when its old address is the debtor's dwelling at the time
of the move: the same unit (or none on either side), a report of the debtor there no older than
the current window, no other address of the debtor first reported between that report and the
move, and the filer's surname the debtor's. Otherwise its forward is not the debtor's, and the
old address keeps no moved-away mark (a wrong DO NOT MAIL and a wrong rank-1 address both
contact or lose the wrong person).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact, points

NCOA: dict[str, Any] = {"kind": "ncoa", "reliability": 0.95, "ncoa_return_code": "A",
                        "record_date": dt.date(2025, 5, 20)}  # fmt: skip


@pytest.fixture
def b(con) -> Builder:
    return Builder(con)


def _forward(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"contact_type": "address", "evidence": "ncoa_forward", **raw}]


def _moved_flag(con, account_id: str) -> str | None:
    row = con.execute(
        "SELECT evidence FROM account_flags WHERE run_id = ? AND account_id = ? AND flag = 'moved'",
        [RUN, account_id],
    ).fetchone()
    return row[0] if row else None


def _by_line(con, account_id: str) -> dict[str, dict[str, Any]]:
    return {
        p["address_line1"]: p
        for p in points(con, account_id, contact_type="address", role="debtor")
    }


def test_family_move_from_another_apartment_of_the_building_does_not_apply(b: Builder, con):
    """The debtor lives in 4B (on file); a bureau record of him has no unit. A same-surname
    family moving out of 12C is another household: its forward is not his, 4B is not left."""
    apt4b = b.address("700 Peachtree St Apt 4B", "Atlanta", "GA", "30308", number="700",
                      street="PEACHTREE", unit="4B")  # fmt: skip
    bare = b.address("700 Peachtree St", "Atlanta", "GA", "30308", number="700",
                     street="PEACHTREE")  # fmt: skip
    apt12c = b.address("700 Peachtree St Apt 12C", "Atlanta", "GA", "30308", number="700",
                       street="PEACHTREE", unit="12C")  # fmt: skip
    away = b.address("88 Campbellton Rd", "Atlanta", "GA", "30310", number="88",
                     street="CAMPBELLTON", suffix="RD")  # fmt: skip
    b.account("RAY", "Ray", "Johnson", **apt4b)
    b.link("RAY", b.record("hdr", "Ray", "Johnson", record_date=dt.date(2025, 4, 1),
                           contacts=[addr_contact(bare)]))  # fmt: skip
    tamika = b.record("ncoa", "Tamika", "Johnson", move_type="F", **apt12c, **NCOA,
                      move_effective_date=dt.date(2025, 4, 1), contacts=_forward(away))  # fmt: skip
    b.link("RAY", tamika, p=0.05, role="associate")
    resolve_contacts(con, RUN, AS_OF)

    pts = _by_line(con, "RAY")
    assert "88 CAMPBELLTON RD" not in pts
    home = pts["700 PEACHTREE ST APT 4B"]
    assert home["rank"] == 1 and home["status"] == "confirmed"
    assert json.loads(home["factors"])["moved_from"] is False
    assert "DO NOT MAIL" not in (home["reasons"] or "")
    assert _moved_flag(con, "RAY") is None


def test_family_move_from_the_address_the_debtor_left_years_ago_does_not_apply(b: Builder, con):
    """His ex-wife files a family move from the house he was last reported at years earlier;
    he has been reported at another address since, before the move."""
    oak = b.address("5 Oak Ln", "Savannah", "GA", "31405", number="5", street="OAK", suffix="LN")
    main = b.address("99 Main St", "Savannah", "GA", "31401", number="99", street="MAIN")
    away = b.address("1800 Abercorn St", "Savannah", "GA", "31401", number="1800",
                     street="ABERCORN")  # fmt: skip
    b.account("PAUL", "Paul", "Wright", placed_date=dt.date(2024, 6, 1), **main)
    b.link("PAUL", b.record("hdr", "Paul", "Wright", record_date=dt.date(2018, 3, 1),
                            contacts=[addr_contact(oak)]))  # fmt: skip
    b.link("PAUL", b.record("hdr", "Paul", "Wright", record_date=dt.date(2025, 5, 1),
                            contacts=[addr_contact(main)]))  # fmt: skip
    b.record("ncoa", "Diane", "Wright", move_type="F", **oak, **NCOA,
             move_effective_date=dt.date(2025, 3, 1), contacts=_forward(away))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)

    pts = _by_line(con, "PAUL")
    assert "1800 ABERCORN ST" not in pts
    assert pts["99 MAIN ST"]["rank"] == 1
    assert json.loads(pts["5 OAK LN"]["factors"])["moved_from"] is False
    assert _moved_flag(con, "PAUL") is None


@pytest.mark.parametrize(
    ("last_seen_at_old", "other_since", "applies"),
    [
        (dt.date(2019, 1, 1), None, False),  # the only report there is six years old
        (dt.date(2024, 9, 1), None, True),  # reported there half a year before the move
        # another address first reported between that report and the move: he had moved on
        (dt.date(2024, 9, 1), dt.date(2024, 12, 1), False),
    ],
)
def test_family_move_needs_the_debtor_current_at_the_old_address(
    b: Builder, con, last_seen_at_old: dt.date, other_since: dt.date | None, applies: bool
):
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    pine = b.address("55 Pine Rd", "Decatur", "GA", "30030", number="55", street="PINE",
                     suffix="RD")  # fmt: skip
    elm = b.address("20 Elm St", "Atlanta", "GA", "30305", number="20", street="ELM")
    b.account("A1", "John", "Smith", placed_date=dt.date(2018, 1, 1))
    b.link("A1", b.record("hdr", "John", "Smith", record_date=last_seen_at_old,
                          contacts=[addr_contact(oak)]))  # fmt: skip
    if other_since:
        b.link("A1", b.record("vendor", "John", "Smith", kind="vendor_batch", contacts=[
            addr_contact(elm, first_seen=other_since, last_seen=other_since)]))  # fmt: skip
    b.record("ncoa", "Mary", "Smith", move_type="F", **oak, **NCOA,
             move_effective_date=dt.date(2025, 3, 1), contacts=_forward(pine))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)

    pts = _by_line(con, "A1")
    assert ("55 PINE RD" in pts) is applies
    assert json.loads(pts["10 OAK AVE"]["factors"])["moved_from"] is applies
    assert (_moved_flag(con, "A1") is not None) is applies


def test_family_move_needs_the_filer_to_share_the_surname(b: Builder, con):
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    pine = b.address("55 Pine Rd", "Decatur", "GA", "30030", number="55", street="PINE",
                     suffix="RD")  # fmt: skip
    b.account("A1", "John", "Smith", placed_date=dt.date(2025, 1, 1), **oak)
    b.record("ncoa", "Mary", "Jones", move_type="F", **oak, **NCOA,
             move_effective_date=dt.date(2025, 3, 1), contacts=_forward(pine))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    assert "55 PINE RD" not in _by_line(con, "A1")


def test_family_move_from_the_debtor_home_applies_and_says_whose_and_why(b: Builder, con):
    """The husband files a family move from the house the debtor is reported at (no unit on
    either side): it applies, and the moved flag names the record, that it is a household
    member's family move, and the debtor's record that places her at its old address."""
    peach = b.address("22 Peach St", "Athens", "GA", "30601", number="22", street="PEACH")
    away = b.address("400 Milledge Ave", "Athens", "GA", "30605", number="400",
                     street="MILLEDGE", suffix="AVE")  # fmt: skip
    b.account("HELEN", "Helen", "Foster", placed_date=dt.date(2024, 6, 1), **peach)
    b.link("HELEN", b.record("hdr", "Helen", "Foster", record_date=dt.date(2025, 2, 1),
                             contacts=[addr_contact(peach)]))  # fmt: skip
    donald = b.record("ncoa", "Donald", "Foster", move_type="F", **peach, **NCOA,
                      move_effective_date=dt.date(2025, 4, 1), contacts=_forward(away))  # fmt: skip
    b.link("HELEN", donald, p=0.36, role="associate")
    resolve_contacts(con, RUN, AS_OF)

    pts = _by_line(con, "HELEN")
    assert pts["400 MILLEDGE AVE"]["rank"] == 1
    assert json.loads(pts["22 PEACH ST"]["factors"])["moved_from"] is True
    flag = _moved_flag(con, "HELEN")
    assert flag is not None
    assert "family move of a household member with the same surname" in flag
    assert "filed under another name than the debtor's" in flag
    assert "ncoa record ncoa-" in flag and "(ncoa.csv line " in flag
    assert "effective 2025-04-01" in flag
    assert "hdr record hdr-" in flag and "dated 2025-02-01" in flag
    assert "the units agree" in flag


def test_debtor_own_move_flag_says_it_is_the_debtor_s(b: Builder, con):
    maple = b.address("3 Maple Ct", "Athens", "GA", "30602", number="3", street="MAPLE",
                      suffix="CT")  # fmt: skip
    birch = b.address("77 Birch Ln", "Athens", "GA", "30601", number="77", street="BIRCH",
                      suffix="LN")  # fmt: skip
    b.account("KEN", "Ken", "Wu", **maple)
    ken = b.record("ncoa", "Ken", "Wu", move_type="I", **maple, **NCOA,
                   move_effective_date=dt.date(2025, 3, 1), contacts=_forward(birch))  # fmt: skip
    b.link("KEN", ken, p=0.97)
    resolve_contacts(con, RUN, AS_OF)
    flag = _moved_flag(con, "KEN")
    assert flag is not None
    assert (
        "the debtor's own individual move (the record is linked to the account as the debtor"
        in flag
    )


def test_explain_shows_the_family_rule_beside_the_record_own_match_and_the_old_address():
    """explain's 'supported by' row of a household member's family forward: the family rule's
    probability (not presented as the record's match), the record's own match, the move's type,
    filer and old address (masked), and where to read why it applies."""
    from skiptrace.flows.audit.lineage import _support, _support_line
    from skiptrace.flows.audit.retention import parse_period

    row = {
        "rec_id": 30000000003, "record_id": "NC6002", "source": "ncoa", "evidence": "ncoa_family",
        "match_probability": 0.85, "match_role": "associate", "guard": None,
        "pair_probability": 0.3649, "line_no": 3, "move_type": "F",
        "move_effective_date": dt.date(2026, 6, 1), "rec_full_name": "DONALD FOSTER",
        "rec_first_name": None, "rec_last_name": None, "rec_address_line1": "22 PEACH ST",
        "rec_address_line2": None, "rec_city": "ATHENS", "rec_state": "GA", "rec_zip": "30601",
        "file_no": 3, "file_name": "ncoa_moves.csv", "sha256": "97ed1d3263f9", "received_at": None,
        "permissible_purpose": None, "reliability": 0.95, "record_found": True,
    }  # fmt: skip
    line = _support_line(_support(row, parse_period("3y")))
    assert line.startswith("ncoa record NC6002 (family-move rule p=0.8500;")
    assert "— ncoa_moves.csv:3 sha256 97ed1d3263f9" in line  # file:line, as every record's
    assert "the record's own match: associate p=0.3649" in line
    assert "USPS family move filed by D***** F***** from 2* P**** ST, ATHENS GA 306**" in line
    assert "effective 2026-06-01" in line and "why it applies to the debtor: flag moved" in line
    assert "match p=0.8500" not in line
