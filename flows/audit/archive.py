"""Archive old runs: their per-run rows leave the database for Parquet files beside it.

Why: every run keeps its own match pairs, contact points, support rows, suppressions, flags and
conflicts, the lineage an auditor asks for. At 1M accounts that is several GB a night, and
nothing removed it, so a nightly deployment's database grew without bound. Archiving keeps the
newest completed runs whole and moves the rows of every older ended run to
`<db>.archive/<run_id>/<table>.parquet` (zstd, private mode), recorded in `run_archives`
(migration 095) with each file's rows, bytes and sha256.

Nothing is lost on the way: a run's files are written to a temporary folder, read back and
counted against the table, fsynced and renamed into place before the rows are deleted, and the
delete and the `run_archives` row commit in one transaction. A crash before that commit leaves
the rows in the database (the next archive rewrites the folder); after it, the files hold them.

Lineage stays readable: `archived_run_views` lets `explain` read an archived run through temp
views over the table and the run's files, and `restore_run` puts a run's rows back (after its
checksums are verified) for anything else, such as a replay. The runs table, exports, model,
inputs and first-added dates stay in the database, so emit, deltas and retention never need an
archived run's rows. DuckDB reuses the freed space for later runs; the file itself only
shrinks when copied (docs/lineage.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.atomic import (
    fsync_dir,
    fsync_path,
    make_private,
    private_dir,
    private_umask,
    sha256_file,
)
from skiptrace.errors import InputFileError, UsageError
from skiptrace.matchers.compare import NAMES

#: The per-run tables an archived run leaves (every row of the run, every column).
ARCHIVED_TABLES: tuple[str, ...] = (
    "match_pairs",
    "match_conflicts",
    "contact_points",
    "contact_support",
    "suppressions",
    "account_flags",
)

#: Columns added to an archived table after runs were archived without them: the value the
#: column's migration gave the rows it found, so a run archived before the column existed reads
#: and restores as one archived after (a restore would otherwise break the NOT NULL).
FILLED_COLUMNS: dict[str, dict[str, str]] = {
    # migration 099: the role of the point a support row supports, from resolve's prefix
    "contact_support": {
        "role": "CASE WHEN starts_with(evidence, 'third_party') THEN 'third_party'"
        " ELSE 'debtor' END",
    },
}


def _comparison_struct(field_type: str) -> str:
    """The struct type of a pair's levels / weights: one field per comparison, in order."""
    return "STRUCT(" + ", ".join(f"{name} {field_type}" for name in NAMES) + ")"


#: Columns whose type changed after runs were archived in the old type: the expression that
#: converts the old form, as the column's migration did. Applied when the file's column is not
#: of the table's type, so a run archived before the change reads and restores as one after.
CONVERTED_COLUMNS: dict[str, dict[str, str]] = {
    # migration 100: a pair's levels and partial weights, JSON objects -> structs by the same
    # cast (a comparison the object lacks stays NULL there and here)
    "match_pairs": {
        "levels": f"CAST(CAST(levels AS VARCHAR) AS {_comparison_struct('INTEGER')})",
        "weights": f"CAST(CAST(weights AS VARCHAR) AS {_comparison_struct('DOUBLE')})",
    },
}


class ArchiveError(InputFileError):
    """An archive folder is missing or does not hold what run_archives recorded (exit 4)."""


def archive_root(db: Path) -> Path:
    """The archive folder of database `db`: `<db>.archive`, beside it (as `<db>.review`)."""
    return db.with_name(f"{db.name}.archive")


