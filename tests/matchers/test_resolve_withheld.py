"""Contact points resolution keeps but withholds from every export (08c_withhold.sql).

An audit found a number every credit-header row carried (713-555-5555, a valid format) emitted
as the debtor's phone on 1,804 of 1,911 accounts, at rank 1 on 1,507, at confidence up to 0.99;
a vendor's 555-555-5555, marked "number is not valid", exported at a median confidence of 0.96;
and a debtor traced by 300 records with 302 phones exported, the true one at 0.0096. Now a
number that is not valid has confidence 0; a phone or email held by more than
ResolveSettings.placeholder_debtors distinct debtors is a placeholder (confidence 0, ranked last,
withheld, a run warning); and only the ResolveSettings.max_emitted best points of a type and role
per account are emitted. Withheld points stay in contact_points (status 'suppressed', reason
'WITHHELD: ...') for explain and lineage.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from skiptrace.flows.orchestration.stages import placeholder_warning
from skiptrace.matchers.resolve import ResolveResult, ResolveSettings, resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, points

FILLER = "7135555555"


def _phones(con: duckdb.DuckDBPyConnection, account_id: str) -> dict[str, dict]:
    return {p["phone"]: p for p in points(con, account_id, contact_type="phone", role="debtor")}


def _debtors_sharing(b: Builder, n: int, *, same_person: bool = False) -> list[str]:
    """`n` accounts, each linked to a header record carrying its own number and FILLER; the
    accounts' debtors are n people, or one person (same standardized name) with n accounts."""
    filler = b.phone(FILLER)
    ids = []
    for i in range(n):
        account_id = f"A{i}"
        first, last = ("ANN", "LEE") if same_person else (f"P{i}", f"Q{i}")
        b.account(account_id, first, last)
        b.con.execute(
            "INSERT INTO acct_std (account_id, first_std, first_canon, last_std)"
            " VALUES (?, ?, ?, ?)",
            [account_id, first, first, last],
        )
        own = b.phone(f"40455501{i:02d}")
        seen = dt.date(2025, 3, 1)
        rec = b.record("hdr", first, last, record_date=seen, contacts=[
            {"contact_type": "phone", "phone": own, "last_seen": seen},
            {"contact_type": "phone", "phone": filler, "last_seen": seen},
        ])  # fmt: skip
        b.link(account_id, rec)
        ids.append(account_id)
    return ids


def test_a_number_of_many_debtors_is_a_placeholder_withheld(con: duckdb.DuckDBPyConnection) -> None:
    b = Builder(con)
    ids = _debtors_sharing(b, 6)
    result = resolve_contacts(con, RUN, AS_OF)
    for account_id in ids:
        got = _phones(con, account_id)
        filler, own = got[FILLER], got[f"40455501{account_id[1:].zfill(2)}"]
        assert own["rank"] == 1 and own["status"] != "suppressed"
        assert filler["rank"] == 2 and filler["confidence"] == 0
        assert filler["status"] == filler["resolved_status"] == "suppressed"
        assert filler["reasons"].startswith(
            "WITHHELD: number reported for 6 different debtors: a placeholder or a shared line"
        )
    assert (result.placeholder_phones, result.placeholder_accounts) == (1, 6)
    assert result.placeholder_max_debtors == 6
    warning = placeholder_warning(result, ResolveSettings().placeholder_debtors)
    assert warning is not None
    assert warning.startswith("1 phone number reported for more than 5 different debtors")
    assert "on 6 accounts" in warning
    assert placeholder_warning(ResolveResult(run_id=RUN, as_of="", model_version=""), 5) is None


@pytest.mark.parametrize("same_person", [False, True], ids=["family line", "one debtor"])
def test_a_number_few_debtors_share_is_theirs(
    con: duckdb.DuckDBPyConnection, same_person: bool
) -> None:
    """A family's landline on its members' accounts (up to placeholder_debtors of them), or one
    debtor's number on the debtor's many accounts, is not a placeholder."""
    b = Builder(con)
    ids = _debtors_sharing(b, 5 if not same_person else 8, same_person=same_person)
    result = resolve_contacts(con, RUN, AS_OF)
    for account_id in ids:
        filler = _phones(con, account_id)[FILLER]
        assert filler["status"] != "suppressed" and filler["confidence"] > 0
        assert "WITHHELD" not in filler["reasons"]
    assert result.placeholder_phones == 0


def test_a_number_that_is_not_valid_has_no_confidence(con: duckdb.DuckDBPyConnection) -> None:
    """A vendor's 555-555-5555 (not a valid number) cannot reach anyone: confidence 0, whatever
    its support; it is still listed (its reason says so and the import marks it bad)."""
    b = Builder(con)
    b.account("A1", "Ann", "Lee")
    bad, good = b.phone("5555555555", valid=False), b.phone("4045550131")
    rec = b.record("vendor", "Ann", "Lee", kind="vendor_batch", account_id="A1", contacts=[
        {"contact_type": "phone", "phone": bad}, {"contact_type": "phone", "phone": good},
    ])  # fmt: skip
    b.link("A1", rec, p=0.999)
    resolve_contacts(con, RUN, AS_OF)
    got = _phones(con, "A1")
    assert got["5555555555"]["confidence"] == 0 and got["5555555555"]["rank"] == 2
    assert "number is not valid" in got["5555555555"]["reasons"]
    assert got["5555555555"]["status"] != "suppressed"
    assert got["4045550131"]["confidence"] > 0.5


def test_only_the_best_points_of_an_account_are_emitted(con: duckdb.DuckDBPyConnection) -> None:
    """A debtor traced by many records: the max_emitted best-ranked phones are emitted, the rest
    withheld (kept, with their rank and why)."""
    b = Builder(con)
    b.account("A1", "Ann", "Lee")
    for i in range(5):
        seen = dt.date(2025, 1, 1) + dt.timedelta(days=10 * i)  # the later, the better
        rec = b.record("hdr", "Ann", "Lee", record_date=seen, contacts=[
            {"contact_type": "phone", "phone": b.phone(f"404555017{i}"), "last_seen": seen},
        ])  # fmt: skip
        b.link("A1", rec)
    result = resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings(max_emitted=3))
    got = sorted(_phones(con, "A1").values(), key=lambda p: p["rank"])
    assert [p["status"] == "suppressed" for p in got] == [False, False, False, True, True]
    assert [p["phone"] for p in got[:3]] == ["4045550174", "4045550173", "4045550172"]
    assert got[3]["reasons"].startswith(
        "WITHHELD: ranked 4, beyond the 3 best phones of the account"
    )
    assert result.withheld_beyond_cap == 2 and result.placeholder_phones == 0
