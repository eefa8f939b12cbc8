"""A unit designator the parser left in the unit number is not part of the apartment (issue 16).

usaddress reads '# 502' as unit 502 but 'NO 502', 'NUMBER 5' or 'APRT NO 157' as units 'NO 502'...
Kept, the two records of one apartment became two contact points that competed, and the scorer
counted 'NO 502' against a true '502' as another apartment. Resolution (`rs_unit`) and the
scorer (`flows.demo.evaluate._unit_norm`) drop a leading designator the same way.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.flows.demo.evaluate import _unit_norm
from skiptrace.matchers.compare import register_unit_macro
from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact, points

UNITS = {
    "NO 502": "502", "NUMBER 5": "5", "AP 202": "202", "APRT NO 157": "157", "U 20": "20",
    "UNT 3": "3", "NR 201": "201", "NO 72 L": "72L", "NO. 5": "5", "APT 4B": "4B", "# 04": "4",
    "5TH": "5TH", "A": "A", "UNIT": "UNIT", "NO": "NO", "NORTH": "NORTH", "UPPER": "UPPER",
    "APPLE 3": "APPLE3", "": None,
}  # fmt: skip


def test_sql_and_scorer_drop_a_leading_designator_alike(con: duckdb.DuckDBPyConnection) -> None:
    register_unit_macro(con)  # rs_unit is the shared unit_key
    sql.run(con, "resolve/00_macros.sql")
    raw = list(UNITS)
    got_sql = dict(
        con.execute("SELECT u, rs_unit(u) FROM unnest(?::VARCHAR[]) t(u)", [raw]).fetchall()
    )
    got_py = dict(
        zip(
            raw,
            pl.DataFrame({"u": raw}).select(_unit_norm(pl.col("u")).alias("n"))["n"].to_list(),
            strict=True,
        )
    )
    assert got_sql == UNITS
    assert got_py == UNITS


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def test_one_apartment_spelled_with_two_designators_is_one_point(b: Builder, con) -> None:
    hash_ = b.address("11731 Penn St # 502", "Rome", "GA", "30161", number="11731", street="PENN",
                      unit="502", std_line1="11731 PENN ST # 502")  # fmt: skip
    no = b.address("11731 Penn St No 502", "Rome", "GA", "30161", number="11731", street="PENN",
                   unit="NO 502", std_line1="11731 PENN ST UNIT NO 502")  # fmt: skip
    other = b.address("11731 Penn St # 503", "Rome", "GA", "30161", number="11731", street="PENN",
                      unit="503", std_line1="11731 PENN ST # 503")  # fmt: skip
    b.account("U1", "Ann", "Lee")
    for address, src in ((hash_, "w2"), (no, "tax"), (other, "w2")):
        seen = dt.date(2024, 12, 31)
        b.link("U1", b.record(src, "Ann", "Lee", contacts=[addr_contact(address, last_seen=seen)]))
    resolve_contacts(con, RUN, AS_OF)
    pts = points(con, "U1", contact_type="address", role="debtor")
    assert len(pts) == 2  # 502 (two records, two spellings) and 503
    assert pts[0]["sources"] == "tax;w2" and pts[0]["rank"] == 1
