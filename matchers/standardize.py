"""Build the standardized identity tables the matcher compares.

Why a separate step: the caches (``std_name_cache``, ``std_address_cache``,
``std_phone_cache``) are keyed by raw strings and kept across runs, so each run parses only new
values. The identity tables are the cheap part, a join of the current raw rows to those caches,
so they are simply replaced every run: no stale identity can survive a superseded file.

Call order: ``standardize_addresses``, ``standardize_names``, ``standardize_phones``, then
``build_std_tables``. A raw value missing from its cache (stage skipped) leaves NULL columns,
which the matcher treats as "no data", never as disagreement.

Every cache row carries ``std_version``: the version of the standardizer that wrote it (a hash
of the code, SQL and library data that determine the row, see ``matchers.versioning.content_version``;
migration 013).
A standardizer reads a cached row only when its version is the running one, recomputes the
other current values, and ``replace_in_cache`` deletes every row of another version in the same
transaction as it appends the new ones. So after an upgrade that changes parsing, one run
re-standardizes every value in use and no value is ever seen in two forms in one database.

Only *valid* phone numbers enter ``acct_std.phone_e164``, ``rec_std.phone_e164``,
``acct_phones`` and ``rec_phones``: placeholder numbers (000-000-0000, 999-999-9999, 555-1234)
would otherwise agree across unrelated people and blow up phone blocks. The caches keep the
invalid ones for the resolver, flagged.
"""

from __future__ import annotations

import duckdb

from skiptrace import sql

__all__ = [
    "BUILD_ORDER",
    "CACHE_KEYS",
    "VERSION_COLUMN",
    "build_std_tables",
    "drop_stale_rows",
    "replace_in_cache",
]

#: The column of every std_*_cache table naming the standardizer version that wrote the row.
VERSION_COLUMN = "std_version"

# table -> the query (sql/standardize/<file>) whose rows replace it.
BUILD_ORDER: dict[str, str] = {
    "acct_std": "standardize/build_acct_std.sql",
    "rec_std": "standardize/build_rec_std.sql",
    "acct_phones": "standardize/build_acct_phones.sql",
    "rec_phones": "standardize/build_rec_phones.sql",
}


def drop_stale_rows(con: duckdb.DuckDBPyConnection, table: str, version: str) -> None:
    """Delete every row of the cache `table` not written by `version` (NULL: written before
    migration 013, or by code that does not know about versions).

    Why every such row, not only those of current values: the build, the resolver and explain
    join the caches on the raw key alone (no version filter, so they stay cheap), which is safe
    only while the cache holds rows of the running version alone; and a dead form of a value no
    current file uses would otherwise stay in the table forever. One set-based DELETE: on a warm
    cache it is a scan of one dictionary-compressed column that deletes nothing.
    """
    con.execute(
        f"DELETE FROM {table} WHERE {VERSION_COLUMN} IS DISTINCT FROM $version",
        {"version": version},
    )


#: cache table -> its key column (one row per key and version; see replace_in_cache)
CACHE_KEYS: dict[str, str] = {
    "std_address_cache": "addr_raw",
    "std_name_cache": "name_raw",
    "std_phone_cache": "phone_raw",
}


def replace_in_cache(con: duckdb.DuckDBPyConnection, table: str, version: str, frame: str) -> None:
    """Drop the rows of cache `table` written by another version and append the registered
    frame `frame` (standardized values, no version column) stamped with `version`, in one
    transaction.

    The frame holds exactly the current values whose cached row was missing or stale (the
    pending queries anti-join on key *and* version), so this both replaces stale rows and keeps
    one row per key. One transaction: a reader sees the old rows or the new ones, never a value
    missing in between. The append skips keys the cache already holds (sql/standardize/
    cache_append.sql), which is what keeps keys unique: the caches have no primary-key index
    (migration 092), whose upkeep cost more than a fifth of the standardize stage at 1M
    accounts (4.6M new addresses) and which no reader needs: every reader joins on the key.
    """
    statement = sql.render(
        "standardize/cache_append.sql", table=table, frame=frame, key=CACHE_KEYS[table]
    )
    with sql.transaction(con):
        drop_stale_rows(con, table, version)
        con.execute(statement, {"version": version})


def build_std_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace acct_std, rec_std, acct_phones and rec_phones from current_* and the caches.

    One transaction: a reader sees either the previous identities or the new ones, never a mix
    (the link stage joins acct_std to rec_std and to both phone tables). Returns row counts per
    table.
    """
    counts: dict[str, int] = {}
    with sql.transaction(con):
        for table, query in BUILD_ORDER.items():
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM ({sql.load(query)}\n)")
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts
