"""Reviewers' decisions on held pairs, applied by the match stage (issue 22).

Why a queue file and not a table: DuckDB allows one writer process, and the nightly run holds
the database for its whole length. The review workbench (skiptrace.flows.review) therefore never
writes the database: it appends each decision as one JSON line, fsynced, to
`<database>.review/decisions.jsonl` next to the database. The match stage of the next run
imports every line it has not seen into the append-only table `review_decisions` (migration
028) and then applies the decisions to the pairs it just scored, in the same transaction as it
writes them. Nothing is lost: a decision made while a run holds the database waits in the file;
importing is idempotent, so a failed run just imports again.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from skiptrace import sql

QUEUE_FILE = "decisions.jsonl"


def sidecar_dir(db_path: str | os.PathLike[str]) -> Path:
    """The folder of the workbench's own files next to a database (`x.duckdb` -> `x.duckdb.review`)."""
    p = Path(db_path)
    return p.with_name(p.name + ".review")


def queue_path(db_path: str | os.PathLike[str]) -> Path:
    """Where the workbench appends decisions for the database at `db_path`."""
    return sidecar_dir(db_path) / QUEUE_FILE


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind `con` (None for an in-memory database)."""
    found = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return Path(found[0][0]) if found and found[0][0] else None


def import_queued(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Import the decisions queued next to this database that are not imported yet; how many.

    Skipped when the database is in memory or nothing was ever queued.
    """
    db = database_path(con)
    path = queue_path(db) if db is not None else None
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return 0
    before = _count(con)
    sql.run(con, "match/review_import.sql", run_id=run_id, path=str(path))
    return _count(con) - before


def apply_decisions(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Set the role of run `run_id`'s pairs that reviewers decided; counts by action.

    Call after the run's match_pairs are written (link() does, inside the same transaction).
    """
    found = sql.rows(con, "match/review_apply.sql", run_id=run_id)
    for t in ("_review_cutoff", "_review_effective", "_review_hits"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    row = found[0] if found else {}
    return {"approved": int(row.get("approved") or 0), "rejected": int(row.get("rejected") or 0)}


#: Decisions named in the warning about decisions that did nothing (the rest are counted).
UNAPPLIED_EXAMPLES = 3
_MISSING = {
    "account": "no such account",
    "record": "no such source record",
    "pair": "this run stored no such pair",
}


def unapplied_warnings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """One run warning when decisions this run imported name no pair it scored, else none.

    Call after `apply_decisions`. Why: the workbench refuses a decision on a pair its run did
    not store, but it cannot check one made while a run holds the database, nor a line appended
    to the queue file by other means; such a decision used to be imported and then do nothing,
    without a word. It stays in review_decisions (the record of what a reviewer decided) and
    applies to that pair if a later run scores it.
    """
    found = sql.rows(con, "match/review_unapplied.sql", run_id=run_id)
    if not found:
        return []
    shown = "; ".join(
        f"account {r['account_id']} / {r['source']} {r['record_id']} by {r['decided_by']}"
        f" ({_MISSING[r['missing']]}, decision {r['decision_id']})"
        for r in found[:UNAPPLIED_EXAMPLES]
    )
    rest = len(found) - UNAPPLIED_EXAMPLES
    more = f"; and {rest:,} more" if rest > 0 else ""
    return [
        f"{len(found):,} review decision(s) imported from the workbench queue name no pair this"
        f" run scored and changed nothing: {shown}{more}; a decision is made on a held pair's"
        " page (skiptrace review), see review_decisions for the full list"
    ]


def _count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM review_decisions").fetchall()[0][0])
