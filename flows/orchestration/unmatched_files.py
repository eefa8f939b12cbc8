"""A run warning for a file of returns that found none of the portfolio's debtors.

A vendor answers the batch it was sent. When none of a vendor batch's or person-record file's
records becomes any account's debtor record, the file almost always belongs to another
portfolio or client (the vendor sent the wrong answer file, or the wrong sources.yml path picked
it up), or its layout was read wrongly. Nothing is linked, so nothing wrong is emitted, but the
night's skip tracing silently did not happen, and personal data bought for someone else's
accounts now sits in this database: someone must ask the sender. The run completes and warns
(exit 7), like the other delivery findings.
"""

from __future__ import annotations

import duckdb

from skiptrace import sql
from skiptrace.sources.run_warnings import record_run_warnings

#: Fewest loaded rows for a file to be judged: a trickle of a few records that found nobody is
#: ordinary; hundreds that found nobody are not.
MIN_ROWS = 50


def warn_unmatched_files(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """After match: one run warning per file loaded by this run that linked no debtor record
    (sql/guards/files_without_links.sql); returns the messages."""
    messages = [
        f"{r['source']} file {r['file_name']}: none of its {r['rows_loaded']:,} records matched "
        "an account of this portfolio: a file for another portfolio or client, or a layout read "
        "wrongly? (its records stay loaded, linked to no account: ask the sender)"
        for r in sql.rows(con, "guards/files_without_links.sql", run_id=run_id, min_rows=MIN_ROWS)
    ]
    record_run_warnings(con, run_id, "match", messages)
    return messages
