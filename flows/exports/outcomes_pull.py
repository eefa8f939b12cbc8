"""Pull collectors' outcomes from the collections system's PostgreSQL into DuckDB.

Run at the start of a refresh when a push URL is configured, so tonight's run already knows
which numbers collectors marked wrong yesterday. The whole `contact_outcomes` table is read
(it is small next to contacts: one row per disposition) and replaces the earlier pull, so an
outcome corrected or deleted on the platform is corrected here too.
"""

from __future__ import annotations

import logging

import duckdb
import polars as pl

from skiptrace.flows.exports import pg
from skiptrace.sources.outcomes import COLUMNS, store_outcomes

log = logging.getLogger("skiptrace.push")
ORIGIN = "postgres"


def pull_outcomes(con: duckdb.DuckDBPyConnection, url: str) -> int:
    """Copy PostgreSQL's contact_outcomes into DuckDB's (origin 'postgres'); returns the rows.

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
    frame = pl.DataFrame(
        [[None if v is None else str(v) for v in r] for r in rows],
        schema=list(COLUMNS),
        orient="row",
    )
    stored = store_outcomes(con, frame, ORIGIN)
    log.info("pulled %s contact outcome(s) from %s", stored, pg.mask_url(url))
    return stored
