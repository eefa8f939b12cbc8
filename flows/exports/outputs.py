"""The output folders of old runs, and `out/LATEST`.

Every run writes `out/<run_id>/` (contacts, imports, worklist: personal data) and, in inbox
mode, keeps the delivered files under `processed/<run_id>/`. `archive` and `purge` handled
database rows only, so these folders accumulated forever. Here:

* `remove_old_outputs`: removes the output folder and the inbox copies of every archived run
  (`skiptrace archive --keep N`, `skiptrace run --keep-runs N`): the runs older than the N
  newest completed ones. A folder is removed only when it is the run's (named after a run id
  the database knows, holding that run's `manifest.json` or `INCOMPLETE` marker: a folder
  skiptrace did not write is never touched), written by this database (below), and never for
  the newest completed run or a completed run the push has not picked up yet.
* Which database wrote a folder: its manifest and INCOMPLETE marker record the database's
  resolved path and id (emit.database_record). A copy of the database (a byte copy, to try
  something) holds the same id and the same runs; only the path it is opened at tells it from
  the original, so a folder is this database's when the path it records is this database's
  file (or a path `--moved-from` names: a database the operator moved, whose old path is gone).
  A folder written before the record falls back to the database path its run recorded
  (runs.params, a relative one read from the working directory). Any other folder is kept and
  listed with the reason: archive on a copy never removes the original's folders.
* `write_latest`: `out/LATEST`, one line with the run id of the newest completed run, replaced
  atomically after the run's manifest is published and its INCOMPLETE marker removed. A consumer
  reads it to find the last good export set without listing folders. Newest by (as_of, run_id),
  the order `skiptrace push` keeps: it moves only to a run newer than the one it names, so a
  backfill (an older `--as-of`, run later) writes its folder and leaves LATEST where it was.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.atomic import atomic_write_text
from skiptrace.errors import UsageError
from skiptrace.flows.exports.emit import (
    INCOMPLETE_MARKER,
    MANIFEST,
    database_record,
    folder_database,
)

#: In the output root: the run id of the newest completed run (README, "Outputs").
LATEST = "LATEST"

log = logging.getLogger("skiptrace")


def write_latest(
    out_root: Path, run_id: str, *, con: duckdb.DuckDBPyConnection | None = None
) -> Path | None:
    """`out_root/LATEST` = `run_id`, atomically (written to a temporary name and renamed).

    With `con`, only when `run_id` is newer by (as_of, run_id) than the run LATEST names
    (sql/exports/latest_is_newer.sql); returns None when LATEST stays. A LATEST naming a run
    this database does not know, or unreadable, is replaced."""
    path = Path(out_root) / LATEST
    if con is not None and (named := read_latest(out_root)) and named != run_id:
        newer = sql.rows(con, "exports/latest_is_newer.sql", run_id=run_id, named=named)
        if newer and not newer[0]["newer"]:
            log.info("out/LATEST stays on run %s: run %s is not newer (as of)", named, run_id)
            return None
    return atomic_write_text(path, f"{run_id}\n")


def read_latest(out_root: Path) -> str | None:
    """The run id `out_root/LATEST` names, or None (no file, unreadable, empty)."""
    try:
        text = (Path(out_root) / LATEST).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.strip() or None


@dataclass
class OutputRetention:
    """Folders removed (or, in a dry run, to remove) and folders kept with the reason."""

    dry_run: bool
    removed: list[str] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        text = f"{verb} {len(self.removed)} output/inbox folder(s) of archived runs"
        if self.kept:
            text += "; kept " + "; ".join(f"{k['path']} ({k['reason']})" for k in self.kept)
        return text


def _is_run_output(folder: Path, run_id: str) -> bool:
    """The folder is skiptrace's output of `run_id`: its manifest or INCOMPLETE marker says so."""
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            return bool(json.loads(manifest.read_text()).get("run_id") == run_id)
        except (OSError, ValueError, AttributeError):
            return False
    marker = folder / INCOMPLETE_MARKER
    try:
        return marker.is_file() and run_id in marker.read_text(errors="replace")
    except OSError:
        return False


