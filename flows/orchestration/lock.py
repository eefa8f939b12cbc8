"""One writer at a time per database file.

DuckDB locks its file only while a connection is open, and the refresh opens and closes
connections task by task, so two runs could interleave between tasks. A second run must wait or
fail clearly, never corrupt or mix results: the refresh holds an exclusive advisory lock on
`<db>.lock` for its whole duration. The lock file records who holds it, for the error message.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skiptrace.atomic import private_dir
from skiptrace.errors import DatabaseBusy


class DatabaseBusyError(DatabaseBusy, RuntimeError):
    """Another run holds the database; raised after waiting `wait_seconds`. The command line
    prints its message as one line and exits with code 5 (skiptrace/errors.py)."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def db_lock(
    db: Path, *, run_id: str, wait_seconds: float = 0.0, poll: float = 0.5
) -> Iterator[Path]:
    """Hold the exclusive run lock on `db`, waiting up to `wait_seconds` for it."""
    path = lock_path(Path(db))
    private_dir(path.parent)  # the database's folder, if this creates it: owner-only
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise DatabaseBusyError(_busy_message(path, db, wait_seconds)) from None
                time.sleep(poll)
        holder = {
            "pid": os.getpid(),
            "run_id": run_id,
            "since": dt.datetime.now(dt.UTC).isoformat(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _busy_message(path: Path, db: Path, waited: float) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    who = (
        f"run {holder.get('run_id')} (pid {holder.get('pid')}, since {holder.get('since')})"
        if holder
        else "another process"
    )
    return (
        f"database {db} is in use by {who}; waited {waited:.0f}s. "
        "Only one refresh may write a database at a time: wait for it, or let the run wait "
        "(--wait SECONDS on run and serve, lock_wait in a deployment's parameters)."
    )
