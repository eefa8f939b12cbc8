"""A record of every time a command showed personal data unmasked.

Masking is the default everywhere people read data (`skiptrace rejects` masks whole raw lines).
An operator fixing a broken feed sometimes needs the line as received; the `--unmasked` flag
allows it, and this module makes each use visible to an auditor: a row in `pii_access_log`
(who, on which host, when, which command and run, how many rows) written before anything is
shown, plus a warning on the `skiptrace` logger.
"""

from __future__ import annotations

import getpass
import logging
import socket

import duckdb

from skiptrace import sql

log = logging.getLogger("skiptrace.audit")


def current_user() -> str:
    """The operating-system account, or a placeholder where none can be determined."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in the environment (some containers)
        return "unknown"


def record_pii_access(
    con: duckdb.DuckDBPyConnection, command: str, run_id: str | None, rows_shown: int
) -> None:
    """Write the access to `pii_access_log` (committed) and log it."""
    user, host = current_user(), socket.gethostname()
    with sql.transaction(con):
        sql.run(
            con, "audit/pii_access_insert.sql",
            os_user=user, host=host, command=command, run_id=run_id, rows_shown=rows_shown,
        )  # fmt: skip
    log.warning(
        "%s by %s on %s: %s row(s) of personal data shown unmasked (run %s)",
        command, user, host, rows_shown, run_id or "all",
    )  # fmt: skip