@dataclass(frozen=True)
class ThisDatabase:
    """The database archive runs on: its resolved path and id, and the paths the operator says
    it was moved from (`--moved-from`)."""

    path: Path | None
    id: str | None
    moved_from: tuple[Path, ...] = ()

    @classmethod
    def of(
        cls, con: duckdb.DuckDBPyConnection, moved_from: list[Path] | None = None
    ) -> ThisDatabase:
        record = database_record(con)
        path = Path(record["path"]) if record["path"] else None
        return cls(path, record["id"], tuple(Path(p).resolve() for p in moved_from or []))

    def is_at(self, recorded: str) -> bool:
        """`recorded` (a path a folder or run recorded; relative: from the working directory)
        is this database's file: the same resolved path, or the same file (a hard link)."""
        if self.path is None:
            return False
        where = Path(recorded).resolve()
        if where == self.path:
            return True
        try:
            return os.path.samefile(where, self.path)
        except OSError:
            return False

    def not_written_here(self, folder_db: dict[str, Any] | None, run_db: str | None) -> str | None:
        """None when the folder is this database's; else why it is kept. `folder_db`: the
        database the folder records, None for a folder written before it was recorded, which
        then goes by `run_db`, the database its run was given (runs.params)."""
        if folder_db is not None:
            other_id = folder_db.get("id")
            where = folder_db.get("path")
            if other_id and self.id and other_id != self.id:
                return f"written by another database ({where}, id {other_id})"
        else:
            where = run_db
        if not where:
            return "no database recorded for the run"
        if self.is_at(where) or Path(where).resolve() in self.moved_from:
            return None
        if Path(where).exists():
            return (
                f"written by the database at {where}, not this one ({self.path}):"
                " a copy of it leaves its folders"
            )
        return (
            f"written by the database at {where}, no longer there: if this database was moved"
            f" from it, archive with --moved-from {where}"
        )


def check_moved_from(db: Path, moved_from: list[Path]) -> None:
    """`--moved-from OLD` says this database is the one that was at OLD: refused while OLD
    still holds a file (then this one is a copy of it, or OLD another database)."""
    for old in moved_from:
        if old.exists() and not ThisDatabase(Path(db).resolve(), None).is_at(str(old)):
            raise UsageError(
                f"--moved-from {old}: {old} still exists, so {db} was not moved from it (a copy"
                " leaves the original's folders; archive the original at its own path)"
            )


def _output_folders(run: dict[str, Any], out: Path | None) -> list[Path]:
    """Where the run's output folder can be: OUT/<run_id> (the caller's --out), the output root
    the run recorded, and the folders its exports were written to (relative ones from here)."""
    run_id = run["run_id"]
    found = [Path(out) / run_id] if out is not None else []
    if run["out"]:
        found.append(Path(run["out"]) / run_id)
    found += [Path(p).parent for p in run["export_paths"] or []]
    unique: dict[str, Path] = {}
    for p in found:
        if p.name == run_id:
            unique.setdefault(str(p.absolute()), p)
    return list(unique.values())


def remove_old_outputs(
    con: duckdb.DuckDBPyConnection,
    out: Path | None = None,
    *,
    also: list[str] | None = None,
    dry_run: bool = False,
    moved_from: list[Path] | None = None,
) -> OutputRetention:
    """Remove the output folders and inbox copies (processed/<run_id>/) of every archived run
    (and of `also`: a dry run's runs to archive). Never a symlink, never a folder without the
    run's manifest or marker, never one another database wrote (a copy's archive leaves the
    original's: ThisDatabase), never the newest completed run's, never one a push still awaits.
    `moved_from`: paths this database was moved from (check_moved_from)."""
    result = OutputRetention(dry_run=dry_run)
    here = ThisDatabase.of(con, moved_from)
    for run in sql.rows(con, "exports/output_retention_runs.sql", run_ids=list(also or [])):
        run_id = run["run_id"]
        # an inbox copy holds no record of its own: it goes by its run's output folder (before
        # that folder is removed), or by the database the run was given
        folders = [
            (f, None if f.is_symlink() else folder_database(f), True)
            for f in _output_folders(run, out)
        ]
        if run["inbox"]:  # the inbox layout names it: processed/<run_id>/<source>/<file>
            recorded = next(
                (db for f, db, _ in folders if db is not None and _is_run_output(f, run_id)), None
            )
            folders.append((Path(run["inbox"]) / "processed" / run_id, recorded, False))
        for folder, folder_db, is_output in folders:
            if not (folder.is_dir() or folder.is_symlink()):
                continue
            reason = None
            if run["latest"]:
                reason = "the newest completed run"
            elif run["push_pending"]:
                reason = "not pushed yet"
            elif folder.is_symlink():
                reason = "a symlink"
            elif is_output and not _is_run_output(folder, run_id):
                reason = f"no {MANIFEST} or {INCOMPLETE_MARKER} of run {run_id}"
            else:
                reason = here.not_written_here(folder_db, run["db"])
            if reason:
                result.kept.append({"path": str(folder), "reason": reason})
                continue
            result.removed.append(str(folder))
            if not dry_run:
                shutil.rmtree(folder)
                log.info("removed %s (run %s, archived)", folder, run_id)
    return result
