"""Run bookkeeping: ids, the `runs` lineage row, per-stage timings.

A run is the unit compliance asks about ("which run exported this phone?"), so it is recorded
before any work starts and closed with its status whatever happens.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import __version__, sql


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable, unique, filesystem-safe: 20261123T133001Z-3fa2."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


@cache
def code_version() -> str:
    """Package version plus the git commit when running from a checkout (reproducibility)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def start_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    as_of: dt.date,
    params: dict[str, Any],
    flow_run_id: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO runs (run_id, flow_run_id, code_version, params, as_of, started_at, status)"
        " VALUES (?, ?, ?, ?, ?, ?, 'running')",
        [run_id, flow_run_id, code_version(), json.dumps(params, default=str), as_of, _now()],
    )


#: Statuses of a run whose process has ended: it wrote them itself on the way out
#: (completed, failed), or a later run marked it abandoned while holding the database lock.
ENDED_STATUSES = ("completed", "failed", "abandoned")


def abandon_stale_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Mark runs still 'running' as 'abandoned'; how many (see `mark_abandoned`)."""
    return len(mark_abandoned(con))


@dataclass
class AbandonedRun:
    """A run found 'running' by a later run: its id, its Prefect flow run, its output folder."""

    run_id: str
    flow_run_id: str | None
    out: Path | None


def mark_abandoned(con: duckdb.DuckDBPyConnection) -> list[AbandonedRun]:
    """Mark runs still 'running' as 'abandoned'. Only called while holding the database lock,
    so any run in that state belongs to a process that died (kill -9, power loss); its partial
    rows stay for forensics but never count as a completed run (deltas, replay, reports)."""
    rows = con.execute(
        "UPDATE runs SET status = 'abandoned', ended_at = ? WHERE status = 'running'"
        " RETURNING run_id, flow_run_id, params",
        [_now()],
    ).fetchall()
    found = []
    for run_id, flow_run_id, params in sorted(rows):
        try:
            out = json.loads(params or "{}").get("out")
        except ValueError:
            out = None
        found.append(
            AbandonedRun(str(run_id), str(flow_run_id) if flow_run_id else None,
                         Path(out) / str(run_id) if out else None)
        )  # fmt: skip
    return found


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str) -> None:
    """Close the run with `status`. A completed run's emitted contacts are folded into
    contact_first_added in the same transaction (sql/audit/first_added_fold.sql): the next
    run's `date_added` then reads that table instead of every run ever kept, and only a
    completed run counts."""
    with sql.transaction(con):
        con.execute(
            "UPDATE runs SET status = ?, ended_at = ? WHERE run_id = ?", [status, _now(), run_id]
        )
        if status == "completed":
            sql.run(con, "audit/first_added_fold.sql", run_id=run_id)


def latest_completed_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest completed run, or None: what the CLI's `report` and `calibrate` default to,
    and the run out/LATEST names.

    Newest by as-of date, then by start (the run id), the order `skiptrace push` keeps
    (docs/push.md): a backfill, started last but dated earlier, is not the newest. Only a
    completed run qualifies: a running, failed or abandoned run's outputs are partial.
    """
    rows = sql.rows(con, "audit/latest_completed_run.sql")
    return str(rows[0]["run_id"]) if rows else None


def previous_completed_run(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The completed run before `run_id` in (as_of, run_id) order: the run its delta.csv and
    worklist compare with, and the contact and account shrink checks (the published chain).

    For a backfill that is the last completed run dated before it, and the night after a
    backfill compares with the newest run before it, not with the backfill: an integrator who
    applies the chain out/LATEST and the push follow never had the backfill's state. The
    incremental match and resolve caches do not use this: they build on the run that ended
    last, whatever its date (matchers/incremental.py, sql/resolve/)."""
    rows = sql.rows(con, "audit/previous_completed_run.sql", run_id=run_id)
    return str(rows[0]["run_id"]) if rows else None


def last_completed_run_before(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The completed run that started last before `run_id`, whatever its as-of date: "since
    the last completed run" in time (the files loaded since; guards.check_delivery)."""
    rows = sql.rows(con, "audit/last_completed_run_before.sql", run_id=run_id)
    return str(rows[0]["run_id"]) if rows else None


@dataclass
class Backfill:
    """A run dated before the newest completed run: its folder is written, but out/LATEST and
    the push stay on `newest`, and its delta is relative to `previous` (None: no earlier run)."""

    run_id: str
    as_of: dt.date
    newest: str
    newest_as_of: dt.date
    previous: str | None
    first_dates_moved: int = 0

    def warning(self) -> str:
        run_id, as_of = self.run_id, self.as_of
        against = (
            f"its delta.csv is relative to run {self.previous}"
            if self.previous
            else "its delta.csv is relative to no run (every contact added)"
        )
        moved = (
            f"; date_added of {self.first_dates_moved:,} contact(s) it emits becomes {as_of} in"
            " later exports (the earliest completed run's as-of date, docs/lineage.md)"
            if self.first_dates_moved
            else ""
        )
        return (
            f"run {run_id} is a backfill (as of {as_of}, older than run {self.newest} as of "
            f"{self.newest_as_of}): out/LATEST and the push stay on run {self.newest}; "
            f"{against}: do not apply it to a current copy{moved}"
        )


def backfill_of(con: duckdb.DuckDBPyConnection, run_id: str) -> Backfill | None:
    """The Backfill `run_id` is, or None when no completed run is newer by (as_of, run_id)."""
    rows = sql.rows(con, "audit/backfill_of.sql", run_id=run_id)
    if not rows:
        return None
    row = rows[0]
    return Backfill(
        run_id=run_id,
        as_of=row["as_of"],
        newest=str(row["newest"]),
        newest_as_of=row["newest_as_of"],
        previous=previous_completed_run(con, run_id),
        first_dates_moved=int(row["first_dates_moved"] or 0),
    )


@dataclass
class StageStats:
    """What a stage did: shown in the CLI summary, run_summary.json and stage_log."""

    name: str
    seconds: float = 0.0
    rows_in: int = 0
    rows_out: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def timed_stage(con: duckdb.DuckDBPyConnection, run_id: str, name: str) -> Iterator[StageStats]:
    """Time a stage and append it to stage_log when it completes."""
    from skiptrace.progress import notify

    stats = StageStats(name=name)
    notify("start", name)
    start = time.perf_counter()
    yield stats
    stats.seconds = round(time.perf_counter() - start, 3)
    notify("end", name)
    con.execute(
        "INSERT INTO stage_log VALUES (?, ?, ?, ?, ?)",
        [run_id, name, stats.seconds, stats.rows_in, stats.rows_out],
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
