"""Failures of the machine, not of skiptrace: a full disk, a folder gone read-only, a corrupt
database file, a run stopped by a signal. Each becomes a `SkiptraceError` with one line that
names the path and what to do, and a documented exit code, instead of "internal error ...
(this is a bug)" and a traceback.

`known_failure(exc, db)` looks through an exception and its causes for one of them. The refresh
flow calls it where the run fails (it knows the database), the command line's boundary calls
it for any other command (flows/cli/boundary.py).

Signals: DuckDB runs a pending Python signal handler while it executes a query, and when the
handler raises, DuckDB drops that exception and raises its own `RuntimeError('Query
interrupted')`: the signal's number is lost. `noting_signals()` wraps the handler in force
(Prefect's, inside a flow) so the number is noted first; `signal_received()` reads it.
"""

from __future__ import annotations

import errno
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skiptrace.errors import ConfigError, InputFileError, SkiptraceError

#: Exit codes of a run stopped by a signal: 128 + the signal's number, as a shell reports it.
SIGINT_EXIT = 128 + signal.SIGINT
SIGTERM_EXIT = 128 + signal.SIGTERM


class DiskFull(ConfigError):
    """The file system a run writes to (output folder, database, DuckDB's spill folder) is full."""


class NotWritable(ConfigError):
    """A folder or file the run writes to turned read-only or lost its permissions."""


class DatabaseCorrupt(InputFileError):
    """The DuckDB file cannot be read: damaged or cut short."""


class Interrupted(SkiptraceError):
    """The command was stopped by SIGINT (Ctrl-C) or SIGTERM (a scheduler, `kill`)."""

    def __init__(self, message: str, signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.signum = signum

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return 128 + int(self.signum)


_received: list[int] = []
#: Depth of `signals_deferred` blocks, and the signals noted inside them, to act on at the end.
_deferring = 0
_pending: list[int] = []


def signal_received() -> int | None:
    """The last SIGINT / SIGTERM noted by `noting_signals` in this process, if any."""
    return _received[-1] if _received else None


@contextmanager
def noting_signals() -> Iterator[None]:
    """Note SIGTERM and SIGINT before the handler in force runs (main thread only; elsewhere a
    no-op). A SIGTERM with Python's default action is turned into `Interrupted`, so the run
    records itself failed and the command says so, instead of dying mid-statement."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        before = signal.getsignal(signum)
        previous[signum] = before
        signal.signal(signum, _noting(before))
    try:
        yield
    finally:
        for noted, before in previous.items():
            signal.signal(noted, before)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """A SIGINT / SIGTERM noted by `noting_signals` inside the block is acted on only when the
    block ends (the signal is raised again there): for steps that must happen all together
    or not at all, as a run recorded completed, its folder's INCOMPLETE marker removed and
    out/LATEST moved to it. Short steps only: the command does not stop until the block ends."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending:
            signum = _pending[0]
            _pending.clear()
            signal.raise_signal(signum)  # the handler in force runs now, in the main thread


def _noting(before: Any) -> Callable[[int, Any], None]:
    def handler(signum: int, frame: Any) -> None:
        _received.append(signum)
        if _deferring:
            _pending.append(signum)
            return
        if callable(before):
            before(signum, frame)
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            raise Interrupted(interrupted_line(signum), signum)

    return handler


def stopped_line(signum: int, what: str, *, after: str | None = None) -> str:
    """The one line of anything stopped by a signal, in the words every command uses:
    `interrupted by SIGTERM: <what>`, or `interrupted by SIGTERM after <after>: <what>` when the
    signal came once something was done for good (a run recorded completed, a push committed).
    `what` says what stopped and what holds of its work."""
    name = signal.Signals(signum).name
    return f"interrupted by {name}{f' after {after}' if after else ''}: {what}"


def interrupted_line(signum: int) -> str:
    return stopped_line(
        signum,
        "the run stopped and is recorded failed; the outputs of earlier runs are untouched. "
        "Run again",
    )


@contextmanager
def interrupted_as(what: str) -> Iterator[None]:
    """A command other than a run, stopped by SIGINT / SIGTERM: the signal (noted by
    `noting_signals`, which this installs: a SIGTERM would otherwise end the process with no
    line at all) ends the block as `Interrupted(stopped_line(signum, what))`, the command's own
    one line, instead of the run's "the run stopped and is recorded failed" or Typer's silent
    exit 130.
    """
    with noting_signals(), stopped_as(what):
        yield


@contextmanager
def stopped_as(what: str) -> Iterator[None]:
    """`interrupted_as` for a block already under `noting_signals` (a step of a command that
    says something else when stopped elsewhere): an interruption ends the block as
    `Interrupted(stopped_line(signum, what))`; any other error goes through as it is."""
    try:
        yield
    except BaseException as exc:
        stopped = stopped_with(exc, what)
        if stopped is None:
            raise
        raise stopped from None


def stopped_with(exc: BaseException, what: str) -> Interrupted | None:
    """`exc` read as a signal (an Interrupted, or what `known_failure` finds to be one) and
    worded as the command stopped: `Interrupted(stopped_line(signum, what))`; None when `exc`
    is not an interruption. For handlers that record the failure before raising it (push)."""
    stopped = exc if isinstance(exc, Interrupted) else known_failure(exc)
    if not isinstance(stopped, Interrupted):
        return None
    return Interrupted(stopped_line(stopped.signum, what), stopped.signum)


def interrupted_after_completion_line(signum: int, run_id: str) -> str:
    """The one line of a signal that came after the run was recorded completed."""
    return stopped_line(
        signum,
        "its outputs are complete; what follows a run (its report, the push, archiving) may "
        "not have finished",
        after=f"run {run_id} was recorded completed",
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


#: DuckDB's words for a damaged or cut-short file.
_CORRUPT = re.compile(
    r"Corrupt database file|Could not read enough bytes from file"
    r"|not a valid DuckDB database file|database file .* is corrupt|Failed to load metadata",
    re.IGNORECASE,
)
_NO_SPACE = re.compile(r"No space left on device|Disk quota exceeded|ENOSPC", re.IGNORECASE)
_READ_ONLY = re.compile(r"Read-only file system|Permission denied", re.IGNORECASE)
#: How DuckDB words a Python exception raised by a signal handler inside a callback it made:
#: "... failed: TerminationSignal: ...", "... executing the UDF: Interrupted: ...".
_SIGNAL_IN_CALLBACK = re.compile(r"\b(TerminationSignal|KeyboardInterrupt|Interrupted)\b")
#: A file name in DuckDB's message: `... file "/path/to/x": ...`.
_QUOTED_FILE = re.compile(r'file "([^"]+)"')


def known_failure(exc: BaseException, db: Path | None = None) -> SkiptraceError | None:
    """The SkiptraceError that says what `exc` (or one of its causes) is, or None when it is
    none of the machine failures above (a bug). `db` names the database when the message does
    not (DuckDB's checksum error names no file)."""
    if isinstance(exc, SkiptraceError):
        return None
    signum = signal_received()
    for current in _chain(exc):
        if isinstance(current, KeyboardInterrupt) or type(current).__name__ == "TerminationSignal":
            got = getattr(current, "signal", None) or signum or signal.SIGINT
            return Interrupted(interrupted_line(int(got)), int(got))
        text = str(current)
        if "Query interrupted" in text or type(current).__name__ == "InterruptException":
            got = signum or signal.SIGINT
            return Interrupted(interrupted_line(got), got)
        if signum is not None and _is_duckdb_error(current) and _SIGNAL_IN_CALLBACK.search(text):
            # the handler raised inside Python code DuckDB was calling (a registered frame's
            # schema, a UDF): DuckDB re-raises it as its own error, by name and text only
            return Interrupted(interrupted_line(signum), signum)
        if isinstance(current, OSError) and current.errno is not None:
            where = current.filename or db or "?"
            if current.errno in (errno.ENOSPC, errno.EDQUOT):
                return DiskFull(disk_full_line(where))
            if current.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                return NotWritable(not_writable_line(where, current.strerror or text))
        if _is_duckdb_error(current):
            quoted = _QUOTED_FILE.search(text)
            where = quoted.group(1) if quoted else db or "the database"
            if _NO_SPACE.search(text):
                return DiskFull(disk_full_line(where))
            if _CORRUPT.search(text):
                first = text.splitlines()[0] if text else type(current).__name__
                return DatabaseCorrupt(corrupt_line(db or where, first))
            if _READ_ONLY.search(text):
                return NotWritable(not_writable_line(where, "read-only or permission denied"))
    return None


def _is_duckdb_error(exc: BaseException) -> bool:
    return type(exc).__module__ in ("_duckdb", "duckdb") or any(
        c.__module__ in ("_duckdb", "duckdb") for c in type(exc).__mro__[1:-2]
    )


def disk_full_line(where: object) -> str:
    return (
        f"no space left on the device holding {where}: free space there (or point --out or "
        "--db elsewhere) and run again; the run is recorded failed, earlier outputs are "
        "untouched"
    )


def not_writable_line(where: object, why: str) -> str:
    return (
        f"cannot write {where} ({why}): make that folder writable again (a file system "
        "remounted read-only, a permission changed) and run again; the run is recorded failed, "
        "earlier outputs are untouched"
    )


def corrupt_line(db: object, detail: str) -> str:
    return (
        f"the database {db} is corrupt ({detail}): restore it from a backup (with its "
        "<db>.archive folder, docs/scaling.md) and run again; do not run on this file"
    )
