"""Contact resolution on hand-built accounts: consolidation, NCOA move types, status, flags.

Rows are inserted straight into the stage's input tables (accounts, source_records,
source_contacts, the std caches, match_pairs), so these tests pin resolution's own behaviour
independently of ingestion, standardization and matching.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import pytest

from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from tests.ingested import unused_date

RUN = "r-test"
AS_OF = dt.date(2025, 6, 1)


class Builder:
    """Inserts a small portfolio: files, accounts, records, contacts, cache rows, links."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.files: dict[str, int] = {}
        self.lines: dict[int, int] = {}

    def file(self, source: str, kind: str = "person_records", reliability: float = 0.9) -> int:
        if source in self.files:
            return self.files[source]
        no = len(self.files) + 1
        self.con.execute(
            "INSERT INTO input_files (file_no, run_id, source, kind, path, file_name, sha256,"
            " received_at, loaded_at, permissible_purpose, reliability, status)"
            " VALUES (?, 'ingest', ?, ?, ?, ?, 'x', ?, ?, 'collection', ?, 'loaded')",
            [no, source, kind, f"/in/{source}.csv", f"{source}.csv", dt.datetime(2025, 5, 1),
             dt.datetime(2025, 5, 2), reliability],
        )  # fmt: skip
        self.files[source] = no
        self.lines[no] = 1
        return no

    def address(
        self,
        line1: str,
        city: str,
        state: str,
        zip5: str,
        *,
        number: str | None,
        street: str | None,
        suffix: str | None = "ST",
        unit: str | None = None,
        std_line1: str | None = None,
        quality: str = "ok",
        line2: str | None = None,
        predir: str | None = None,
        postdir: str | None = None,
    ) -> dict[str, Any]:
        """Cache the standardization of a raw address; returns the raw fields for reuse."""
        raw = "|".join(x or "" for x in (line1, line2, city, state, zip5))
        std = std_line1 or " ".join(
            x
            for x in (number, predir, street, suffix, postdir, f"APT {unit}" if unit else None)
            if x
        )
        # the caches have no key index (migration 092): replacing a row is delete + insert
        self.con.execute("DELETE FROM std_address_cache WHERE addr_raw = ?", [raw])
        self.con.execute(
            "INSERT INTO std_address_cache (addr_raw, street_number, predir, street_name,"
            " suffix, postdir, unit_type, unit_number, city, state, zip5, std_line1, quality,"
            " parser) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'test')",
            [raw, number, predir, street, suffix, postdir, "APT" if unit else None, unit,
             city.upper(), state, zip5, std, quality],
        )  # fmt: skip
        return {
            "address_line1": line1,
            "address_line2": line2,
            "city": city,
            "state": state,
            "zip": zip5,
        }

    def phone(
        self,
        raw: str,
        *,
        valid: bool = True,
        kind: str = "fixed_or_mobile",
        zone: str | None = "America/New_York",
    ) -> str:
        digits = "".join(c for c in raw if c.isdigit())[-10:]
        self.con.execute("DELETE FROM std_phone_cache WHERE phone_raw = ?", [raw])
        self.con.execute(
            "INSERT INTO std_phone_cache (phone_raw, e164, valid, extension,"
            " area_code, number_type, time_zone) VALUES (?, ?, ?, NULL, ?, ?, ?)",
            [raw, f"+1{digits}", valid, digits[:3], kind, zone],
        )
        return raw

    def account(self, account_id: str, first: str, last: str, **fields: Any) -> None:
        f = self.file("accounts", "accounts", 1.0)
        line = self._line(f)
        cols = {"file_no": f, "line_no": line, "account_id": account_id, "first_name": first,
                "last_name": last, "balance": 1000.0, "placed_date": dt.date(2024, 1, 1)}  # fmt: skip
        cols.update(fields)
        self._insert("accounts", cols)

    def record(
        self,
        source: str,
        first: str,
        last: str,
        *,
        kind: str = "person_records",
        reliability: float = 0.9,
        contacts: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> int:
        f = self.file(source, kind, reliability)
        line = self._line(f)
        rec_id = f * 10_000_000_000 + line
        cols = {"rec_id": rec_id, "file_no": f, "line_no": line, "source": source, "kind": kind,
                "record_id": f"{source}-{line}", "first_name": first, "last_name": last}  # fmt: skip
        cols.update(fields)
        self._insert("source_records", cols)
        for i, c in enumerate(contacts or [], start=1):
            row = {"rec_id": rec_id, "file_no": f, "source": source, "rank": i, "role": "debtor",
                   "evidence": "vendor_candidate" if kind == "vendor_batch" else "record"}  # fmt: skip
            row.update(c)
            self._insert("source_contacts", row)
        return rec_id

    def link(
        self,
        account_id: str,
        rec_id: int,
        p: float = 0.98,
        role: str = "debtor",
        guard: str | None = None,
    ) -> None:
        src = self.con.execute(
            "SELECT source FROM source_records WHERE rec_id = ?", [rec_id]
        ).fetchone()
        self.con.execute(
            "INSERT INTO match_pairs (run_id, account_id, rec_id, source, match_weight,"
            " match_probability, role, guard) VALUES (?, ?, ?, ?, 10, ?, ?, ?)",
            [RUN, account_id, rec_id, src[0] if src else None, p, role, guard],
        )

    def unused_date(self, rec_id: int, column: str, reason: str, value: str) -> None:
        """The event date `column` of record `rec_id`, delivered as `value`, that ingest did not
        use for `reason` (tests.ingested.unused_date)."""
        unused_date(self.con, rec_id, column, reason, value)

    def _line(self, file_no: int) -> int:
        self.lines[file_no] += 1
        return self.lines[file_no]

    def _insert(self, table: str, cols: dict[str, Any]) -> None:
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        self.con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(cols.values()))


def addr_contact(raw: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"contact_type": "address", **raw, **kw}


def points(con: duckdb.DuckDBPyConnection, account_id: str, **where: Any) -> list[dict[str, Any]]:
    cond = " AND ".join(f"{k} = ?" for k in where)
    rows = con.execute(
        "SELECT * FROM contact_points WHERE run_id = ? AND account_id = ?"
        + (f" AND {cond}" if cond else "")
        + " ORDER BY contact_type, role, rank",
        [RUN, account_id, *where.values()],
    )
    cols = [d[0] for d in rows.description]
    return [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]


def model_inputs(con: duckdb.DuckDBPyConnection, point: dict[str, Any]) -> dict[str, float]:
    """A point's model inputs by feature name: contact_points.model_inputs, named by the run's
    run_model_inputs row (migration 072)."""
    names = con.execute(
        "SELECT names FROM run_model_inputs WHERE run_id = ?", [point["run_id"]]
    ).fetchall()[0][0]
    return dict(zip(names, point["model_inputs"], strict=True))


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def test_three_spellings_from_three_sources_make_one_contact_point(b: Builder, con) -> None:
    home = b.address("9 Old Rd", "Macon", "GA", "31201", number="9", street="OLD", suffix="RD")
    b.account("A1", "John", "Smith", **home)
    a = b.address("123 North Main Street Apt 4", "Atlanta", "GA", "30301", number="123",
                  street="MAIN", unit="4", std_line1="123 N MAIN ST APT 4")  # fmt: skip
    c = b.address("123 N Mian St #04", "Atlanta", "GA", "30301", number="123", street="MIAN",
                  unit="04", std_line1="123 N MIAN ST APT 04")  # fmt: skip
    d = b.address("123 N Main St Unit 4", "ATLANTA", "GA", "30301", number="123", street="MAIN",
                  unit="4", std_line1="123 N MAIN ST UNIT 4")  # fmt: skip
    other_unit = b.address("123 N Main St Apt 5", "Atlanta", "GA", "30301", number="123",
                           street="MAIN", unit="5", std_line1="123 N MAIN ST APT 5")  # fmt: skip
    seen = {"last_seen": dt.date(2025, 4, 1), "first_seen": dt.date(2024, 1, 1)}
    r1 = b.record("credit_hdr", "John", "Smith", reliability=0.95,
                  contacts=[addr_contact(a, **seen)])  # fmt: skip
    r2 = b.record("utility", "Jon", "Smith", reliability=0.80, contacts=[addr_contact(c, **seen)])
    r3 = b.record("vendor_x", "John", "Smith", reliability=0.85, contacts=[addr_contact(d, **seen)])
    r4 = b.record("court", "John", "Smith", reliability=0.6,
                  contacts=[addr_contact(other_unit, last_seen=dt.date(2020, 1, 1))])  # fmt: skip
    for r in (r1, r2, r3, r4):
        b.link("A1", r)

    res = resolve_contacts(con, RUN, AS_OF)
    assert res.debtor_contacts == 3  # merged point, APT 5, the old on-file address

    merged = points(con, "A1", contact_type="address", contact_key="123 MAIN ST #4|30301")
    assert len(merged) == 1
    m = merged[0]
    assert m["address_line1"] == "123 N MAIN ST APT 4"  # tie on support -> most reliable source
    assert m["sources"] == "credit_hdr;utility;vendor_x"
    assert m["rank"] == 1 and m["status"] == "new" and m["unit"] == "4"
    support = con.execute(
        "SELECT source, evidence FROM contact_support WHERE run_id = ? AND contact_key = ?"
        " ORDER BY source",
        [RUN, m["contact_key"]],
    ).fetchall()
    assert support == [("credit_hdr", "record"), ("utility", "record"), ("vendor_x", "record")]
    apt5 = points(con, "A1", contact_type="address", contact_key="123 MAIN ST #5|30301")
    assert len(apt5) == 1 and apt5[0]["confidence"] < m["confidence"]
    factors = json.loads(m["factors"])
    assert factors["n_sources"] == 3 and model_inputs(con, m)["n_sources_log"] > 1.3
    assert "x" not in factors  # the inputs are typed in model_inputs, not JSON (migration 072)


