"""SCRA military status (sql/resolve/10b_scra.sql, docs/compliance.md "scra_active_duty"): a
status row carrying the account reference is the holder's only when its identifiers agree; the
holder on active duty, or within 367 days after it, is flagged with the dates and the source
line; a status too old to trust is reported stale, not read as "not on active duty"; the rules
hold the account from legal action, not from contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from skiptrace.matchers.suppress import apply_suppressions
from tests.matchers.test_resolve import AS_OF, RUN, Builder, flags_of

D = dt.date
DOB = D(1990, 2, 14)
FRESH = AS_OF - dt.timedelta(days=10)  # a status 10 days old on the as-of date (2025-06-01)


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def ssn(b: Builder, digits: str) -> dict[str, Any]:
    """ssn_hash / ssn_last4 of an SSN: hashed in SQL, as ingest does, so both sides agree."""
    h = b.con.execute("SELECT sha256(?)", [digits]).fetchone()
    return {"ssn_hash": h[0] if h else None, "ssn_last4": digits[-4:]}


def status(b: Builder, first: str, last: str, *, day: dt.date = FRESH, **fields: Any) -> int:
    """One DMDC row: not on active duty on `day` unless `fields` say otherwise."""
    row = {"scra_status_date": day, "scra_report_date": day, "record_date": day,
           "scra_active_duty": False, "scra_left_within_367": False, **fields}  # fmt: skip
    return b.record("dmdc", first, last, kind="military_status", reliability=0.99, **row)


def test_a_referenced_status_attaches_only_when_its_identifiers_agree(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    b.account("SSN", "Marco", "Rivera", dob=DOB, **ssn(b, "623456789"))
    b.account("DOBNAME", "Dana", "Cole", dob=D(1985, 3, 2))  # no SSN on file
    b.account("OTHER", "Paul", "Stone", dob=D(1970, 7, 7), **ssn(b, "623451234"))
    b.account("TWIN", "Jo", "Hale", dob=DOB, **ssn(b, "623458888"))
    active: dict[str, Any] = {"scra_active_duty": True, "scra_start_date": D(2023, 1, 1)}
    status(b, "MARCO", "RIVERA", account_id="SSN", dob=D(1999, 9, 9), **ssn(b, "623456789"),
           **active)  # fmt: skip
    status(b, "DANA", "COLE", account_id="DOBNAME", dob=D(1985, 3, 2), **active)
    # the father's status sent under the son's reference: another SSN and date of birth
    status(b, "PAUL", "STONE", account_id="OTHER", dob=D(1945, 1, 1), suffix="SR",
           **ssn(b, "623450000"), **active)  # fmt: skip
    # a twin: same birth date and surname, another SSN
    status(b, "JOSH", "HALE", account_id="TWIN", dob=DOB, **ssn(b, "623457777"), **active)
    resolve_contacts(con, RUN, AS_OF)

    flag = flags_of(con, "SSN")["scra_active_duty"]
    assert flag["confidence"] == 0.99
    assert flag["evidence"].startswith("on active duty since 2023-01-01; DMDC status of 2025-05-22")
    assert "attached by the account reference (SSN agrees)" in flag["evidence"]
    assert "dmdc dmdc.csv:2" in flag["evidence"] and flag["records"] == "dmdc:dmdc-2"
    dob_name = flags_of(con, "DOBNAME")["scra_active_duty"]["evidence"]
    assert "date of birth and surname agree (no SSN to compare)" in dob_name
    for acct, why in (
        ("OTHER", "SSN differs (last four 0000, the account's 1234), date of birth differs"),
        ("TWIN", "SSN differs (last four 7777, the account's 8888)"),
    ):
        flags = flags_of(con, acct)
        assert set(flags) == {"scra_disputed"}, acct
        assert why in flags["scra_disputed"]["evidence"]
        assert "the row says on active duty" in flags["scra_disputed"]["evidence"]


def test_a_status_through_the_matcher_counts_only_as_a_debtor_link(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    """No reference: the matcher decides; a guard's associate (the father) flags nobody."""
    b.account("SON", "Paul", "Stone", suffix="JR")
    b.account("ME", "Ann", "Lee")
    father = status(b, "PAUL", "STONE", suffix="SR", scra_active_duty=True)
    mine = status(b, "ANN", "LEE", scra_active_duty=True)
    b.link("SON", father, p=0.02, role="associate")
    b.link("ME", mine, p=0.97)
    resolve_contacts(con, RUN, AS_OF)
    assert flags_of(con, "SON") == {}
    flag = flags_of(con, "ME")["scra_active_duty"]
    assert flag["confidence"] == round(0.97 * 0.99, 4)
    assert "matched to the account holder (match 0.97)" in flag["evidence"]


