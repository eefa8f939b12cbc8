"""Collector outcomes recorded in the collections system's PostgreSQL, for the push tests: what
the platform's `contact_outcomes` holds when a push re-checks it (sql/push/pg/guard_outcomes.sql).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

#: The columns a row given as a tuple fills, in its order.
COLUMNS = ("account_id", "contact", "outcome", "outcome_date")


def insert_outcomes(
    target: str | psycopg.Connection[Any],
    rows: Sequence[Sequence[Any] | Mapping[str, Any]],
) -> None:
    """Insert `rows` into `contact_outcomes` of `target` (a URL: committed here; a connection:
    the caller's transaction). A row is a tuple in COLUMNS' order, or a mapping of column names
    (every mapping the same ones: `agent`, `contact_type` ...). An account fact's contact is ''."""
    if not rows:
        return
    first = rows[0]
    columns = list(first) if isinstance(first, Mapping) else list(COLUMNS)
    values = [[r[c] for c in columns] if isinstance(r, Mapping) else list(r) for r in rows]
    assert all(len(v) == len(columns) for v in values), "every row needs the same columns"
    statement = (
        f"INSERT INTO contact_outcomes ({', '.join(columns)})"
        f" VALUES ({', '.join('%s' for _ in columns)})"
    )
    if isinstance(target, str):
        with psycopg.connect(target) as conn, conn.cursor() as cur:
            cur.executemany(statement, values)
    else:
        with target.cursor() as cur:
            cur.executemany(statement, values)