def test_consensus_prefers_the_most_supported_spelling(b: Builder, con) -> None:
    b.account("A1", "Ann", "Lee")
    good = b.address("5 Elm St", "Rome", "GA", "30161", number="5", street="ELM")
    typo = b.address("5 Elmm St", "Rome", "GA", "30161", number="5", street="ELMM",
                     std_line1="5 ELMM ST")  # fmt: skip
    for src, raw, rel in (("s1", typo, 0.99), ("s2", good, 0.7), ("s3", good, 0.7)):
        b.link("A1", b.record(src, "Ann", "Lee", reliability=rel, contacts=[addr_contact(raw)]))
    resolve_contacts(con, RUN, AS_OF)
    pts = points(con, "A1", contact_type="address")
    assert [p["address_line1"] for p in pts] == ["5 ELM ST"]
    assert pts[0]["sources"] == "s1;s2;s3"


def _grid(b: Builder, postdir: str | None) -> dict[str, Any]:
    """'500 E 100 <postdir>' in Salt Lake City: a Utah grid address, no street suffix."""
    line = " ".join(x for x in ("500 E 100", postdir) if x)
    return b.address(line, "Salt Lake City", "UT", "84111", number="500", predir="E",
                     street="100", suffix=None, postdir=postdir)  # fmt: skip


def test_grid_addresses_differing_in_the_post_directional_are_two(b: Builder, con) -> None:
    """500 E 100 N and 500 E 100 S are two addresses (a Utah grid; DC's NW / SE likewise): the
    key once left the post-directional out, so a record at 100 S "confirmed" the account's
    100 N and one contact stood for both."""
    b.account("A1", "Mike", "Reed", **_grid(b, "N"))
    south = _grid(b, "S")
    seen = {"first_seen": dt.date(2025, 1, 1), "last_seen": dt.date(2025, 5, 1)}
    b.link("A1", b.record("credit_hdr", "Mike", "Reed", contacts=[addr_contact(south, **seen)]))
    resolve_contacts(con, RUN, AS_OF)
    pts = {p["contact_key"]: p for p in points(con, "A1", contact_type="address")}
    assert set(pts) == {"500 E 100 N|84111", "500 E 100 S|84111"}
    assert pts["500 E 100 N|84111"]["address_line1"] == "500 E 100 N"
    assert pts["500 E 100 N|84111"]["status"] == "on_file"
    assert pts["500 E 100 N|84111"]["sources"] != pts["500 E 100 S|84111"]["sources"]


def test_a_grid_spelling_without_its_post_directional(b: Builder, con) -> None:
    """'500 E 100' merges into the account's one '500 E 100 N' (a source dropped the
    directional), but beside both N and S it cannot say which it is and chains neither."""
    b.account("A1", "Mike", "Reed", **_grid(b, "N"))
    b.link("A1", b.record("s1", "Mike", "Reed", contacts=[addr_contact(_grid(b, None))]))
    b.account("A2", "Olga", "Petrov", **_grid(b, "N"))
    for src, postdir in (("s1", None), ("s2", "S")):
        contacts = [addr_contact(_grid(b, postdir))]
        b.link("A2", b.record(src, "Olga", "Petrov", contacts=contacts))
    resolve_contacts(con, RUN, AS_OF)
    one = points(con, "A1", contact_type="address")
    assert [p["contact_key"] for p in one] == ["500 E 100 N|84111"]
    assert "s1" in one[0]["sources"]
    two = {p["contact_key"] for p in points(con, "A2", contact_type="address")}
    assert two == {"500 E 100 N|84111", "500 E 100 S|84111", "500 E 100|84111"}


def test_unitless_spelling_joins_the_single_unit_but_not_two(b: Builder, con) -> None:
    b.account("A1", "Ann", "Lee")
    bare = b.address("7 Oak St", "Rome", "GA", "30161", number="7", street="OAK")
    apt1 = b.address("7 Oak St Apt 1", "Rome", "GA", "30161", number="7", street="OAK", unit="1")
    b.link("A1", b.record("s1", "Ann", "Lee", contacts=[addr_contact(bare)]))
    b.link("A1", b.record("s2", "Ann", "Lee", contacts=[addr_contact(apt1)]))
    b.account("A2", "Bob", "Ray")
    apt2 = b.address("7 Oak St Apt 2", "Rome", "GA", "30161", number="7", street="OAK", unit="2")
    for s, raw in (("s1", bare), ("s2", apt1), ("s3", apt2)):
        b.link("A2", b.record(s, "Bob", "Ray", contacts=[addr_contact(raw)]))
    resolve_contacts(con, RUN, AS_OF)
    a1 = points(con, "A1", contact_type="address")
    assert [p["address_line1"] for p in a1] == ["7 OAK ST APT 1"]
    a2 = sorted(p["address_line1"] for p in points(con, "A2", contact_type="address"))
    assert a2 == ["7 OAK ST", "7 OAK ST APT 1", "7 OAK ST APT 2"]


def _ncoa_world(b: Builder) -> None:
    """Two households; NCOA reports a family move from one and an individual move from the other."""
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    pine = b.address("55 Pine Rd", "Decatur", "GA", "30030", number="55", street="PINE",
                     suffix="RD")  # fmt: skip
    elm = b.address("20 Elm St", "Atlanta", "GA", "30305", number="20", street="ELM")
    birch = b.address("77 Birch Ln", "Athens", "GA", "30601", number="77", street="BIRCH",
                      suffix="LN")  # fmt: skip
    maple = b.address("3 Maple Ct", "Athens", "GA", "30602", number="3", street="MAPLE",
                      suffix="CT")  # fmt: skip
    b.account("FAM", "John", "Smith", **oak)
    b.account("IND", "Jane", "Doe", **elm)
    b.account("SELF", "Ken", "Wu", **maple)
    ncoa: dict[str, Any] = {"kind": "ncoa", "reliability": 0.95, "ncoa_return_code": "A",
            "move_effective_date": dt.date(2025, 3, 1)}  # fmt: skip
    fwd = {"contact_type": "address", "evidence": "ncoa_forward"}
    # Mary Smith (not the debtor) files a FAMILY move from 10 Oak Ave: applies to John Smith.
    mary = b.record("ncoa", "Mary", "Smith", move_type="F", **oak, **ncoa,
                    contacts=[{**fwd, **pine}])  # fmt: skip
    b.link("FAM", mary, p=0.40, role="associate")
    # Jim Doe files an INDIVIDUAL move from 20 Elm St: does not apply to Jane Doe.
    b.record("ncoa", "Jim", "Doe", move_type="I", **elm, **ncoa, contacts=[{**fwd, **birch}])
    # Ken Wu's own individual move (linked as debtor) applies to him.
    ken = b.record("ncoa", "Ken", "Wu", move_type="I", **maple, **ncoa, contacts=[{**fwd, **birch}])
    b.link("SELF", ken, p=0.97)
    # A business move from 20 Elm St never applies to a person.
    b.record("ncoa", "Doe Plumbing", "Doe", move_type="B", **elm, **ncoa,
             contacts=[{**fwd, **maple}])  # fmt: skip


