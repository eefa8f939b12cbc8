"""Run warnings: what a run let through or could not do, said where the operator looks.

A run warning is logged and stored in `run_warnings` (sql/ingest/run_warnings_insert.sql); any
row there makes the run end with exit 7 and puts the message in run_summary.json and the run
report. Ingest, the guards and the stages of a run all record them, so the one way of doing it
lives here, in the lowest layer any of them can import (tests/test_layers.py): a message stored
but not logged, or logged but not stored, was the mistake this keeps from recurring.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb

from skiptrace import sql

log = logging.getLogger("skiptrace")


def record_run_warnings(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    stage: str,
    messages: Sequence[str],
    *,
    logged: bool = False,
) -> None:
    """Log each of `messages` as a warning and store them as warnings of `run_id` at `stage`.

    `logged=True` where the code that found them logged them already (each ingested file's own
    warnings, a missing optional source, a quarantined file's error line), so the log does not
    say them twice. Without a run (`run_id` None: a command outside a run) they are only logged;
    no messages, nothing is done.
    """
    if not messages:
        return
    if not logged:
        for message in messages:
            log.warning("%s", message)
    if run_id is not None:
        sql.run(
            con,
            "ingest/run_warnings_insert.sql",
            run_id=run_id,
            stage=stage,
            messages=list(messages),
        )
