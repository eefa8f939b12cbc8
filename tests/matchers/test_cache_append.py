"""replace_in_cache: key-ordered plain INSERT, INSERT OR IGNORE when a key is already there."""

from __future__ import annotations

import duckdb
import polars as pl

from skiptrace.matchers.standardize import replace_in_cache


def test_append_then_conflict_falls_back_to_ignore(con: duckdb.DuckDBPyConnection) -> None:
    cols = ("phone_raw", "e164", "valid", "extension", "area_code", "number_type", "time_zone")
    row = ("2125550100", "+12125550100", True, None, "212", "fixed_or_mobile", "America/New_York")
    first = pl.DataFrame([row], schema=list(cols), orient="row")
    con.register("_new", first)
    stmt = (
        "INSERT INTO std_phone_cache BY NAME SELECT *, $version AS std_version FROM _new"
        " ORDER BY phone_raw"
    )
    replace_in_cache(con, "std_phone_cache", "v1", stmt)
    # a racing writer already added 2125550100: the whole batch goes in as INSERT OR IGNORE
    second = pl.DataFrame(
        [row, ("(212) 555-0101", "+12125550101", *row[2:])], schema=list(cols), orient="row"
    )
    con.unregister("_new")
    con.register("_new", second)
    replace_in_cache(con, "std_phone_cache", "v1", stmt)
    con.unregister("_new")
    keys = con.execute("SELECT phone_raw FROM std_phone_cache ORDER BY 1").fetchall()
    assert keys == [("(212) 555-0101",), ("2125550100",)]