def test_family_move_applies_to_household_individual_move_does_not(b: Builder, con) -> None:
    _ncoa_world(b)
    resolve_contacts(con, RUN, AS_OF)

    fam = {p["address_line1"]: p for p in points(con, "FAM", contact_type="address")}
    assert set(fam) == {"10 OAK AVE", "55 PINE RD"}
    assert fam["55 PINE RD"]["rank"] == 1 and fam["55 PINE RD"]["status"] == "new"
    assert "family change-of-address" in fam["55 PINE RD"]["reasons"]
    assert fam["10 OAK AVE"]["status"] == "on_file"
    assert json.loads(fam["10 OAK AVE"]["factors"])["moved_from"] is True
    ev = con.execute(
        "SELECT evidence FROM contact_support WHERE run_id = ? AND account_id = 'FAM'"
        " AND contact_key = '55 PINE RD|30030'",
        [RUN],
    ).fetchall()
    assert ev == [("ncoa_family",)]

    ind = {p["address_line1"]: p for p in points(con, "IND", contact_type="address")}
    assert set(ind) == {"20 ELM ST"}  # neither Jim's individual move nor the business move
    assert json.loads(ind["20 ELM ST"]["factors"])["moved_from"] is False

    own = {p["address_line1"]: p for p in points(con, "SELF", contact_type="address")}
    assert own["77 BIRCH LN"]["rank"] == 1
    assert json.loads(own["3 MAPLE CT"]["factors"])["moved_from"] is True

    moved = dict(
        con.execute(
            "SELECT account_id, evidence FROM account_flags WHERE run_id = ? AND flag = 'moved'",
            [RUN],
        ).fetchall()
    )
    assert set(moved) == {"FAM", "SELF"}
    assert "family move of a household member" in moved["FAM"]


def test_ncoa_forwards_are_standardized_only_when_a_move_applies(b: Builder, con) -> None:
    """The NCOA forwards' standardization (03 over rs_ev_ncoa) runs when a move applies, and is
    skipped, a fixed cost of every resolve, when none does: the same points either way."""
    _ncoa_world(b)
    moved = resolve_contacts(con, RUN, AS_OF)
    assert "03_standardize_ncoa" in moved.step_seconds
    assert {p["address_line1"] for p in points(con, "SELF", contact_type="address")} == {
        "77 BIRCH LN",
        "3 MAPLE CT",
    }
    for table in ("match_pairs", "source_contacts", "source_records"):  # no NCOA file at all
        con.execute(f"DELETE FROM {table} WHERE source = 'ncoa'")
    still = resolve_contacts(con, RUN, AS_OF)
    assert "03_standardize_ncoa" not in still.step_seconds
    assert {p["address_line1"] for p in points(con, "SELF", contact_type="address")} == {
        "3 MAPLE CT"
    }


def test_ncoa_moved_left_no_address_marks_the_address(b: Builder, con) -> None:
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    b.account("A1", "John", "Smith", **oak)
    r = b.record("ncoa", "John", "Smith", kind="ncoa", move_type="I", ncoa_return_code="02",
                 move_effective_date=dt.date(2025, 1, 1), **oak)  # fmt: skip
    b.link("A1", r)
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "A1", contact_type="address")
    f = json.loads(p["factors"])
    assert f["ncoa_no_forward"] is True and p["status"] == "on_file"
    assert "left no forwarding address" in p["reasons"]


def test_status_new_confirmed_on_file(b: Builder, con) -> None:
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    old = b.phone("(404) 555-0100")
    kept = b.phone("404-555-0101")
    new = b.phone("4045550102", kind="mobile")
    b.account("A1", "Ann", "Lee", **home, phone=old, phone_2=kept, email="Ann@Example.com")
    recent = {"last_seen": dt.date(2025, 5, 1)}
    r = b.record("vendor", "Ann", "Lee", kind="vendor_batch", account_id="A1", contacts=[
        addr_contact(home, **recent),
        {"contact_type": "phone", "phone": "4045550101", **recent},
        {"contact_type": "phone", "phone": new, "phone_type": "Cell", **recent},
    ])  # fmt: skip
    b.phone("4045550101")
    assert r  # vendor rows keyed to the account need no match_pairs row
    resolve_contacts(con, RUN, AS_OF)

    by_key = {p["contact_key"]: p for p in points(con, "A1")}
    assert by_key["1 MAIN ST|30161"]["status"] == "confirmed"
    assert by_key["+14045550101"]["status"] == "confirmed"
    assert by_key["+14045550100"]["status"] == "on_file"
    assert by_key["+14045550102"]["status"] == "new"
    assert by_key["+14045550102"]["phone_type"] == "mobile"
    assert by_key["+14045550102"]["phone"] == "4045550102"
    assert by_key["ann@example.com"]["status"] == "on_file"
    phones = sorted((p["rank"], p["contact_key"]) for p in by_key.values() if p["phone"])
    assert [r for r, _ in phones] == [1, 2, 3]
    assert by_key["+14045550100"]["rank"] == 3  # unsupported on-file number ranks last
    assert by_key["+14045550100"]["confidence"] < by_key["+14045550101"]["confidence"]