def test_the_year_after_active_duty_and_a_stale_status(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    cases: dict[str, dict[str, Any]] = {
        # left 366 days before the as-of date: still protected
        "TAIL": {"scra_end_date": AS_OF - dt.timedelta(days=366)},
        # left 368 days before: no longer
        "PAST": {"scra_end_date": AS_OF - dt.timedelta(days=368)},
        # DMDC's "left within 367 days" with no end date: until the status date + 367
        "LEFT": {"scra_left_within_367": True},
        # a projected end after the as-of date: still serving
        "PROJ": {"scra_active_duty": True, "scra_end_date": D(2027, 6, 30)},
        # a call-up notified ahead: protected from the orders (50 USC 3917), not from the start
        "CALL": {"scra_start_date": D(2025, 9, 1), "scra_end_date": D(2026, 9, 1)},
    }
    for acct, fields in cases.items():
        b.account(acct, "Ann", acct)
        b.link(acct, status(b, "ANN", acct, **fields))
    old = AS_OF - dt.timedelta(days=95)
    b.account("STALE", "Bo", "Stale")
    b.link("STALE", status(b, "BO", "STALE", day=old))
    b.account("STALEACT", "Cy", "Stale")
    b.link("STALEACT", status(b, "CY", "STALE", day=old, scra_active_duty=True))
    # a newer "not active" replaces an older "active"
    b.account("NEWER", "Di", "Newer")
    b.link("NEWER", status(b, "DI", "NEWER", day=old, scra_active_duty=True))
    b.link("NEWER", status(b, "DI", "NEWER"))
    resolve_contacts(con, RUN, AS_OF)

    tail = flags_of(con, "TAIL")["scra_active_duty"]["evidence"]
    assert tail.startswith("left active duty on 2024-05-31: protected until 2025-06-02")
    assert flags_of(con, "PAST") == {}
    left = flags_of(con, "LEFT")["scra_active_duty"]["evidence"]
    assert "within 367 days before the status date: protected until 2026-05-24" in left
    assert "(end 2027-06-30)" in flags_of(con, "PROJ")["scra_active_duty"]["evidence"]
    call = flags_of(con, "CALL")
    assert set(call) == {"scra_ordered_to_duty"}
    assert call["scra_ordered_to_duty"]["evidence"].startswith(
        "ordered to active duty beginning 2025-09-01 (end 2026-09-01): protected from receipt of"
        " the orders (50 USC 3917); DMDC status of 2025-05-22"
    )
    stale = flags_of(con, "STALE")
    assert set(stale) == {"scra_status_stale"}
    assert (
        "95 days old on the as-of date (freshness 31 days)"
        in stale["scra_status_stale"]["evidence"]
    )
    still = flags_of(con, "STALEACT")["scra_active_duty"]["evidence"]
    assert "; stale: the status is 95 days old" in still
    assert flags_of(con, "NEWER") == {}

    # the window is a setting, declared once (ResolveSettings)
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(scra_fresh_days=120))
    assert flags_of(con, "STALE") == {}
    assert "stale" not in flags_of(con, "STALEACT")["scra_active_duty"]["evidence"]


def test_the_rules_hold_legal_action_not_contact(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    home = b.address("1 Elm St", "Macon", "GA", "31201", number="1", street="ELM")
    for acct in ("ACTIVE", "DISPUTED", "STALE", "ORDERED"):
        b.account(acct, "Ann", acct, dob=DOB, **home, **ssn(b, "623456789"))
    b.link("ACTIVE", status(b, "ANN", "ACTIVE", scra_active_duty=True))
    # a reservist's call-up: not on active duty on the status date, to report after the as-of
    # date (50 USC 3917: protected from receipt of the orders)
    b.link("ORDERED", status(b, "ANN", "ORDERED", scra_start_date=AS_OF + dt.timedelta(days=30)))
    status(b, "ANN", "DISPUTED", account_id="DISPUTED", dob=DOB, **ssn(b, "623450000"))
    b.link("STALE", status(b, "ANN", "STALE", day=AS_OF - dt.timedelta(days=60)))
    resolve_contacts(con, RUN, AS_OF)
    apply_suppressions(con, RUN, AS_OF)
    got = con.execute(
        "SELECT account_id, rule, action FROM suppressions WHERE run_id = ? AND rule LIKE 'scra%'"
        " ORDER BY account_id",
        [RUN],
    ).fetchall()
    assert got == [
        ("ACTIVE", "scra_active_duty", "legal_hold"),
        ("DISPUTED", "scra_doubtful", "legal_hold"),
        ("ORDERED", "scra_active_duty", "legal_hold"),
        ("STALE", "scra_status_stale", "note"),
    ]
    ordered = con.execute(
        "SELECT reason FROM suppressions WHERE run_id = ? AND account_id = 'ORDERED'", [RUN]
    ).fetchone()
    assert ordered and "ordered to active duty beginning 2025-07-01" in ordered[0]
    point = con.execute(
        "SELECT status, on_hold, reasons FROM contact_points WHERE run_id = ?"
        " AND account_id = 'ACTIVE' AND contact_type = 'address'",
        [RUN],
    ).fetchone()
    assert point is not None
    status_, on_hold, reasons = point
    assert status_ != "suppressed" and not on_hold  # contact is allowed
    assert reasons.startswith("LEGAL HOLD: SCRA: account holder on active duty")