def _connection_root(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The archive folder of the database file `con` has open (None in memory)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return archive_root(Path(row[0][0])) if row and row[0][0] else None


@dataclass
class ArchivedRun:
    run_id: str
    status: str
    as_of: dt.date | None
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    path: str = ""


@dataclass
class ArchiveResult:
    keep: int
    dry_run: bool
    runs: list[ArchivedRun] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        verb = "would archive" if self.dry_run else "archived"
        if not self.runs:
            return f"nothing to archive (the {self.keep} newest completed runs are kept whole)"
        rows = sum(sum(r.rows.values()) for r in self.runs)
        size = "" if self.dry_run else f", {sum(r.bytes for r in self.runs) / 2**20:,.1f} MiB"
        return (
            f"{verb} {len(self.runs)} run(s) ({self.runs[0].run_id} .. {self.runs[-1].run_id}):"
            f" {rows:,} rows{size}; the {self.keep} newest completed runs kept whole"
        )


def _quote(path: Path) -> str:
    """A path as a SQL string literal (COPY and read_parquet take no bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _archived_select(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> str:
    """`SELECT` of an archived table's rows from its file, with FILLED_COLUMNS it lacks and
    CONVERTED_COLUMNS it holds in an older type."""
    source = f"read_parquet({_quote(path)})"
    fills = FILLED_COLUMNS.get(table, {})
    converts = CONVERTED_COLUMNS.get(table, {})
    if not fills and not converts:
        return f"SELECT * FROM {source}"
    have = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    types = {
        r["column_name"]: r["data_type"]
        for r in sql.rows(con, "audit/table_column_types.sql", table_name=table)
    }
    added = [f"{expr} AS {col}" for col, expr in fills.items() if col not in have]
    replaced = [
        f"{expr} AS {col}"
        for col, expr in converts.items()
        if col in have and have[col] != types.get(col)
    ]
    star = f"* REPLACE ({', '.join(replaced)})" if replaced else "*"
    return f"SELECT {', '.join([star, *added])} FROM {source}"


def _count(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]).fetchall()
    return int(row[0][0]) if row else 0


def archive_runs(
    con: duckdb.DuckDBPyConnection, db: Path, keep: int, *, dry_run: bool = False
) -> ArchiveResult:
    """Archive every ended run older than the `keep` newest completed runs, oldest first.

    A dry run counts the rows each run would move and writes nothing.
    """
    if keep < 1:
        raise UsageError(f"--keep {keep}: keep at least the newest completed run (1 or more)")
    result = ArchiveResult(keep=keep, dry_run=dry_run)
    candidates = sql.rows(con, "audit/archive_candidates.sql", keep=keep)
    for c in candidates:
        run = ArchivedRun(run_id=c["run_id"], status=c["status"], as_of=c["as_of"])
        if dry_run:
            run.rows = {t: _count(con, t, run.run_id) for t in ARCHIVED_TABLES}
        else:
            _archive_one(con, archive_root(db), run)
        result.runs.append(run)
    if result.runs and not dry_run:
        con.execute("CHECKPOINT")  # the freed blocks become reusable by the next run
    return result


def _archive_one(con: duckdb.DuckDBPyConnection, root: Path, run: ArchivedRun) -> None:
    """Write, verify and record one run's files, then delete its rows (one transaction)."""
    final = root / run.run_id
    tmp = root / f".{run.run_id}.tmp"
    private_dir(root)
    shutil.rmtree(tmp, ignore_errors=True)
    private_dir(tmp)
    tables: dict[str, dict[str, Any]] = {}
    try:
        for table in ARCHIVED_TABLES:
            path = tmp / f"{table}.parquet"
            with private_umask():  # private from its creation, not only after a chmod
                con.execute(
                    f"COPY (SELECT * FROM {table} WHERE run_id = $run_id)"
                    f" TO {_quote(path)} (FORMAT parquet, COMPRESSION zstd)",
                    {"run_id": run.run_id},
                )
            make_private(path)
            fsync_path(path)
            rows = _count(con, table, run.run_id)
            read = con.execute(f"SELECT count(*) FROM read_parquet({_quote(path)})").fetchall()
            if int(read[0][0]) != rows:
                raise ArchiveError(
                    f"{path}: {read[0][0]} rows read back, {rows} in {table}: nothing archived"
                )
            tables[table] = {
                "rows": rows,
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
    except BaseException:
        # stopped (a signal, a failed check): the partial copies of the run's personal data
        # are not left beside the database until the next archive rewrites them
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(tmp)
    # a folder left by an attempt that stopped before its commit (no run_archives row)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    fsync_dir(root)
    run.rows = {t: v["rows"] for t, v in tables.items()}
    run.bytes = sum(v["bytes"] for v in tables.values())
    run.path = str(final)
    with sql.transaction(con):
        for table in ARCHIVED_TABLES:
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run.run_id])
        # the folder relative to the archive root: a database moved with its archive still
        # finds it
        con.execute(
            "INSERT INTO run_archives (run_id, path, tables, rows, archived_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [run.run_id, final.name, json.dumps(tables), sum(run.rows.values()), _now()],
        )