def test_newer_reliable_address_supersedes_the_one_on_file(b: Builder, con) -> None:
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    new = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    b.account("A1", "Ann", "Lee", **home)
    b.link("A1", b.record("hdr", "Ann", "Lee", contacts=[
        addr_contact(home, last_seen=dt.date(2021, 3, 1)),
    ]))  # fmt: skip
    b.link("A1", b.record("util", "Ann", "Lee", contacts=[
        addr_contact(new, last_seen=dt.date(2025, 5, 1)),
    ]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    pts = {p["address_line1"]: p for p in points(con, "A1", contact_type="address")}
    assert pts["8 LAKE DR"]["rank"] == 1 and pts["8 LAKE DR"]["status"] == "new"
    assert pts["1 MAIN ST"]["status"] == "on_file"
    assert json.loads(pts["1 MAIN ST"]["factors"])["superseded"] is True
    assert "newer address" in pts["1 MAIN ST"]["reasons"]


def test_an_address_without_house_number_or_street_never_ranks_first(b: Builder, con) -> None:
    b.account("A1", "Ann", "Lee")
    full = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    no_number = b.address("N 27th St", "Rome", "GA", "30165", number=None, street="27TH",
                          std_line1="N 27TH ST")  # fmt: skip
    no_street = b.address("4006", "Rome", "GA", "30165", number=None, street=None, suffix=None,
                          unit="4006", std_line1="# 4006")  # fmt: skip
    b.link("A1", b.record("hdr", "Ann", "Lee", contacts=[
        addr_contact(full, last_seen=dt.date(2024, 5, 1)),
    ]))  # fmt: skip
    for raw in (no_number, no_street):  # newer, and from the more reliable source
        b.link("A1", b.record("util", "Ann", "Lee", reliability=0.99, contacts=[
            addr_contact(raw, last_seen=dt.date(2025, 5, 1)),
        ]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    pts = points(con, "A1", contact_type="address", role="debtor")
    assert pts[0]["rank"] == 1 and pts[0]["address_line1"] == "8 LAKE DR"
    complete = [bool(p["street_number"] and p["street_name"]) for p in pts]
    assert complete == sorted(complete, reverse=True)  # every incomplete one after the complete


def test_third_party_contacts_are_kept_apart(b: Builder, con) -> None:
    b.account("A1", "Ann", "Lee")
    sis = b.phone("4045550199")
    own = b.phone("4045550123")
    r = b.record("vendor", "Ann", "Lee", kind="vendor_batch", account_id="A1", contacts=[
        {"contact_type": "phone", "phone": own},
        {"contact_type": "phone", "phone": sis, "role": "third_party", "relationship": "sister",
         "party_name": "Beth Lee"},
    ])  # fmt: skip
    assert r
    husband = b.record("hdr", "Tom", "Lee", contacts=[{"contact_type": "phone", "phone": sis}])
    b.link("A1", husband, p=0.3, role="associate")
    resolve_contacts(con, RUN, AS_OF)
    debtor = points(con, "A1", role="debtor")
    third = points(con, "A1", role="third_party")
    assert [p["contact_key"] for p in debtor] == ["+14045550123"]
    assert [p["contact_key"] for p in third] == ["+14045550199"]
    assert third[0]["sources"] == "hdr;vendor"
    assert "(not the debtor's own)" in third[0]["reasons"]
    assert third[0]["confidence"] > 0.5  # an associate's own record is a good lead
    assert third[0]["relationship"] in {"sister", "associate"}


def test_a_third_partys_contact_that_is_the_debtors_own_is_only_the_debtors(
    b: Builder, con
) -> None:
    """The husband's record lists the household line the debtor also has, and his own cell: the
    shared line is the consumer's contact, written once, as the debtor's (its reasons say a
    relative has it too), with no third party's point or support beside it. Written twice, the
    location export left it out while the report counted it, explain called it exported and
    push sent one row of two."""
    b.account("A1", "Ann", "Lee")
    line = b.phone("4045550123")
    cell = b.phone("4045550199")
    own = b.record("hdr", "Ann", "Lee", contacts=[{"contact_type": "phone", "phone": line}])
    b.link("A1", own)
    husband = b.record("hdr", "Tom", "Lee", contacts=[
        {"contact_type": "phone", "phone": line}, {"contact_type": "phone", "phone": cell},
    ])  # fmt: skip
    b.link("A1", husband, p=0.3, role="associate")
    resolve_contacts(con, RUN, AS_OF)
    (debtor,) = points(con, "A1", role="debtor")
    assert debtor["contact_key"] == "+14045550123"
    assert "also listed for a relative or associate" in debtor["reasons"]
    third = points(con, "A1", role="third_party")
    assert [(p["contact_key"], p["rank"]) for p in third] == [("+14045550199", 1)]
    support = con.execute(
        "SELECT role, rec_id FROM contact_support WHERE account_id = 'A1'"
        " AND contact_key = '+14045550123' ORDER BY role"
    ).fetchall()
    assert support == [("debtor", own)]


def test_flags_deceased_and_bankruptcy(b: Builder, con) -> None:
    b.account("A1", "Ann", "Lee")
    b.account("A2", "Bob", "Ray")
    dmf = b.record("dmf", "Ann", "Lee", kind="deceased", reliability=0.98,
                   date_of_death=dt.date(2025, 2, 3))  # fmt: skip
    b.link("A1", dmf, p=0.99)
    bk = b.record("pacer", "Bob", "Ray", kind="bankruptcy", reliability=0.97, bk_chapter="7",
                  bk_case_number="25-10001", bk_district="GAN",
                  bk_filing_date=dt.date(2025, 1, 10))  # fmt: skip
    b.link("A2", bk, p=0.95)
    resolve_contacts(con, RUN, AS_OF)
    flags = {
        (a, f): (c, e)
        for a, f, c, e in con.execute(
            "SELECT account_id, flag, confidence, evidence FROM account_flags WHERE run_id = ?",
            [RUN],
        ).fetchall()
    }
    c, e = flags[("A1", "deceased")]
    assert c == pytest.approx(0.99 * 0.98, abs=1e-3) and "date of death 2025-02-03" in e
    c, e = flags[("A2", "bankruptcy")]
    assert "chapter 7" in e and "case 25-10001" in e and "filed 2025-01-10" in e


def test_rerun_replaces_rows_and_time_zone_conflict(b: Builder, con) -> None:
    la = b.address("1 Sunset Blvd", "Los Angeles", "CA", "90028", number="1", street="SUNSET",
                   suffix="BLVD")  # fmt: skip
    ny_phone = b.phone("2125550100")  # cache says America/New_York
    b.account("A1", "Ann", "Lee", **la, phone=ny_phone)
    resolve_contacts(con, RUN, AS_OF, settings=ResolveSettings())
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "A1", contact_type="phone")
    assert p["time_zone"] == "America/Los_Angeles" and p["tz_area_code"] == "America/New_York"
    assert p["tz_conflict"] is True
    n = con.execute("SELECT count(*) FROM contact_points WHERE run_id = ?", [RUN]).fetchone()
    assert n == (2,)


def _on_file_in_los_angeles_and_new_york_from_2014(b: Builder) -> None:
    """Account A1: an on-file Los Angeles address and a New York phone; a 2014 header record
    gives a New York address that ranks below the on-file one."""
    la = b.address("1 Sunset Blvd", "Los Angeles", "CA", "90028", number="1", street="SUNSET",
                   suffix="BLVD")  # fmt: skip
    ny = b.address("5 Pearl St", "New York", "NY", "10004", number="5", street="PEARL",
                   suffix="ST")  # fmt: skip
    b.account("A1", "Ann", "Lee", **la, phone=b.phone("2125550100"))
    old = b.record("hdr", "Ann", "Lee", reliability=0.5, record_date=dt.date(2014, 3, 1),
                   contacts=[addr_contact(ny, last_seen=dt.date(2014, 3, 1))])  # fmt: skip
    b.link("A1", old)


def test_the_calling_window_zone_is_the_best_ranked_address_even_when_only_on_file(
    b: Builder, con
) -> None:
    """The on-file Los Angeles address ranks first; a header record from 2014 gives a New York
    address that ranks below it. The consumer is in Pacific time, so the New York number's
    window must be narrowed. Skipping on-file addresses put the consumer in New York: calls
    from 5 a.m. Pacific, and no conflict flagged."""
    _on_file_in_los_angeles_and_new_york_from_2014(b)
    resolve_contacts(con, RUN, AS_OF)
    ranks = {p["zip"]: p["rank"] for p in points(con, "A1", contact_type="address")}
    assert ranks == {"90028": 1, "10004": 2}
    (p,) = points(con, "A1", contact_type="phone")
    assert p["time_zone"] == "America/Los_Angeles" and p["tz_conflict"] is True


def test_an_address_collectors_reported_returned_does_not_set_the_calling_zone(
    b: Builder, con
) -> None:
    """The on-file Los Angeles address ranks first, but a collector's latest verdict on it is
    returned mail: the consumer is not there. The zone is the New York address's, the one the
    consumer has not left (it used to be the returned address's)."""
    _on_file_in_los_angeles_and_new_york_from_2014(b)
    resolve_contacts(con, RUN, AS_OF)
    (la_key,) = [p["contact_key"] for p in points(con, "A1", contact_type="address")
                 if p["zip"] == "90028"]  # fmt: skip
    con.execute(
        "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key, outcome,"
        " outcome_date) VALUES ('t', 'A1', 'address', ?, 'returned_mail', ?)",
        [la_key, AS_OF - dt.timedelta(days=3)],
    )
    resolve_contacts(con, RUN, AS_OF, full_rebuild=True)
    (p,) = points(con, "A1", contact_type="phone")
    assert p["time_zone"] == "America/New_York" and p["tz_conflict"] is False


def test_a_number_that_is_not_valid_ranks_after_the_valid_ones(b: Builder, con) -> None:
    """The on-file number is a 900 premium-rate line (not valid); an old header record gives a
    valid number that scores lower. The invalid number cannot reach the consumer: it ranks
    second, still emitted with its reason, as an unmailable address ranks after mailable ones."""
    bad = b.phone("9005550123", valid=False)
    b.account("A1", "Ann", "Lee", phone=bad)
    good = b.phone("4045550131")
    old = b.record("hdr", "Ann", "Lee", reliability=0.5, record_date=dt.date(2014, 3, 1),
                   contacts=[{"contact_type": "phone", "phone": good,
                              "last_seen": dt.date(2014, 3, 1)}])  # fmt: skip
    b.link("A1", old)
    resolve_contacts(con, RUN, AS_OF)
    got = {p["phone"]: (p["rank"], p["confidence"], p["reasons"])
           for p in points(con, "A1", contact_type="phone")}  # fmt: skip
    assert got["4045550131"][0] == 1 and got["9005550123"][0] == 2
    assert "number is not valid" in got["9005550123"][2]


def _factors(p: dict[str, Any]) -> dict[str, Any]:
    return json.loads(p["factors"])


def test_hash_and_apt_units_are_one_contact_key(b: Builder, con) -> None:
    """'# 4' and 'APT 4' are one apartment: the key is number + street + unit number + ZIP5."""
    b.account("A1", "Ann", "Lee")
    hash4 = b.address("12 Elm St # 4", "Rome", "GA", "30161", number="12", street="ELM", unit="4",
                      std_line1="12 ELM ST # 4")  # fmt: skip
    apt4 = b.address("12 Elm St Apt 4", "Rome", "GA", "30161", number="12", street="ELM",
                     unit="04", std_line1="12 ELM ST APT 04")  # fmt: skip
    b.link("A1", b.record("s1", "Ann", "Lee", contacts=[addr_contact(hash4)]))
    b.link("A1", b.record("s2", "Ann", "Lee", contacts=[addr_contact(apt4)]))
    # a relative at the same apartment spelled the other way is recognized as the same value
    rel = b.record("s3", "Bo", "Lee", contacts=[addr_contact(hash4)])
    b.link("A1", rel, p=0.3, role="associate")
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "A1", contact_type="address", role="debtor")
    assert p["contact_key"] == "12 ELM ST #4|30161"
    assert p["sources"] == "s1;s2" and _factors(p)["n_sources"] == 2
    assert "also listed for a relative or associate" in p["reasons"]
    # the relative's spelling is the debtor's own apartment: no third party's point beside it
    # (spelled apart, it would be one with another key)
    assert points(con, "A1", contact_type="address", role="third_party") == []


def test_one_letter_street_typo_merges_but_numbered_streets_do_not(b: Builder, con) -> None:
    b.account("A1", "Ann", "Lee")
    good = b.address("3218 Main Trl Apt 23", "Rome", "GA", "30161", number="3218", street="MAIN",
                     suffix="TRL", unit="23")  # fmt: skip
    typo = b.address("3218 Maig Trl Apt 23", "Rome", "GA", "30161", number="3218", street="MAIG",
                     suffix="TRL", unit="23")  # fmt: skip
    for src, raw in (("s1", good), ("s2", good), ("s3", typo)):
        b.link("A1", b.record(src, "Ann", "Lee", contacts=[addr_contact(raw)]))
    b.account("A2", "Bob", "Ray")
    n14 = b.address("50 14th St", "Rome", "GA", "30161", number="50", street="14TH")
    n15 = b.address("50 15th St", "Rome", "GA", "30161", number="50", street="15TH")
    for src, raw in (("s1", n14), ("s2", n15)):
        b.link("A2", b.record(src, "Bob", "Ray", contacts=[addr_contact(raw)]))
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "A1", contact_type="address")
    assert p["address_line1"] == "3218 MAIN TRL APT 23" and p["sources"] == "s1;s2;s3"
    assert len(points(con, "A2", contact_type="address")) == 2


def test_slips_do_not_chain_a_street_into_one_address(b: Builder, con) -> None:
    """A variant joins a point only when it is one slip from the point's center, the
    best-supported spelling: '1221' joins the '1231' two sources share, '1222' (one slip from
    '1221', two from '1231') is an address of its own. The audit's heavily traced debtor had
    '100 TRACE ST' ... '399 TRACE ST' merged into one point along one-keystroke neighbours."""
    b.account("A1", "Ann", "Lee")

    def monterey(n: str) -> dict[str, Any]:
        return b.address(f"{n} Monterey Rd", "Rome", "GA", "30161", number=n,
                         street="MONTEREY", suffix="RD")  # fmt: skip

    for src, n in (("s1", "1231"), ("s2", "1231"), ("t0", "1221"), ("t1", "1222")):
        b.link("A1", b.record(src, "Ann", "Lee", contacts=[addr_contact(monterey(n))]))
    b.account("A2", "Bob", "Ray")
    for i in range(40):
        raw = b.address(f"{100 + i} Trace St", "Raleigh", "NC", "27601", number=str(100 + i),
                        street="TRACE")  # fmt: skip
        seen = {"last_seen": dt.date(2024, 1 + i % 10, 1)}
        b.link("A2", b.record("ch", "Bob", "Ray", contacts=[addr_contact(raw, **seen)]))
    resolve_contacts(con, RUN, AS_OF)
    got = {p["contact_key"]: p["sources"] for p in points(con, "A1", contact_type="address")}
    assert got == {"1231 MONTEREY RD|30161": "s1;s2;t0", "1222 MONTEREY RD|30161": "t1"}
    trace = points(con, "A2", contact_type="address")
    members = con.execute(
        "SELECT p.contact_key, list(DISTINCT s.rec_id) FROM contact_points p"
        " JOIN contact_support s USING (run_id, account_id, role, contact_type, contact_key)"
        " WHERE p.run_id = ? AND p.account_id = 'A2' GROUP BY ALL",
        [RUN],
    ).fetchall()
    assert len(trace) > 1 and sum(len(recs) for _, recs in members) == 40
    # every record's house number is the center's or one keystroke from it
    numbers = dict(con.execute(
        "SELECT rec_id, regexp_extract(address_line1, '^[0-9]+') FROM source_contacts"
    ).fetchall())  # fmt: skip
    for key, recs in members:
        center = key.split(" ")[0]
        for r in recs:
            n = numbers[r]
            assert sum(x != y for x, y in zip(n, center, strict=True)) <= 1, (key, n)


def test_a_building_without_its_apartment_ranks_after_the_unit(b: Builder, con) -> None:
    """The person's records show the building with two apartments and without any: the bare
    report cannot say which unit it is (05b merges it only beside one), and a vendor's recent
    bare candidate outranked the unit the person lives in. The unit's point is rank 1, the bare
    one right after it; unless the bare report began more than a year after the unit's last
    report (the unit stale: the person may have moved within the building)."""

    def park(unit: str | None) -> dict[str, Any]:
        line = "1200 Park Ave" + (f" Apt {unit}" if unit else "")
        return b.address(line, "Austin", "TX", "78701", number="1200", street="PARK",
                         suffix="AVE", unit=unit)  # fmt: skip

    for acct, (apt4_last, bare_first) in {
        "A1": (dt.date(2025, 3, 1), dt.date(2025, 4, 1)),
        "A2": (dt.date(2022, 3, 1), dt.date(2025, 4, 1)),
    }.items():
        b.account(acct, "Ann", "Lee")
        apt4 = {"first_seen": dt.date(2021, 6, 1), "last_seen": apt4_last}
        b.link(acct, b.record("bureau", "Ann", "Lee", contacts=[addr_contact(park("4"), **apt4)]))
        apt9 = {"first_seen": dt.date(2016, 1, 1), "last_seen": dt.date(2021, 5, 1)}
        b.link(acct, b.record("utility", "Ann", "Lee", contacts=[addr_contact(park("9"), **apt9)]))
        bare = {"first_seen": bare_first, "last_seen": dt.date(2025, 5, 1)}
        for src in ("vendor", "tax"):
            b.link(acct, b.record(src, "Ann", "Lee", contacts=[addr_contact(park(None), **bare)]))
    resolve_contacts(con, RUN, AS_OF)
    ranked = [(p["address_line1"], p["confidence"])
              for p in points(con, "A1", contact_type="address")]  # fmt: skip
    assert [line for line, _ in ranked][:2] == ["1200 PARK AVE APT 4", "1200 PARK AVE"]
    assert ranked[1][1] > ranked[0][1]  # the model's confidence is kept: only the order moves
    # the bare report, begun after the unit's, does not succeed it: it supports it
    (unit,) = points(con, "A1", contact_type="address", address_line1="1200 PARK AVE APT 4")
    assert not _factors(unit)["succeeded"] and unit["confidence"] >= 0.3
    (building,) = points(con, "A1", contact_type="address", address_line1="1200 PARK AVE")
    assert "the building of 1200 PARK AVE APT 4 without its apartment" in building["reasons"]
    stale = [p["address_line1"] for p in points(con, "A2", contact_type="address")]
    assert stale[0] == "1200 PARK AVE"


def test_many_weaker_numbers_do_not_sink_the_best_supported_one(b: Builder, con) -> None:
    """A debtor traced by many bureau records, each with a number of its own (the audit's
    heavily traced debtor: 300), beside the number a vendor returns as its first candidate.
    The model counted every other supported number as a competitor, unbounded: the vendor's
    number, rank 1, scored 0.0096 (0.0358 here). Beyond the most competitors the fitted data
    had, only numbers at least as well supported count (rivals); the equally weak bureau
    numbers still compete with each other."""
    b.account("A1", "Ann", "Lee")
    recent = {"last_seen": dt.date(2025, 5, 1)}
    vendor = b.phone("4045550199", kind="mobile")
    b.record("vendor", "Ann", "Lee", kind="vendor_batch", account_id="A1", reliability=0.9,
             contacts=[{"contact_type": "phone", "phone": vendor, "phone_type": "Cell", **recent}])  # fmt: skip
    for i in range(300):
        number = b.phone(f"919555{1000 + i}")
        seen = {"last_seen": dt.date(2025, 1 + i % 5, 1)}
        b.link("A1", b.record("bureau", "Ann", "Lee", reliability=0.6,
                              contacts=[{"contact_type": "phone", "phone": number, **seen}]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    phones = points(con, "A1", contact_type="phone")
    best = phones[0]
    assert best["contact_key"] == "+14045550199"
    assert _factors(best)["competitors"] == 300 and _factors(best)["rivals"] == 0
    assert max(p["confidence"] for p in phones[1:]) < 0.2 < 0.5 <= best["confidence"]


def test_keyed_vendor_row_the_matcher_rejected_is_not_debtor_evidence(b: Builder, con) -> None:
    """The matcher compares every keyed row with its echoed account and stores pairs above its
    review floor only: a keyed row it saw but did not link is someone else (a namesake)."""
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    b.account("A1", "Ann", "Lee", **home)
    elsewhere = b.address("9 Oak St", "Rome", "GA", "30161", number="9", street="OAK")
    r = b.record("vendor", "Ann", "Lee", kind="vendor_batch", account_id="A1",
                 contacts=[addr_contact(elsewhere, last_seen=dt.date(2025, 5, 1))])  # fmt: skip
    con.execute("INSERT INTO rec_std (rec_id, source, kind, account_id) VALUES (?, 'vendor',"
                " 'vendor_batch', 'A1')", [r])  # fmt: skip
    con.execute("INSERT INTO match_run (run_id, n_left, n_right) VALUES (?, 1, 1)", [RUN])
    resolve_contacts(con, RUN, AS_OF)
    assert [p["address_line1"] for p in points(con, "A1", contact_type="address")] == ["1 MAIN ST"]
    # without a link step for the run, the echoed key is all there is: the row is used
    con.execute("DELETE FROM match_run")
    resolve_contacts(con, RUN, AS_OF)
    lines = {p["address_line1"] for p in points(con, "A1", contact_type="address")}
    assert lines == {"1 MAIN ST", "9 OAK ST"}


def test_a_residence_begun_later_succeeds_an_address_whose_last_seen_lags(b: Builder, con) -> None:
    """A vendor still reports the old address with the newest last-seen date; a bureau first saw
    the new one later. The old one is 'succeeded': not confirmed, and it says why."""
    old = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    new = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    b.account("A1", "Ann", "Lee", **old)
    b.link("A1", b.record("vendor", "Ann", "Lee", kind="vendor_batch", contacts=[
        addr_contact(old, first_seen=dt.date(2016, 3, 1), last_seen=dt.date(2025, 5, 20)),
    ]))  # fmt: skip
    b.link("A1", b.record("hdr", "Ann", "Lee", record_date=dt.date(2025, 3, 1),
                          contacts=[addr_contact(new)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    pts = {p["address_line1"]: p for p in points(con, "A1", contact_type="address")}
    f_old, f_new = _factors(pts["1 MAIN ST"]), _factors(pts["8 LAKE DR"])
    assert f_old["succeeded"] is True and f_old["superseded"] is False
    assert f_new["succeeded"] is False
    assert pts["1 MAIN ST"]["status"] == "on_file"
    assert "first reported after this one" in pts["1 MAIN ST"]["reasons"]
    assert model_inputs(con, pts["1 MAIN ST"])["succeeded"] == 1.0


def test_vendor_lag_after_an_ncoa_move_does_not_cancel_the_move(b: Builder, con) -> None:
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    b.account("LAG", "John", "Smith", **oak)
    b.account("BACK", "Jane", "Doe", **oak)
    for acct, first, last, eff, seen in (
        ("LAG", "John", "Smith", dt.date(2025, 1, 1), dt.date(2025, 4, 15)),  # 104 days: lag
        ("BACK", "Jane", "Doe", dt.date(2024, 5, 1), dt.date(2025, 5, 1)),  # a year later: back
    ):
        ncoa = b.record("ncoa", first, last, kind="ncoa", move_type="I", ncoa_return_code="02",
                        move_effective_date=eff, **oak)  # fmt: skip
        b.link(acct, ncoa)
        vend = b.record("vendor", first, last, kind="vendor_batch",
                        contacts=[addr_contact(oak, last_seen=seen)])  # fmt: skip
        b.link(acct, vend)
    resolve_contacts(con, RUN, AS_OF)
    (lag,) = points(con, "LAG", contact_type="address")
    (back,) = points(con, "BACK", contact_type="address")
    assert _factors(lag)["moved_from"] is True
    assert _factors(back)["moved_from"] is False


def test_ncoa_forward_is_current_until_the_file_was_processed(b: Builder, con) -> None:
    """NCOALink returns the latest change of address: the forward is dated from the move to the
    processing date, so an older stray candidate does not supersede it."""
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    pine = b.address("55 Pine Rd", "Decatur", "GA", "30030", number="55", street="PINE",
                     suffix="RD")  # fmt: skip
    stray = b.address("7 Elm St", "Decatur", "GA", "30030", number="7", street="ELM")
    b.account("A1", "Ken", "Wu", **oak)
    ken = b.record("ncoa", "Ken", "Wu", kind="ncoa", move_type="I", ncoa_return_code="A",
                   move_effective_date=dt.date(2023, 1, 1), record_date=dt.date(2025, 5, 25),
                   **oak, contacts=[{"contact_type": "address", "evidence": "ncoa_forward",
                                     **pine}])  # fmt: skip
    b.link("A1", ken)
    b.link("A1", b.record("vendor", "Ken", "Wu", kind="vendor_batch", contacts=[
        addr_contact(stray, first_seen=dt.date(2023, 6, 1), last_seen=dt.date(2024, 1, 1)),
    ]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    pts = {p["address_line1"]: p for p in points(con, "A1", contact_type="address")}
    fwd = pts["55 PINE RD"]
    assert fwd["first_seen"] == dt.date(2023, 1, 1) and fwd["last_seen"] == dt.date(2025, 5, 25)
    assert fwd["rank"] == 1 and _factors(fwd)["superseded"] is False
    assert _factors(pts["7 ELM ST"])["superseded"] is True


def test_bankruptcy_address_is_dated_at_filing(b: Builder, con) -> None:
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    b.account("A1", "Bob", "Ray")
    bk = b.record("pacer", "Bob", "Ray", kind="bankruptcy", reliability=0.97, bk_chapter="7",
                  bk_filing_date=dt.date(2023, 2, 10), record_date=dt.date(2025, 5, 1),
                  contacts=[addr_contact(home)])  # fmt: skip
    b.link("A1", bk)
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "A1", contact_type="address")
    assert p["last_seen"] == dt.date(2023, 2, 10)  # not the docket's last activity


def test_home_phone_code_is_not_a_landline(b: Builder, con) -> None:
    """TCPA: a 'home' number can be a mobile; only codes that state a line type are used."""
    b.account("A1", "Ann", "Lee")
    home = b.phone("4045550111")
    land = b.phone("4045550112")
    b.link("A1", b.record("vendor", "Ann", "Lee", kind="vendor_batch", contacts=[
        {"contact_type": "phone", "phone": home, "phone_type": "HOME"},
        {"contact_type": "phone", "phone": land, "phone_type": "L"},
    ]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    types = {p["phone"]: p["phone_type"] for p in points(con, "A1", contact_type="phone")}
    assert types == {"4045550111": "unknown", "4045550112": "landline"}


def test_a_number_is_a_landline_only_when_no_source_says_mobile(b: Builder, con) -> None:
    """TCPA: two sources of equal standing, one says landline and one says mobile, prove
    nothing: the number is treated as mobile (the tie used to go to 'landline' by name, which
    let the autodialer call it without consent). Two landline reports against one mobile
    report are no better: a number ported to a mobile keeps its older landline reports."""
    b.account("A1", "Ann", "Lee")
    tie = b.phone("4045550121")
    ported = b.phone("4045550122")
    land = b.phone("4045550123")
    for vendor, kinds in (("acme", ("L", "M", "L")), ("beta", ("M", "L", "L")),
                          ("gamma", (None, "L", None))):  # fmt: skip
        contacts = [
            {"contact_type": "phone", "phone": phone, "phone_type": code}
            for phone, code in zip((tie, ported, land), kinds, strict=True)
            if code is not None
        ]
        b.link("A1", b.record(vendor, "Ann", "Lee", kind="vendor_batch", reliability=0.8,
                              contacts=contacts))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    types = {p["phone"]: p["phone_type"] for p in points(con, "A1", contact_type="phone")}
    assert types == {"4045550121": "mobile", "4045550122": "mobile", "4045550123": "landline"}


def test_report_lag_of_a_self_dated_candidate(b: Builder, con) -> None:
    """A vendor candidate last seen a year before the vendor's return date lags by that year;
    a record-level date (credit header report) has no lag."""
    b.account("A1", "Ann", "Lee")
    stale = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    fresh = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    b.link("A1", b.record("vendor", "Ann", "Lee", kind="vendor_batch",
                          record_date=dt.date(2025, 5, 25), contacts=[
        addr_contact(stale, last_seen=dt.date(2024, 5, 25)),
    ]))  # fmt: skip
    b.link("A1", b.record("hdr", "Ann", "Lee", record_date=dt.date(2025, 1, 5),
                          contacts=[addr_contact(fresh)]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    raw = {p["address_line1"]: p for p in points(con, "A1", contact_type="address")}
    pts = {line: _factors(p) for line, p in raw.items()}
    assert pts["1 MAIN ST"]["report_lag_years"] == pytest.approx(365 / 365.25, abs=1e-3)
    assert pts["8 LAKE DR"]["report_lag_years"] is None
    assert model_inputs(con, raw["8 LAKE DR"])["report_lag"] == 0.0


def test_a_move_contradicted_by_later_evidence_does_not_date_its_forward_to_processing(
    b: Builder, con
) -> None:
    """A linked individual move (here really the son's) followed by a year of the debtor at the
    old address: the old address is not moved-away and the forward is not treated as current."""
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    pine = b.address("55 Pine Rd", "Decatur", "GA", "30030", number="55", street="PINE",
                     suffix="RD")  # fmt: skip
    b.account("A1", "John", "Smith", **oak)
    move = b.record("ncoa", "John", "Smith", kind="ncoa", move_type="I", ncoa_return_code="A",
                    move_effective_date=dt.date(2024, 3, 1), record_date=dt.date(2025, 5, 25),
                    **oak, contacts=[{"contact_type": "address", "evidence": "ncoa_forward",
                                      **pine}])  # fmt: skip
    b.link("A1", move)
    b.link("A1", b.record("vendor", "John", "Smith", kind="vendor_batch", contacts=[
        addr_contact(oak, first_seen=dt.date(2015, 1, 1), last_seen=dt.date(2025, 4, 1)),
    ]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)
    pts = {p["address_line1"]: p for p in points(con, "A1", contact_type="address")}
    assert _factors(pts["10 OAK AVE"])["moved_from"] is False
    assert pts["55 PINE RD"]["last_seen"] == dt.date(2024, 3, 1)
    assert pts["10 OAK AVE"]["rank"] == 1


def flags_of(con: duckdb.DuckDBPyConnection, account_id: str) -> dict[str, dict[str, Any]]:
    rows = con.execute(
        "SELECT flag, confidence, evidence, records FROM account_flags"
        " WHERE run_id = ? AND account_id = ?",
        [RUN, account_id],
    ).fetchall()
    return {f: {"confidence": c, "evidence": e, "records": r} for f, c, e, r in rows}


def test_death_contradicted_by_the_data_is_disputed_not_flagged(b: Builder, con) -> None:
    """Impossible dates turn 'deceased' into 'deceased_disputed' with the contradiction; later
    activity of the same person keeps the flag but lowers its confidence below the estate
    routing (0.8) and names the record; records inside the grace change nothing."""
    cases = {
        # account: (date of death, death record DOB, later person record date)
        "FUTURE": (dt.date(2025, 9, 1), None, None),
        "UNBORN": (dt.date(1980, 3, 1), dt.date(1980, 3, 1), None),
        "LIVED": (dt.date(2022, 1, 10), None, dt.date(2024, 4, 15)),
        "GRACE": (dt.date(2024, 11, 1), None, dt.date(2024, 12, 31)),  # final W-2
        "PLAIN": (dt.date(2024, 2, 3), None, dt.date(2023, 5, 1)),
    }
    for acct, (dod, rec_dob, seen) in cases.items():
        b.account(acct, acct.title(), "Doe", dob=dt.date(1950, 1, 1))
        dmf = b.record("dmf", acct.title(), "Doe", kind="deceased", reliability=0.98,
                       date_of_death=dod, dob=rec_dob)  # fmt: skip
        b.link(acct, dmf, p=0.99)
        if seen:
            hdr = b.record("w2", acct.title(), "Doe", record_date=seen)
            b.link(acct, hdr, p=0.99)
    resolve_contacts(con, RUN, AS_OF)
    full = pytest.approx(0.99 * 0.98, abs=1e-3)
    for acct, contradiction in (("FUTURE", "is in the future"),
                                ("UNBORN", "on or before the date of birth")):  # fmt: skip
        got = flags_of(con, acct)
        assert set(got) == {"deceased_disputed"}, acct
        assert contradiction in got["deceased_disputed"]["evidence"], got
        assert got["deceased_disputed"]["confidence"] == full
    lived = flags_of(con, "LIVED")
    assert set(lived) == {"deceased"}
    assert lived["deceased"]["confidence"] == pytest.approx(0.99 * 0.98 * 0.6, abs=1e-3)
    assert "seen alive on 2024-04-15 (w2:" in lived["deceased"]["evidence"]
    for acct in ("GRACE", "PLAIN"):
        got = flags_of(con, acct)
        assert set(got) == {"deceased"} and got["deceased"]["confidence"] == full, acct
        assert "seen alive" not in got["deceased"]["evidence"]
        assert got["deceased"]["records"].startswith("dmf:dmf-"), got


def test_death_claims_are_checked_one_by_one(b: Builder, con) -> None:
    """A birth date copied into the death field (swapped day/month, one digit) is no death; a
    second, consistent death record outweighs a contradicted one; a real death of an adult whose
    date happens to share a digit pattern with the birth date stays a death."""
    cases: dict[str, list[tuple[dt.date, dt.date | None]]] = {
        # account: [(date of death, death record DOB)]
        "SWAPPED": [(dt.date(1975, 7, 4), dt.date(1975, 4, 7))],
        "SLIP": [(dt.date(1950, 1, 7), None)],  # account DOB 1950-01-01, one digit
        "TWO": [(dt.date(1950, 1, 1), None), (dt.date(2023, 7, 11), None)],
        "ADULT": [(dt.date(1990, 1, 1), None)],  # one digit from 1950-01-01, but 40 years on
    }
    for acct, claims in cases.items():
        b.account(acct, acct.title(), "Doe", dob=dt.date(1950, 1, 1))
        for dod, rec_dob in claims:
            dmf = b.record("dmf", acct.title(), "Doe", kind="deceased", reliability=0.98,
                           date_of_death=dod, dob=rec_dob)  # fmt: skip
            b.link(acct, dmf, p=0.99)
    resolve_contacts(con, RUN, AS_OF)
    for acct in ("SWAPPED", "SLIP"):
        got = flags_of(con, acct)
        assert set(got) == {"deceased_disputed"}, (acct, got)
        assert "is the date of birth with one slip" in got["deceased_disputed"]["evidence"]
    two = flags_of(con, "TWO")
    assert set(two) == {"deceased"}, two
    assert "date of death 2023-07-11" in two["deceased"]["evidence"]
    assert "other claims contradicted: date of death is on or before" in two["deceased"]["evidence"]
    assert set(flags_of(con, "ADULT")) == {"deceased"}


def test_unreadable_date_of_death_that_copies_the_birth_date_is_disputed(b: Builder, con) -> None:
    """A date of death nulled on load (field_issues keeps it as delivered) whose readable
    digits are all the date of birth's, in any date order, disputes the death; one digit that
    differs, too few readable digits, or no date at all leave the flag as it was."""
    cases = {
        # account: (date of death as delivered, date of birth of the death record)
        "COPY": ("19Z51103", dt.date(1925, 11, 3)),
        "COPY_US": ("11/O3/1925", dt.date(1925, 11, 3)),  # month-first file, O for 0
        "BIRTHDAY": ("19900S25", dt.date(1930, 5, 25)),  # a digit of the year differs
        "GARBLED": ("19ZZZ1Z3", dt.date(1925, 11, 3)),  # five digits readable
        "BLANK": (None, dt.date(1925, 11, 3)),
    }
    for acct, (delivered, dob) in cases.items():
        b.account(acct, acct.title(), "Doe", dob=dt.date(1950, 1, 1))
        dmf = b.record("dmf", acct.title(), "Doe", kind="deceased", reliability=0.98, dob=dob)
        b.link(acct, dmf, p=0.99)
        if delivered:
            b.unused_date(dmf, "date_of_death", "unparseable_date", delivered)
    resolve_contacts(con, RUN, AS_OF)
    for acct in ("COPY", "COPY_US"):
        got = flags_of(con, acct)
        assert set(got) == {"deceased_disputed"}, got
        assert "is a copy of the date of birth 1925-11-03" in got["deceased_disputed"]["evidence"]
    for acct in ("BIRTHDAY", "GARBLED", "BLANK"):
        assert set(flags_of(con, acct)) == {"deceased"}, acct


def test_death_dated_after_its_records_report_date_is_an_undated_death(b: Builder, con) -> None:
    """A date of death after the record's own report date (ingest nulls it: `after_record_date`)
    is a wrong date, not a death to come: the claim stands as a death with no date, whatever the
    record's kind, and the evidence says why the date is not used. An undated death happened by
    the report date of its record, so later activity is measured from there when the source
    declares one (not from a file's modification time, which says nothing of the death)."""
    cases = {
        # account: (source, kind, record_date rule, report date, date delivered, later activity)
        "KEYED": ("dmf", "deceased", "2025-02-16", dt.date(2025, 2, 16), "21221101", None),
        "VENDOR": ("acme", "person_records", "RETURN_DT", dt.date(2025, 3, 3), "2025-03-30", None),
        "SEEN": ("dmf_old", "deceased", "2024-01-10", dt.date(2024, 1, 10), "20290110",
                 dt.date(2024, 12, 31)),
        "INSIDE": ("dmf", "deceased", "2025-02-16", dt.date(2025, 2, 16), "20520216",
                   dt.date(2025, 5, 1)),
        "MTIME": ("dmf_mtime", "deceased", "file_mtime", dt.date(2024, 1, 10), None,
                  dt.date(2024, 12, 31)),
    }  # fmt: skip
    for acct, (source, kind, rule, reported, delivered, seen) in cases.items():
        b.account(acct, acct.title(), "Doe", dob=dt.date(1950, 1, 1))
        rec = b.record(source, acct.title(), "Doe", kind=kind, reliability=0.98,
                       record_date=reported)  # fmt: skip
        con.execute("UPDATE input_files SET record_date_rule = ? WHERE source = ?", [rule, source])
        b.link(acct, rec, p=0.99)
        if delivered:
            b.unused_date(rec, "date_of_death", "after_record_date", delivered)
        if seen:
            w2 = b.record("w2", acct.title(), "Doe", record_date=seen)
            b.link(acct, w2, p=0.99)
    resolve_contacts(con, RUN, AS_OF)
    full = pytest.approx(0.99 * 0.98, abs=1e-3)
    keyed = flags_of(con, "KEYED")
    assert set(keyed) == {"deceased"} and keyed["deceased"]["confidence"] == full
    assert (
        "date of death '21221101' is after the record's report date 2025-02-16: not used"
        in keyed["deceased"]["evidence"]
    )
    assert "future" not in keyed["deceased"]["evidence"]
    vendor = flags_of(con, "VENDOR")
    assert set(vendor) == {"deceased"} and vendor["deceased"]["confidence"] == full
    assert "after the record's report date 2025-03-03" in vendor["deceased"]["evidence"]
    lived = flags_of(con, "SEEN")
    assert set(lived) == {"deceased"}
    assert lived["deceased"]["confidence"] == pytest.approx(0.99 * 0.98 * 0.6, abs=1e-3)
    assert (
        "seen alive on 2024-12-31 (w2:w2-2), after 2024-01-10, the report date of the undated"
        " death: verify before acting" in lived["deceased"]["evidence"]
    ), lived
    for acct in ("INSIDE", "MTIME"):  # within the grace; no declared report date
        got = flags_of(con, acct)
        assert set(got) == {"deceased"} and got["deceased"]["confidence"] == full, (acct, got)
        assert "seen alive" not in got["deceased"]["evidence"]


def test_bankruptcy_case_that_does_not_hold_together_is_disputed_too(b: Builder, con) -> None:
    b.account("OK", "Ann", "Lee", ssn_last4="1234")
    b.account("ODD", "Bob", "Ray", ssn_last4="1234")
    b.account("NAMESAKE", "Cy", "Fox", ssn_last4="1234")
    common: dict[str, Any] = {"kind": "bankruptcy", "reliability": 0.97, "bk_district": "GAN"}
    ok = b.record("pacer", "Ann", "Lee", bk_chapter="7", bk_case_number="25-1", ssn_last4="1234",
                  bk_filing_date=dt.date(2025, 1, 10), **common)  # fmt: skip
    odd = b.record("pacer", "Bob", "Ray", bk_chapter="8", bk_case_number="25-2",
                   bk_filing_date=dt.date(2025, 1, 10), bk_discharge_date=dt.date(2024, 12, 1),
                   **common)  # fmt: skip
    other = b.record("pacer", "Cy", "Fox", bk_chapter="13", bk_case_number="25-3",
                     ssn_last4="9876", bk_filing_date=dt.date(2025, 2, 1), **common)  # fmt: skip
    for acct, rec in (("OK", ok), ("ODD", odd), ("NAMESAKE", other)):
        b.link(acct, rec, p=0.95)
    resolve_contacts(con, RUN, AS_OF)
    assert set(flags_of(con, "OK")) == {"bankruptcy"}
    odd_flags = flags_of(con, "ODD")
    assert set(odd_flags) == {"bankruptcy", "bankruptcy_disputed"}
    doubt = odd_flags["bankruptcy_disputed"]["evidence"]
    assert "discharged before it was filed" in doubt and "chapter 8 does not exist" in doubt
    assert (
        "SSN last four of the case (9876)"
        in flags_of(con, "NAMESAKE")["bankruptcy_disputed"]["evidence"]
    )


def test_bankruptcy_date_after_its_records_report_date_is_not_used(b: Builder, con) -> None:
    """A filing, discharge or dismissal date after the court record's own report date (ingest
    nulls it: `after_record_date`) is a wrong date, not the case: the case stands, held, with
    the delivered date and the report date in its evidence, and is sent to review (a case with
    a date unknown, however it holds, is one a person should check)."""
    common: dict[str, Any] = {"kind": "bankruptcy", "reliability": 0.97, "bk_chapter": "7",
                              "record_date": dt.date(2025, 3, 1)}  # fmt: skip
    cases: dict[str, tuple[str, str, dict[str, Any]]] = {  # account: (not used, delivered, dates)
        "FILED": ("bk_filing_date", "06/01/2052", {}),
        "DISCHARGED": ("bk_discharge_date", "04/02/2052",
                       {"bk_filing_date": dt.date(2024, 9, 1)}),
        "DISMISSED": ("bk_dismissal_date", "02/20/2052",
                      {"bk_filing_date": dt.date(2024, 9, 1)}),
    }  # fmt: skip
    for acct, (column, delivered, dates) in cases.items():
        b.account(acct, acct.title(), "Lee")
        rec = b.record("pacer", acct.title(), "Lee", bk_case_number=f"25-{acct}", **dates,
                       **common)  # fmt: skip
        b.link(acct, rec, p=0.95)
        b.unused_date(rec, column, "after_record_date", delivered)
    resolve_contacts(con, RUN, AS_OF)
    for acct, (column, delivered, _) in cases.items():
        got = flags_of(con, acct)
        assert set(got) == {"bankruptcy", "bankruptcy_disputed"}, (acct, got)
        what = column.removeprefix("bk_").replace("_", " ")
        note = f"{what} '{delivered}' is after the record's report date 2025-03-01: not used"
        assert f"case 25-{acct}" in got["bankruptcy"]["evidence"]
        assert note in got["bankruptcy"]["evidence"], got
        assert got["bankruptcy_disputed"]["evidence"].endswith(f"doubtful: {note}"), got
        assert got["bankruptcy"]["confidence"] == pytest.approx(0.95 * 0.97, abs=1e-3)


def test_placeholder_zip_keys_by_city_and_state(b: Builder, con) -> None:
    """An extract with ZIP 00000 on every record: the standardizer reads it as no ZIP (zip5 NULL,
    quality ok); two records of one street address in one city are then one contact keyed by
    city + state, a slip in the street name still merges, and the same street in another city
    stays apart."""
    b.account("A1", "Ann", "Lee")
    one = b.address("40 Oak St", "Rome", "GA", "00000", number="40", street="OAK")
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL")  # what the standardizer writes
    two = dict(one, zip="")  # another source leaves the ZIP blank
    b.address("40 Oak St", "Rome", "GA", "", number="40", street="OAK")
    slip = b.address("40 Oaak St", "Rome", "GA", "00000", number="40", street="OAAK")
    away = b.address("40 Oak St", "Macon", "GA", "00000", number="40", street="OAK")
    b.con.execute("UPDATE std_address_cache SET zip5 = NULL")
    for src, raw in (("s1", one), ("s2", two), ("s3", slip), ("s4", away)):
        b.link("A1", b.record(src, "Ann", "Lee", contacts=[addr_contact(raw)]))
    resolve_contacts(con, RUN, AS_OF)
    pts = points(con, "A1", contact_type="address")
    keys = {p["contact_key"]: p["sources"] for p in pts}
    assert keys == {"40 OAK ST|ROME GA": "s1;s2;s3", "40 OAK ST|MACON GA": "s4"}


def test_one_slip_house_number_and_ocr_street_merge_into_the_majority_spelling(
    b: Builder, con
) -> None:
    """A newer record from a more reliable source with '1221' for '1231', '4O00' for '4000' or
    'RNONTEREY' for 'MONTEREY' joins the spelling two other sources share (issue 16, class 2);
    two-digit neighbours (12 / 13) stay two houses."""
    b.account("A1", "Ann", "Lee")
    good = b.address("1231 Monterey Rd", "Rome", "GA", "30161", number="1231", street="MONTEREY",
                     suffix="RD")  # fmt: skip
    slips = [
        b.address("1221 Monterey Rd", "Rome", "GA", "30161", number="1221", street="MONTEREY",
                  suffix="RD"),
        b.address("123l Monterey Rd", "Rome", "GA", "30161", number="123L", street="MONTEREY",
                  suffix="RD"),
        b.address("1231 Rnonterey Rd", "Rome", "GA", "30161", number="1231",
                  street="RNONTEREY", suffix="RD"),
    ]  # fmt: skip
    old = {"last_seen": dt.date(2024, 1, 1)}
    for src in ("s1", "s2"):
        b.link("A1", b.record(src, "Ann", "Lee", reliability=0.7,
                              contacts=[addr_contact(good, **old)]))  # fmt: skip
    for i, raw in enumerate(slips):
        b.link("A1", b.record(f"t{i}", "Ann", "Lee", reliability=0.99,
                              contacts=[addr_contact(raw, last_seen=dt.date(2025, 5, 1))]))  # fmt: skip
    b.account("A2", "Bob", "Ray")
    for src, n in (("s1", "12"), ("s2", "13")):
        raw = b.address(f"{n} Oak St", "Rome", "GA", "30161", number=n, street="OAK")
        b.link("A2", b.record(src, "Bob", "Ray", contacts=[addr_contact(raw)]))
    resolve_contacts(con, RUN, AS_OF)
    (p,) = points(con, "A1", contact_type="address")
    assert p["address_line1"] == "1231 MONTEREY RD"
    assert p["sources"] == "s1;s2;t0;t1;t2"
    assert len(points(con, "A2", contact_type="address")) == 2
