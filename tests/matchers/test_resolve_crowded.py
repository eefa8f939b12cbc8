"""An address reported for many unrelated debtors ranks after the account's own home when most
of those debtors live elsewhere (rs_crowded: judged in sql/resolve/06_clusters.sql, where it
supersedes nothing; ranked and capped in 08_finalize.sql).

An audit case keyed a creditor's office (1200 SMITH ST STE 1600) as the address of 150 accounts
and its bureau echoed the office on 5% of its rows: the office was the rank-1 address of 45
accounts, at up to 0.97, and the home of none. Many debtors at one dwelling is also where they
live (a nursing home or a dormitory without units, an apartment building's units): what tells
the office apart is that most of its debtors' own records place them elsewhere. Built on the
hand-made portfolios of test_resolve (real DuckDB, the real resolve SQL).
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact, points

OLD, MID, NEW = dt.date(2023, 6, 30), dt.date(2024, 12, 31), dt.date(2025, 4, 30)
N = 12  # more than ResolveSettings.crowded_address_debtors (10) distinct debtors


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def _debtor(b: Builder, account_id: str, first: str, last: str, **fields) -> None:
    b.account(account_id, first, last, **fields)
    b.con.execute(
        "INSERT INTO acct_std (account_id, first_std, first_canon, last_std) VALUES (?, ?, ?, ?)",
        [account_id, first.upper(), first.upper(), last.upper()],
    )


def _office(b: Builder) -> dict:
    return b.address("1200 Smith St Ste 1600", "Houston", "TX", "77002", number="1200",
                     street="SMITH", unit="1600", std_line1="1200 SMITH ST STE 1600")  # fmt: skip


def _home(b: Builder, i: int) -> dict:
    return b.address(f"{40 + i} Oak Ln", "Austin", "TX", "78701", number=str(40 + i),
                     street="OAK", suffix="LN")  # fmt: skip


def _by_key(con, account: str) -> dict[str, dict]:
    return {
        p["contact_key"]: p for p in points(con, account, contact_type="address", role="debtor")
    }


OFFICE_KEY = "1200 SMITH ST #1600|77002"


def _office_portfolio(b: Builder, *, echoed_newest: int) -> None:
    """N unrelated debtors, each with a home two sources report; the bureau reports the
    creditor's office on a row of each. For the first `echoed_newest` of them the office row is
    the newest of the account (the model then ranks it first, the audit's shape); for the
    others it is an older row among newer reports of the home."""
    office = _office(b)
    for i in range(N):
        account = f"A{i:02d}"
        _debtor(b, account, f"Given{i}", f"Surname{i}")
        home = _home(b, i)
        for src, seen in (("w2", OLD), ("tax", MID), ("w2", MID)):
            b.link(account, b.record(src, f"Given{i}", f"Surname{i}",
                                     contacts=[addr_contact(home, first_seen=OLD, last_seen=seen)]))  # fmt: skip
        office_seen = NEW if i < echoed_newest else OLD
        b.link(account, b.record("bureau", f"Given{i}", f"Surname{i}",
                                 contacts=[addr_contact(office, first_seen=office_seen,
                                                        last_seen=office_seen)]))  # fmt: skip


def test_an_office_echoed_for_many_debtors_ranks_after_their_homes(b: Builder, con) -> None:
    _office_portfolio(b, echoed_newest=3)
    resolve_contacts(con, RUN, AS_OF)
    for i in range(N):
        pts = _by_key(con, f"A{i:02d}")
        home_key = f"{40 + i} OAK LN|78701"
        office = pts[OFFICE_KEY]
        # the audit's shape: the office row the newest, the model put it first at 0.9+
        assert pts[home_key]["rank"] == 1, (i, pts)
        assert office["rank"] == 2
        # 3 of the 12 debtors are placed at the office by the model: confidence at most 3/12
        assert office["confidence"] <= 0.25
        assert (
            "address reported for 12 different debtors; of the 12 whose own records place them,"
            " 3 live there" in office["reasons"]
        )
        assert json.loads(office["factors"])["shared_debtors"] == 12
        assert "different debtors" not in pts[home_key]["reasons"]


def test_the_model_alone_ranked_the_office_first(b: Builder, con) -> None:
    """The same portfolio with the rule off (a share of 0): the office ranks first where its row
    is the newest, as the audit found; the test above is not passing by construction."""
    _office_portfolio(b, echoed_newest=3)
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(crowded_placed_share=0.0))
    firsts = [_by_key(con, f"A{i:02d}")[OFFICE_KEY]["rank"] for i in range(N)]
    assert firsts[:3] == [1, 1, 1] and set(firsts[3:]) == {2}
    office = _by_key(con, "A00")[OFFICE_KEY]
    assert office["confidence"] > 0.5 and "different debtors" not in office["reasons"]


def test_a_collector_who_reached_the_debtor_there_keeps_it_first(b: Builder, con) -> None:
    """A right-party contact at the address for the account (the debtor does receive mail
    there) outweighs what the other debtors' records say: confirmed, ranked first (08b)."""
    _office_portfolio(b, echoed_newest=3)
    con.execute(
        "INSERT INTO contact_outcomes (origin, origin_id, account_id, contact_type, contact,"
        " contact_key, outcome, outcome_date, agent, loaded_at)"
        " VALUES ('test', 'o1', 'A00', 'address', ?, ?, 'right_party', ?, 'ag', now())",
        [OFFICE_KEY, OFFICE_KEY, AS_OF],
    )
    resolve_contacts(con, RUN, AS_OF)
    office = _by_key(con, "A00")[OFFICE_KEY]
    assert (office["rank"], office["status"], office["confidence"]) == (1, "confirmed", 0.95)
    assert _by_key(con, "A01")[OFFICE_KEY]["rank"] == 2  # the others' order is unchanged


def test_the_office_is_still_the_address_of_an_account_with_no_other(b: Builder, con) -> None:
    """An account keyed with the office and nothing else reported keeps it (there is nothing to
    rank first instead), at the share's confidence, with the reason; it counts among the
    office's debtors but not among those whose own records place them."""
    _office_portfolio(b, echoed_newest=3)
    _debtor(b, "K1", "Keyed", "Only", **_office(b))
    resolve_contacts(con, RUN, AS_OF)
    (office,) = points(con, "K1", contact_type="address", role="debtor")
    assert office["rank"] == 1 and office["confidence"] <= 0.25
    assert "address reported for 13 different debtors; of the 12 whose own" in office["reasons"]


def test_one_debtors_many_accounts_count_once(b: Builder, con) -> None:
    """Twelve accounts of one person (one standardized name) at an address are one debtor."""
    office = _office(b)
    for i in range(N):
        account = f"S{i:02d}"
        _debtor(b, account, "Ann", "Lee")
        b.link(account, b.record("bureau", "Ann", "Lee",
                                 contacts=[addr_contact(office, last_seen=OLD)]))  # fmt: skip
        b.link(account, b.record("w2", "Ann", "Lee",
                                 contacts=[addr_contact(_home(b, 0), last_seen=NEW)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    office_pt = _by_key(con, "S00")[OFFICE_KEY]
    assert "different debtors" not in office_pt["reasons"]
    assert json.loads(office_pt["factors"])["shared_debtors"] == 1


def test_an_apartment_building_of_many_debtors_is_theirs(b: Builder, con) -> None:
    """Twelve debtors in twelve apartments of one building, each earlier in another apartment
    of it and reported at the building without the apartment: each apartment is a dwelling of
    its own, and the bare building (kept apart: two units on offer) counts the debtors placed in
    its apartments as placed there."""
    bare = b.address("500 Park Ave", "Austin", "TX", "78701", number="500", street="PARK",
                     suffix="AVE")  # fmt: skip
    for i in range(N):
        account = f"B{i:02d}"
        _debtor(b, account, f"Given{i}", f"Surname{i}")
        unit = b.address(f"500 Park Ave Apt {i + 1}", "Austin", "TX", "78701", number="500",
                         street="PARK", suffix="AVE", unit=str(i + 1))  # fmt: skip
        before = b.address(f"500 Park Ave Apt {i + 101}", "Austin", "TX", "78701", number="500",
                           street="PARK", suffix="AVE", unit=str(i + 101))  # fmt: skip
        for src in ("w2", "tax"):
            b.link(account, b.record(src, f"Given{i}", f"Surname{i}",
                                     contacts=[addr_contact(unit, first_seen=MID,
                                                            last_seen=NEW)]))  # fmt: skip
        for raw, seen in ((before, OLD), (bare, MID)):
            b.link(account, b.record("bureau", f"Given{i}", f"Surname{i}",
                                     contacts=[addr_contact(raw, last_seen=seen)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(keep_temp=True))
    # only the bare building is a dwelling of many debtors, and all of them are placed in it
    assert con.execute(
        "SELECT contact_key, debtors, judged, placed, elsewhere FROM rs_crowded"
    ).fetchall() == [("500 PARK AVE|78701", N, N, N, False)]
    for i in range(N):
        pts = _by_key(con, f"B{i:02d}")
        assert pts[f"500 PARK AVE #{i + 1}|78701"]["rank"] == 1
        assert pts["500 PARK AVE|78701"]["rank"] == 2  # right after the unit (08)
        assert all("different debtors" not in p["reasons"] for p in pts.values())


def test_a_nursing_home_without_units_is_its_residents_home(b: Builder, con) -> None:
    """Twelve unrelated residents of a nursing home with no unit numbers, each reported there by
    two sources since moving in from an older home: most of its debtors' evidence places them
    there, so it is their address (pseudopeople's group quarters: rank 1 and right on 492 of
    496 accounts), ranked and scored as the model says."""
    home_gq = b.address("900 Elder Way", "Austin", "TX", "78702", number="900",
                        street="ELDER", suffix="WAY")  # fmt: skip
    for i in range(N):
        account = f"N{i:02d}"
        _debtor(b, account, f"Given{i}", f"Surname{i}", **_home(b, i))
        b.link(account, b.record("bureau", f"Given{i}", f"Surname{i}",
                                 contacts=[addr_contact(_home(b, i), last_seen=OLD)]))  # fmt: skip
        for src in ("w2", "tax"):
            b.link(account, b.record(src, f"Given{i}", f"Surname{i}",
                                     contacts=[addr_contact(home_gq, first_seen=MID,
                                                            last_seen=NEW)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(keep_temp=True))
    assert con.execute("SELECT debtors, judged, placed, elsewhere FROM rs_crowded").fetchall() == [
        (N, N, N, False)
    ]
    for i in range(N):
        gq = _by_key(con, f"N{i:02d}")["900 ELDER WAY|78702"]
        assert gq["rank"] == 1 and gq["confidence"] > 0.5
        assert "different debtors" not in gq["reasons"]
        assert json.loads(gq["factors"])["shared_debtors"] == N
        # it is a residence like any other (06): the home the resident left is superseded
        home = _by_key(con, f"N{i:02d}")[f"{40 + i} OAK LN|78701"]
        assert json.loads(home["factors"])["superseded"] is True


def test_the_office_row_does_not_supersede_the_home(b: Builder, con) -> None:
    """The office row, the newest of the account, is no newer residence: the home is neither
    superseded nor succeeded by it (06_clusters.sql reads rs_crowded), so it keeps the
    confidence of a current address instead of a moved-away one's. The audit: 13 real homes
    ranked first behind the demoted office still carried 'a newer address has been reported
    since', 11 of them below 0.3."""
    _office_portfolio(b, echoed_newest=3)
    resolve_contacts(con, RUN, AS_OF)
    for i in range(3):
        home = _by_key(con, f"A{i:02d}")[f"{40 + i} OAK LN|78701"]
        factors = json.loads(home["factors"])
        assert (factors["superseded"], factors["succeeded"]) == (False, False), (i, factors)
        assert "newer address" not in home["reasons"]
        assert "first reported after this one" not in home["reasons"]
        assert home["confidence"] > 0.5, (i, home["confidence"])
        # the office itself says it was not taken as a move
        office = _by_key(con, f"A{i:02d}")[OFFICE_KEY]
        assert "not taken as a move from them" in office["reasons"]


def test_without_the_rule_the_office_row_supersedes_the_home(b: Builder, con) -> None:
    """The control of the test above: with the rule off (a share of 0) the office row, newest of
    the account, supersedes the home, as it did before 06 read rs_crowded."""
    _office_portfolio(b, echoed_newest=3)
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(crowded_placed_share=0.0))
    home = _by_key(con, "A00")["40 OAK LN|78701"]
    assert json.loads(home["factors"])["superseded"] is True
    assert "a newer address has been reported since" in home["reasons"]


def _right_party(con, account: str, key: str) -> None:
    con.execute(
        "INSERT INTO contact_outcomes (origin, origin_id, account_id, contact_type, contact,"
        " contact_key, outcome, outcome_date, agent, loaded_at)"
        " VALUES ('test', ?, ?, 'address', ?, ?, 'right_party', ?, 'ag', now())",
        [f"o-{account}", account, key, key, AS_OF],
    )


def test_reached_there_the_reasons_say_the_demotion_was_lifted(b: Builder, con) -> None:
    """A collector's right-party contact at the office for the account lifts the demotion
    (08b: ranked first, confirmed at 0.95): its reasons say so, not 'ranked after the account's
    other addresses, confidence at most that share', which was no longer true. And for that
    account it is a residence like any other (06): newer than the home, it supersedes it. The
    other accounts keep the demotion and its reason."""
    _office_portfolio(b, echoed_newest=3)
    _right_party(con, "A00", OFFICE_KEY)
    resolve_contacts(con, RUN, AS_OF)
    pts = _by_key(con, "A00")
    office = pts[OFFICE_KEY]
    assert (office["rank"], office["status"], office["confidence"]) == (1, "confirmed", 0.95)
    assert "collector outcome right party" in office["reasons"]
    assert "confidence at most that share" not in office["reasons"]
    assert "ranked after the account's other addresses" not in office["reasons"]
    assert (
        "address reported for 12 different debtors; of the 12 whose own records place them,"
        " 3 live there; a collector reached this debtor there" in office["reasons"]
    )
    assert json.loads(pts["40 OAK LN|78701"]["factors"])["superseded"] is True
    other = _by_key(con, "A01")
    assert "confidence at most that share" in other[OFFICE_KEY]["reasons"]
    assert json.loads(other["41 OAK LN|78701"]["factors"])["superseded"] is False