def _archive_record(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any] | None:
    """The run's run_archives row (path relative to the archive folder), or None."""
    try:
        rows = sql.rows(
            con, "SELECT path, tables FROM run_archives WHERE run_id = $run_id", run_id=run_id
        )
    except duckdb.CatalogException:  # a database older than migration 095 has no archives
        return None
    return rows[0] if rows else None


def _archive_row(
    con: duckdb.DuckDBPyConnection, run_id: str, root: Path | None = None
) -> dict[str, Any] | None:
    """The run's archive record, its folder resolved under `root` (default: the archive folder
    of the database `con` has open)."""
    row = _archive_record(con, run_id)
    if row is None:
        return None
    base = root or _connection_root(con) or Path(".")
    return {"path": base / row["path"], "tables": json.loads(row["tables"])}


def _verified_files(run_id: str, archive: dict[str, Any]) -> dict[str, Path]:
    """The run's files, each checked against its recorded sha256."""
    files = {}
    for table, meta in archive["tables"].items():
        path = archive["path"] / f"{table}.parquet"
        if not path.is_file():
            raise ArchiveError(f"run {run_id} is archived but {path} is missing")
        stat = path.stat()
        if _sha256_of(str(path), stat.st_size, stat.st_mtime_ns) != meta["sha256"]:
            raise ArchiveError(f"{path} does not match its recorded sha256: not used")
        files[table] = path
    return files


@functools.lru_cache(maxsize=256)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    """A file's sha256, once per process while its size and mtime stay: the workbench explains
    many accounts of one archived run, and hashing a 1M run's files takes a second or two."""
    return sha256_file(path)


def list_archives(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every archived run, oldest first: as-of, status, rows and MiB moved, when, and where."""
    root = _connection_root(con) or Path(".")
    try:
        rows = sql.rows(con, "audit/archive_list.sql")
    except duckdb.CatalogException:  # older than migration 095: nothing archived
        return []
    for r in rows:
        r["path"] = str(root / r["path"])
    return rows


def is_archived(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    return _archive_record(con, run_id) is not None


def restore_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    root: Path | None = None,
    keep_files: bool = False,
) -> ArchivedRun:
    """Put an archived run's rows back into the database (its files verified first), then
    remove its archive folder. A replay restores the run into its scratch copy of the
    database: `root` is then the live database's archive folder and `keep_files` leaves it."""
    archive = _archive_row(con, run_id, root)
    if archive is None:
        raise UsageError(f"run {run_id} is not archived (nothing to restore)")
    files = _verified_files(run_id, archive)
    run = ArchivedRun(run_id=run_id, status="", as_of=None, path=str(archive["path"]))
    with sql.transaction(con):
        for table, path in files.items():
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
            con.execute(f"INSERT INTO {table} BY NAME {_archived_select(con, table, path)}")
            run.rows[table] = _count(con, table, run_id)
        con.execute("DELETE FROM run_archives WHERE run_id = ?", [run_id])
    if not keep_files:
        shutil.rmtree(archive["path"], ignore_errors=True)
    return run


@contextlib.contextmanager
def archived_run_views(con: duckdb.DuckDBPyConnection, run_id: str) -> Iterator[bool]:
    """While open, the archived tables read as the table plus `run_id`'s files, when that run
    is archived (yields whether it is): temp views of the same names, which DuckDB resolves
    before the database's tables, so lineage queries read an archived run unchanged. Works on
    a read-only connection; the views are dropped on exit."""
    archive = _archive_row(con, run_id)
    if archive is None:
        yield False
        return
    files = _verified_files(run_id, archive)
    db = con.execute("SELECT current_database()").fetchall()[0][0]
    qualified = '"' + str(db).replace('"', '""') + '".main'
    try:
        for table, path in files.items():
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {qualified}.{table}"
                f" UNION ALL BY NAME {_archived_select(con, table, path)}"
            )
        yield True
    finally:
        for table in files:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{table}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
