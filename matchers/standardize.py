"""Build the standardized identity tables the matcher compares.

Why a separate step: the caches (``std_name_cache``, ``std_address_cache``,
``std_phone_cache``) are keyed by raw strings and kept across runs, so each run parses only new
values. The identity tables are the cheap part, a join of the current raw rows to those caches,
so they are simply replaced every run: no stale identity can survive a superseded file.

Call order: ``standardize_addresses``, ``standardize_names``, ``standardize_phones``, then
``build_std_tables``. A raw value missing from its cache (stage skipped) leaves NULL columns,
which the matcher treats as "no data", never as disagreement.

Only *valid* phone numbers enter ``acct_std.phone_e164``, ``rec_std.phone_e164``,
``acct_phones`` and ``rec_phones``: placeholder numbers (000-000-0000, 999-999-9999, 555-1234)
would otherwise agree across unrelated people and blow up phone blocks. The caches keep the
invalid ones for the resolver, flagged.
"""

from __future__ import annotations

import duckdb

import sql

__all__ = ["BUILD_ORDER", "append_to_cache", "build_std_tables"]

# table -> the query (sql/standardize/<file>) whose rows replace it.
BUILD_ORDER: dict[str, str] = {
    "acct_std": "standardize/build_acct_std.sql",
    "rec_std": "standardize/build_rec_std.sql",
    "acct_phones": "standardize/build_acct_phones.sql",
    "rec_phones": "standardize/build_rec_phones.sql",
}


def append_to_cache(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    """Run `statement`, an ``INSERT INTO std_*_cache ... ORDER BY <key>`` of rows the cache
    lacked when they were read.

    Plain INSERT in key order is the fast way to fill the caches' primary-key index (about 30%
    cheaper than INSERT OR IGNORE in random order at a million rows). Should another writer
    have added one of the keys meanwhile, the statement fails as a whole and is rerun as INSERT
    OR IGNORE: the first writer wins, and both results are identical (standardization is
    deterministic).
    """
    try:
        con.execute(statement)
    except duckdb.ConstraintException:
        con.execute(statement.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1))


def build_std_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace acct_std, rec_std, acct_phones and rec_phones from current_* and the caches.

    One transaction: a reader sees either the previous identities or the new ones, never a mix
    (the link stage joins acct_std to rec_std and to both phone tables). Returns row counts per
    table.
    """
    counts: dict[str, int] = {}
    con.begin()
    try:
        for table, query in BUILD_ORDER.items():
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM ({sql.load(query)}\n)")
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        con.commit()
    except Exception:
        con.rollback()
        raise
    return counts
