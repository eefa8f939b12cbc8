"""replace_in_cache: one row per key without a primary-key index (migration 092)."""

from __future__ import annotations

import duckdb
import polars as pl

from skiptrace.matchers.standardize import CACHE_KEYS, replace_in_cache


def test_a_key_already_cached_is_not_appended_twice(con: duckdb.DuckDBPyConnection) -> None:
    cols = ("phone_raw", "e164", "valid", "extension", "area_code", "number_type", "time_zone")
    row = ("2125550100", "+12125550100", True, None, "212", "fixed_or_mobile", "America/New_York")
    con.register("_new", pl.DataFrame([row], schema=list(cols), orient="row"))
    replace_in_cache(con, "std_phone_cache", "v1", "_new")
    # the same key again (another writer cached it meanwhile), next to a new one
    second = pl.DataFrame(
        [row, ("(212) 555-0101", "+12125550101", *row[2:])], schema=list(cols), orient="row"
    )
    con.unregister("_new")
    con.register("_new", second)
    replace_in_cache(con, "std_phone_cache", "v1", "_new")
    con.unregister("_new")
    keys = con.execute("SELECT phone_raw FROM std_phone_cache ORDER BY 1").fetchall()
    assert keys == [("(212) 555-0101",), ("2125550100",)]


def test_the_caches_have_no_key_index_and_a_non_null_key(con: duckdb.DuckDBPyConnection) -> None:
    """What migration 092 leaves: the key column NOT NULL, no primary key or unique index."""
    for table, key in CACHE_KEYS.items():
        kinds = con.execute(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = ?",
            [table],
        ).fetchall()
        assert kinds == [("NOT NULL", [key])], table
