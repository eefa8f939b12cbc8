"""Build the standardized identity tables the matcher compares.

Why a separate step: the caches (``std_name_cache``, ``std_address_cache``,
``std_phone_cache``) are keyed by raw strings and kept across runs, so each run parses only new
values. The identity tables are a join of the current raw rows to those caches. The account
identities (``acct_std``, ``acct_phones``) are replaced every run: an account's row can change
between exports. The record identities (``rec_std``, ``rec_phones``) are kept and brought up to
date: a record's row never changes (its ``rec_id`` is its file and line; a re-delivered file gets
new ones) and neither does a cache row within a standardizer version, so while the caches'
versions and the build SQL are those the tables were built with (``std_identity_state``,
migration 096), a run drops the identities of records no longer current (a superseded or purged
file) and builds those of new records only. Anything else (first run, an upgrade, changed build
SQL, a build that did not finish) rebuilds them whole. Measured on the generated 100k, 1%-changed
night: the rebuild of 500k record identities and its commit were two thirds of the stage.

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

from dataclasses import dataclass, field

import duckdb

from skiptrace import sql
from skiptrace.matchers.versioning import content_version

__all__ = [
    "BUILD_ORDER",
    "CACHE_KEYS",
    "RECORD_TABLES",
    "VERSION_COLUMN",
    "StdBuild",
    "build_std_tables",
    "drop_stale_rows",
    "identity_build_key",
    "replace_in_cache",
]

#: The column of every std_*_cache table naming the standardizer version that wrote the row.
VERSION_COLUMN = "std_version"

# table -> the query (sql/standardize/<file>) whose rows fill it.
BUILD_ORDER: dict[str, str] = {
    "acct_std": "standardize/build_acct_std.sql",
    "rec_std": "standardize/build_rec_std.sql",
    "acct_phones": "standardize/build_acct_phones.sql",
    "rec_phones": "standardize/build_rec_phones.sql",
}
#: The tables keyed by rec_id, kept between runs and brought up to date (module docstring).
RECORD_TABLES: tuple[str, ...] = ("rec_std", "rec_phones")
#: Their build queries' scope slots on an incremental build: only the records in _std_rec_scope
#: (sql/standardize/record_scope.sql). A full build fills the slots with nothing.
_INCREMENTAL_SCOPE = {
    "record_scope": "SEMI JOIN _std_rec_scope s ON s.rec_id = r.rec_id",
    "contact_scope": "SEMI JOIN _std_rec_scope s ON s.rec_id = c.rec_id",
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


@dataclass
class StdBuild:
    """What build_std_tables did: the row count of each table after it, and how the record
    identities were brought up to date ('full' or 'incremental', why, and how many records'
    identities were built and dropped)."""

    counts: dict[str, int] = field(default_factory=dict)
    records: str = "full"
    reason: str = ""
    records_built: int = 0
    records_dropped: int = 0


def identity_build_key(con: duckdb.DuckDBPyConnection) -> str:
    """The key of a record-identity build: the standardizer versions in the three caches and a
    content version of the build SQL and of the migrations (which define the raw-key macros the
    build joins on). The caches hold one version each after their standardizers ran
    (drop_stale_rows); a different key means a cache row may differ from the one an existing
    identity was built from."""
    found = (
        "SELECT string_agg(DISTINCT coalesce({v}, '-'), ',' ORDER BY coalesce({v}, '-')) FROM {t}"
    )
    versions = [
        f"{t}={sql.scalar(con, found.format(v=VERSION_COLUMN, t=t))}" for t in sorted(CACHE_KEYS)
    ]
    files = [sql.SQL_DIR / BUILD_ORDER[t] for t in RECORD_TABLES]
    files += sorted(sql.MIGRATIONS_DIR.glob("*.sql"))
    return ";".join([content_version("identities", files, ("duckdb",)), *versions])


def build_std_tables(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> StdBuild:
    """Replace acct_std and acct_phones from current_* and the caches, and bring rec_std and
    rec_phones up to date (see the module docstring; `full` rebuilds them whole).

    One transaction: a reader sees either the previous identities or the new ones, never a mix
    (the link stage joins acct_std to rec_std and to both phone tables), and the state row that
    allows the next incremental build commits with the tables it describes.
    """
    key = identity_build_key(con)
    state = sql.scalar(con, "SELECT build_key FROM std_identity_state")
    result = StdBuild()
    if full:
        result.reason = "full rebuild asked for"
    elif state is None:
        result.reason = "no identity build recorded"
    elif state != key:
        result.reason = "standardizer or build SQL changed"
    else:
        result.records, result.reason = "incremental", "same standardizers and build SQL"
    with sql.transaction(con):
        if result.records == "full":
            for table in RECORD_TABLES:
                con.execute(f"DELETE FROM {table}")
        else:
            result.records_dropped = _drop_gone_records(con)
        sql.run(con, "standardize/record_scope.sql")
        scope = {
            slot: fragment if result.records == "incremental" else ""
            for slot, fragment in _INCREMENTAL_SCOPE.items()
        }
        for table, query in BUILD_ORDER.items():
            if table in RECORD_TABLES:
                text = sql.render(query, **scope)
            else:
                con.execute(f"DELETE FROM {table}")
                text = sql.load(query)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM ({text}\n)")
            result.counts[table] = int(sql.scalar(con, f"SELECT count(*) FROM {table}"))
        result.records_built = int(sql.scalar(con, "SELECT count(*) FROM _std_rec_scope"))
        con.execute("DROP TABLE _std_rec_scope")
        con.execute("DELETE FROM std_identity_state")
        con.execute(
            "INSERT INTO std_identity_state VALUES (?, ?, ?, ?, ?, current_timestamp)",
            [key, result.records, result.reason, result.records_built, result.records_dropped],
        )
    return result


def _drop_gone_records(con: duckdb.DuckDBPyConnection) -> int:
    """Delete the record identities whose record is no longer current; return how many."""
    sql.run(con, "standardize/record_gone.sql")
    gone = int(sql.scalar(con, "SELECT count(*) FROM _std_rec_gone"))
    for table in RECORD_TABLES:
        con.execute(f"DELETE FROM {table} WHERE rec_id IN (SELECT rec_id FROM _std_rec_gone)")
    con.execute("DROP TABLE _std_rec_gone")
    return gone
