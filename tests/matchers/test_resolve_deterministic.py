"""Resolve picks the same values whatever order its input rows arrive in.

Two runs over the same data must write the same rows (lineage: a value is reproducible from
its inputs). At 1M accounts, resolving one run twice wrote 4 of 5.3M contact points
differently: a support computed by a floating-point product() in scan order, and the scan order
of a multi-threaded, spilling query is not fixed. Reading the SQL for the same fault found
aggregates such as `first(city)` without a total order, which took whichever evidence row the
scan met first. Here the evidence rows of one address variant spell its town three ways (and,
for a phone, carry three extensions), and every order of those rows must give the same variant
and phone facts."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers.compare import register_unit_macro
from skiptrace.matchers.phones import register_line_type_macros

# (rec_id, quality, city, unit_number): one variant (same vkey), spelled three ways
ADDRESS_ROWS = [
    (1, "ok", "SPRINGFIELD", "APT 4"),
    (2, "ok", "SPRINGFELD", "# 4"),
    (3, "uncached", "ANYTOWN", "4"),
]


def _statement(name: str, starts: str) -> str:
    """The statement of sql/resolve/<name> that starts with `starts`."""
    for st in duckdb.connect().extract_statements(sql.load(f"resolve/{name}")):
        if starts in st.query:
            return st.query
    raise AssertionError(f"no statement with {starts!r} in {name}")


def _macros(con: duckdb.DuckDBPyConnection) -> None:
    register_line_type_macros(con)
    register_unit_macro(con)  # rs_unit is the shared unit_key
    sql.run(con, "resolve/00_macros.sql")


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_variants_fields_do_not_depend_on_row_order(order: tuple[int, ...]) -> None:
    con = duckdb.connect()
    _macros(con)
    con.execute(
        "CREATE TEMP TABLE rs_evs (account_id VARCHAR, role VARCHAR, contact_type VARCHAR,"
        " vkey VARCHAR, rec_id BIGINT, quality VARCHAR, street_number VARCHAR,"
        " street_name VARCHAR, suffix VARCHAR, predir VARCHAR, postdir VARCHAR, zip5 VARCHAR,"
        " place VARCHAR, city VARCHAR, state VARCHAR, std_line1 VARCHAR, unit_number VARCHAR)"
    )
    for i in order:
        rec, quality, city, unit = ADDRESS_ROWS[i]
        con.execute(
            "INSERT INTO rs_evs VALUES ('A1', 'debtor', 'address', 'K1', ?, ?, '12', 'MAIN',"
            " 'ST', NULL, NULL, '62704', '62704', ?, 'IL', '12 MAIN ST', ?)",
            [rec, quality, city, unit],
        )
    con.execute("CREATE TEMP TABLE rs_vdirty AS SELECT 'A1' AS account_id")
    con.execute(_statement("05_variants.sql", "CREATE OR REPLACE TEMP TABLE rs_var AS"))
    row = con.execute("SELECT city, state, unit, po_box FROM rs_var").fetchone()
    # the clean parses first, then the smallest spelling: the same row for every order
    assert row == ("SPRINGFELD", "IL", "4", None)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_phones_extension_does_not_depend_on_row_order(order: tuple[int, ...]) -> None:
    con = duckdb.connect()
    rows = [
        ("2024-01-05", "12"),
        ("2024-03-01", "7"),
        ("2024-03-01", "31"),
    ]
    con.execute(
        "CREATE TEMP TABLE rs_evc (pt INTEGER, contact_type VARCHAR, line_type_ev VARCHAR,"
        " line_type_from_source BOOLEAN, reliability DOUBLE, number_type VARCHAR,"
        " extension VARCHAR, tz_phone VARCHAR, phone_valid BOOLEAN, prepaid BOOLEAN,"
        " d_last DATE)"
    )
    for i in order:
        d_last, ext = rows[i]
        con.execute(
            "INSERT INTO rs_evc VALUES (1, 'phone', 'mobile', false, 0.8, 'mobile', ?,"
            " 'America/Chicago', true, false, CAST(? AS DATE))",
            [ext, d_last],
        )
    con.execute(_statement("06_clusters.sql", "CREATE OR REPLACE TEMP TABLE rs_phone_info AS"))
    row = con.execute("SELECT line_type, extension, tz_phone FROM rs_phone_info").fetchone()
    # the most recent report's extension; two on that date: the smallest text
    assert row == ("mobile", "31", "America/Chicago")
