"""SQL files shipped with skiptrace, plus the database connection and migration runner.

SQL lives in `.sql` files next to this module so it can be read, reviewed and diffed as SQL, in a
folder named after the stage that runs it. The one database layer:

* `connect()` opens the DuckDB database and applies any numbered migration in `migrations/`
  that the database has not seen yet;
* `run(con, "match/sides.sql", **params)` executes a file; `query(...)` returns its last
  statement's result as a polars frame, `rows(...)` as dicts; values are bound as named
  `$parameters`, the single parameter style;
* `transaction(con)` wraps a block in BEGIN ... COMMIT / ROLLBACK;
* `load(name)` returns a file's text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = SQL_DIR / "migrations"
DEFAULT_DB = Path("data") / "skiptrace.duckdb"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@cache
def load(name: str) -> str:
    """Return the text of `sql/<name>` (cached: the files do not change while running)."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str]]:
    """Numbered migrations in order: (version, file name)."""
    found = []
    for path in MIGRATIONS_DIR.iterdir():
        m = _MIGRATION_NAME.match(path.name)
        if m:
            found.append((int(m.group(1)), path.name))
    return sorted(found)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest migration applied to this database (0 for a new one)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration not yet applied, in number order, each in its own transaction.

    Applied versions are compared as a set, not against the maximum, so a migration numbered
    into a gap (written on a branch while a later one landed) is still applied.
    """
    current = schema_version(con)
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name in migrations():
        if version in applied:
            continue
        with transaction(con):
            con.execute(load(f"migrations/{name}"))
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
        current = max(current, version)
    return current


def frame(
    con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | dict[str, Any] | None = None
) -> pl.DataFrame:
    """Run `query` and return a polars frame (Arrow hand-off, no row copies).

    DuckDB 2 refuses to build a relation while an earlier `execute()` result on the same
    connection is unfinished (e.g. after `.fetchone()`); `complete()` drains it first, so stage
    code can mix `execute(...).fetchone()` and frames freely.
    """
    con.complete()
    return pl.from_arrow(con.sql(query, params=params or None).to_arrow_table())  # type: ignore[return-value]


def _bound(statement: Any, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The named parameters one statement uses, taken from `params`.

    DuckDB prepares one statement at a time and rejects unused named parameters, so every
    statement of a file gets exactly the `$name` values it mentions; a missing one is an error
    that names it, not a NULL.
    """
    wanted = statement.named_parameters
    if not wanted:
        return None
    missing = sorted(set(wanted) - set(params))
    if missing:
        raise KeyError(f"SQL parameter(s) {missing} not given")
    return {k: params[k] for k in wanted}


def run(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> None:
    """Execute every statement of `sql/<name>`, binding `$name` parameters from `params`.

    The one way values reach SQL: named `$parameters`, never text pasted into the query.
    """
    con.complete()
    for statement in con.extract_statements(load(name)):
        con.execute(statement, _bound(statement, params))


def query(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pl.DataFrame:
    """Run `sql/<name>` and return the result of its last statement as a polars frame.

    Earlier statements (temporary tables, variables) run first, as in `run`.
    """
    con.complete()
    statements = con.extract_statements(load(name))
    for statement in statements[:-1]:
        con.execute(statement, _bound(statement, params))
    last = statements[-1]
    return pl.from_arrow(con.execute(last, _bound(last, params)).to_arrow_table())  # type: ignore[return-value]


def rows(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> list[dict[str, Any]]:
    """`query` as a list of dicts: for small results read by Python (reports, explain)."""
    return query(con, name, **params).to_dicts()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK and re-raise: all of a block's writes land, or none do."""
    con.complete()
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """--db beats SKIPTRACE_DB beats data/skiptrace.duckdb."""
    return Path(db or os.environ.get("SKIPTRACE_DB") or DEFAULT_DB)


def connect(
    db: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database (creating its folder), migrate it unless read-only, set resources.

    `threads`/`memory_limit` default to DuckDB's own choice unless SKIPTRACE_DUCKDB_THREADS or
    SKIPTRACE_DUCKDB_MEMORY are set, so a scheduler can bound a run deliberately.
    """
    path = resolve_db_path(db)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    threads = threads or int(os.environ.get("SKIPTRACE_DUCKDB_THREADS", "0") or 0) or None
    memory_limit = memory_limit or os.environ.get("SKIPTRACE_DUCKDB_MEMORY")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET preserve_insertion_order = false")
    if not read_only:
        migrate(con)
    return con
