"""Resolve's crude street line for an address the standardizer left without one
(sql/resolve/00_macros.sql rs_fallback_line): never an SSN-shaped run.

Privacy audit: the standardizer dropped the parts of '17 OAK ST 531 -  77 -  0088' (an SSN
behind a gap ingest's check allowed then), and resolve rebuilt the line from the raw text,
which put '17 OAK ST 531 77 0088' in contacts.csv, delta.csv and the contact key."""

from __future__ import annotations

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers.compare import register_unit_macro
from skiptrace.matchers.phones import register_line_type_macros


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    register_line_type_macros(con)
    register_unit_macro(con)  # rs_unit is the shared unit_key
    sql.run(con, "resolve/00_macros.sql")
    return con


@pytest.mark.parametrize(
    ("line1", "line2", "want"),
    [
        ("17 Oak St.", "Apt #4", "17 OAK ST APT 4"),
        ("17 OAK ST 531 -  77 -  0088", None, None),
        ("17 OAK ST 531&77&0088", None, None),
        ("531770088 OAK ST", None, None),
        ("17 OAK ST", "APT 531-77-0089", None),
        ("1200 MAIN ST", "STE 4500", "1200 MAIN ST STE 4500"),
        ("PO BOX 62701-1234", None, None),  # a ZIP+4 in the line reads as one, as at ingest
        (None, None, None),
    ],
)
def test_the_fallback_line_keeps_no_ssn(
    con: duckdb.DuckDBPyConnection, line1: str | None, line2: str | None, want: str | None
) -> None:
    got = con.execute("SELECT rs_fallback_line($1, $2)", [line1, line2]).fetchone()
    assert got == (want,)
