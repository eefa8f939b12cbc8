"""Pull collectors' outcomes from the collections system's PostgreSQL into DuckDB.

Run at the start of a refresh when a push URL is configured, so tonight's run already knows
which numbers collectors marked wrong yesterday. The whole `contact_outcomes` table is read
(it is small next to contacts: one row per disposition) and mirrored: a new outcome_id is
added, a row the platform no longer holds (or holds corrected) is replaced, and an unchanged
row keeps when and by which run it was first stored, so a re-pull never duplicates and never
reorders. outcome_id is kept as a number (origin_seq): the order of outcomes of one date.
"""

from __future__ import annotations

import logging

import duckdb
import polars as pl

from skiptrace.flows.exports import pg
from skiptrace.sources.outcomes import COLUMNS, store_outcomes

log = logging.getLogger("skiptrace.push")
ORIGIN = "postgres"


def pull_outcomes(con: duckdb.DuckDBPyConnection, url: str, run_id: str | None = None) -> int:
    """Mirror PostgreSQL's contact_outcomes into DuckDB's (origin 'postgres'); returns the rows
    new since the last pull. Rows that cannot be stored are warnings of `run_id`.

    Migrates PostgreSQL first, so the table exists for the platform to fill from the first run.
    """
    import psycopg

    try:
        with pg.connect(url) as conn:
            pg.migrate(conn)
            with conn.cursor() as cur:
                rows = pg.execute(cur, "outcomes_select.sql")
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection lost"
        raise pg.PushError(f"outcomes from {pg.mask_url(url)}: {pg.mask_url(first)}") from exc
    # outcome_id, account_id, contact_type, contact, outcome, outcome_date, agent
    fields = [c for c in COLUMNS if c != "origin_seq"]
    frame = pl.DataFrame(
        [[None if v is None else str(v) for v in r] for r in rows],
        schema=dict.fromkeys(fields, pl.String),
        orient="row",
    ).with_columns(pl.col("origin_id").cast(pl.Int64).alias("origin_seq"))
    stored = store_outcomes(con, frame, ORIGIN, replace=True, run_id=run_id)
    log.info("pulled %s contact outcome(s) from %s, %s new", len(rows), pg.mask_url(url), stored)
    return stored
