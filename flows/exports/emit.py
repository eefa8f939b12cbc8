"""Write a run's exports: contacts, matches, flags, location info, delta, work list, imports.

Everything here leaves the building, so three properties matter more than speed:

* **Atomic files** (`skiptrace/atomic.py`): each file is written under a temporary name in the
  same folder, made private (0600 or $SKIPTRACE_FILE_MODE), fsynced and renamed; a crash
  mid-export leaves the previous file intact.
* **Complete or visibly not**: `emit` first drops an `INCOMPLETE` marker into the run folder.
  Only when every stage has succeeded does the refresh write `manifest.json`
  (`write_manifest`), record the run completed, and remove the marker (`mark_complete`). A
  folder with a manifest and no marker is a complete export set; anything else (a killed or
  failed run) is not, whatever files it holds.
* **Spreadsheet-safe CSV**: a cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with
  `'` (OWASP CSV injection), because collectors open these files in Excel and vendor data is
  attacker-controllable (a "name" of `=HYPERLINK(...)`). Parquet keeps raw values: it is for
  programs, not spreadsheets.
* **Lineage**: every file is recorded in `exports` with its SHA-256 and row count.

The queries are in `sql/exports/export_*.sql`; the confidence bands used by the import layouts
come from the rules file (`bands:`), next to the compliance rules they work with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.atomic import atomic_path, atomic_write_text, private_dir, sha256_file

if TYPE_CHECKING:
    from skiptrace.matchers.suppress import Bands

#: Present in a run folder from the first export until the manifest is written (README).
INCOMPLETE_MARKER = "INCOMPLETE"
MANIFEST = "manifest.json"

#: Exact column contract of contacts.csv / contacts.parquet.
CONTACT_COLUMNS: tuple[str, ...] = (
    "account_id", "contact_type", "rank", "address_line1", "address_line2", "city", "state", "zip",
    "street_number", "street_name", "unit", "phone", "phone_type", "email", "confidence", "status",
    "sources", "first_seen", "last_seen", "reasons", "run_id", "on_hold", "contact_key",
)  # fmt: skip
MATCH_COLUMNS: tuple[str, ...] = (
    "account_id",
    "source",
    "record_id",
    "match_probability",
    "role",
    "run_id",
)
#: `legal_hold` last, so readers by position keep working (docs/compliance.md, SCRA).
FLAG_COLUMNS: tuple[str, ...] = (
    "account_id", "flag", "confidence", "evidence", "run_id", "legal_hold",
)  # fmt: skip

#: ZIP formats of the exports: five digits (default) or ZIP+4 where all nine digits are known.
ZIP_FORMATS: tuple[str, ...] = ("zip5", "zip+4")

#: Exports queued for the background writer at most: a frame (contacts), or a query whose rows
#: DuckDB holds until the writer reads them (the others).
_MAX_PENDING_WRITES = 2

#: Rows of an export read from DuckDB, escaped and written at a time. Holding each file's whole
#: frame (and its escaped copy) in Python is what set emit's peak at 1M accounts: delta.csv's
#: 4.9M rows of 42 columns are 1.56 GiB as a frame (docs/performance.md, issue 20).
EXPORT_BATCH_ROWS = 100_000

#: Leading characters a spreadsheet may interpret as a formula (plus tab / carriage return).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"


@dataclass(frozen=True)
class ExportFile:
    """One written export: what it is, where, its checksum and row count."""

    kind: str
    path: Path
    sha256: str
    rows: int

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def escape_formula(value: str | None) -> str | None:
    """`'=SUM(A1)` instead of `=SUM(A1)`: the cell shows as text, nothing executes."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Apply `escape_formula` to every string column (vectorized)."""
    exprs = [
        pl.when(pl.col(c).str.contains(_FORMULA_RE))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, t in df.schema.items()
        if t == pl.String
    ]
    return df.with_columns(exprs) if exprs else df


def write_csv(df: pl.DataFrame, path: Path) -> tuple[str, int]:
    """Escape, write atomically; returns (sha256, rows). Escaped and written
    `EXPORT_BATCH_ROWS` rows at a time, so no escaped copy of the whole frame is made."""
    slices = df.iter_slices(EXPORT_BATCH_ROWS) if df.height else iter([df])
    return write_csv_frames(slices, path)


def write_csv_frames(frames: Iterable[pl.DataFrame], path: Path) -> tuple[str, int]:
    """One CSV file of consecutive frames (same columns), the header from the first, each
    escaped as it comes and appended; atomic; returns (sha256, rows). The bytes are those of
    the frames' concatenation written at once: polars formats every value on its own."""
    rows = 0
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            for k, df in enumerate(frames):
                escape_frame(df).write_csv(fh, include_header=k == 0)
                rows += df.height
        digest = sha256_file(tmp)
    return digest, rows


def write_parquet(df: pl.DataFrame, path: Path) -> tuple[str, int]:
    with atomic_path(path) as tmp:
        df.write_parquet(tmp)
        digest = sha256_file(tmp)
    return digest, df.height


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pl.DataFrame:
    """Run an export query, giving it those of the run's values it names."""
    file = f"exports/{name}"
    wanted = sql.parameters(con, file)
    return sql.query(con, file, **{k: v for k, v in params.items() if k in wanted})


def _stream(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any],
    columns: tuple[str, ...] | None = None,
) -> Iterator[pl.DataFrame]:
    """An export query's rows as frames of `EXPORT_BATCH_ROWS`, for the background writer.

    The query runs on a cursor of its own (a second connection to the same database, with its
    own export macros), so the writer can read it while the next export's query runs on `con`.
    Its blocking part (the sort every export ends with) runs here, before this returns; the
    rows stay in DuckDB, under its memory limit, until the writer reads them. The cursor is
    closed after the last frame. `columns`: the file's columns, in order, of the query's.
    A cursor reads what is committed: emit runs outside a transaction (its delta points are
    written in one of their own, committed before the delta's query)."""
    cur = con.cursor()
    try:
        create_export_macros(cur)
        file = f"exports/{name}"
        wanted = sql.parameters(cur, file)
        args = {k: v for k, v in params.items() if k in wanted}
        frames = sql.batches(cur, file, EXPORT_BATCH_ROWS, **args)
        first = next(frames)
    except BaseException:
        cur.close()
        raise

    def read() -> Iterator[pl.DataFrame]:
        try:
            for df in itertools.chain([first], frames):
                yield df if columns is None else df.select(columns)
        finally:
            frames.close()
            cur.close()

    return read()


def _record(con: duckdb.DuckDBPyConnection, run_id: str, f: ExportFile) -> None:
    con.execute("DELETE FROM exports WHERE run_id = ? AND path = ?", [run_id, str(f.path)])
    con.execute(
        "INSERT INTO exports (run_id, kind, path, sha256, rows, written_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            run_id,
            f.kind,
            str(f.path),
            f.sha256,
            f.rows,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        ],
    )


def _run_as_of(con: duckdb.DuckDBPyConnection, run_id: str) -> dt.date:
    row = con.execute("SELECT as_of FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return row[0] if row and row[0] else dt.date.today()


def _previous_run(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    from skiptrace.flows.audit.runs import previous_completed_run

    return previous_completed_run(con, run_id)


def _delta_params(
    con: duckdb.DuckDBPyConnection, prev_run_id: str | None, rules: Path | None, bands: Bands
) -> dict[str, Any]:
    """What delta.csv needs besides the run's own values: the previous run's bands, so a contact
    whose import status or hold changed because the rules file's `bands:` changed shows up (each
    run judged under the rules it recorded, as the push does; a run from before migration 106
    under `rules`, and if that file cannot be read now under this run's `bands`, as the delta
    judged it before), and the actions that suppress a contact (its rules are named)."""
    from skiptrace.flows.audit.run_config import run_rules
    from skiptrace.matchers.suppress import SUPPRESSING

    prev = bands
    if prev_run_id:
        try:
            prev = run_rules(con, prev_run_id, rules).bands
        except (OSError, ValueError):  # the file is gone or no longer valid (ConfigError too)
            prev = bands
    return {
        "prev_good": prev.good,
        "prev_verify": prev.verify,
        "prev_bad": prev.bad,
        "suppressing": sorted(SUPPRESSING),
    }


#: The export queries' temporary macros, in the order they are created (export_macros.sql
#: calls point_macros.sql's): `create_export_macros`.
EXPORT_MACROS = ("exports/point_macros.sql", "exports/export_macros.sql")
#: The SQL that computes a run's stored delta points (`delta_definition`): the macros
#: delta_points_of is made of and the statement that writes its rows. Not export_macros.sql:
#: none of its macros decides a stored point's values (the delta's own, delta_points_tracked and
#: the like, read stored and recomputed points alike), so an edit there keeps them in use.
DELTA_POINT_SQL = ("exports/point_macros.sql", "exports/delta_points_write.sql")


def create_export_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the export queries' temporary macros (`EXPORT_MACROS`) on `con`: emit, the push
    and anything that runs an export query by itself do this first."""
    for name in EXPORT_MACROS:
        sql.run(con, name)


@cache
def delta_definition() -> str:
    """The digest of what computes a run's delta_points rows (migration 120): `DELTA_POINT_SQL`
    and the DuckDB version that runs it (`definition_digest`). A later delta uses a previous
    run's stored rows only when they carry this digest, so a release that changes how a
    point's usability is computed recomputes the previous run once instead of comparing with
    rows the old code wrote, and one that changes only another export's macros does not."""
    return definition_digest(sql.load)


def definition_digest(read: Callable[[str], str]) -> str:
    """The digest of `DELTA_POINT_SQL` as `read` gives each file's text (sql.load; a test
    gives edited texts), with the DuckDB version."""
    text = "".join(f"-- {name}\n{read(name)}\n" for name in DELTA_POINT_SQL)
    return hashlib.sha256(f"{text}-- duckdb {duckdb.__version__}".encode()).hexdigest()


def delta_frame(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pl.DataFrame:
    """delta.csv of `params["run_id"]` as one frame (`create_export_macros` must have run):
    see `delta_query`, which emit streams instead."""
    return _query(con, *delta_query(con, params))


def delta_query(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The query of delta.csv of `params["run_id"]` and its values, once the run's points are
    stored (`create_export_macros` must have run).

    The run's points as the delta reads them are stored first (delta_points, migration 120:
    sql/exports/delta_points_write.sql), with the prune of rows no later delta needs
    (delta_points_prune.sql), in one transaction: this delta reads them back, and the next
    run's delta reads them as its previous run's instead of recomputing that run's usability
    (the 1M night's delta, 79-90 s, computed both runs' every night). With no previous run
    every point is `added` and the comparison is skipped (export_delta_added.sql); a previous
    run whose stored rows are missing or not what would be computed now is recomputed
    (delta_points_stored.sql, export_delta.sql): the file is the same either way."""
    run_id, prev_run_id = params["run_id"], params["prev_run_id"]
    definition = delta_definition()
    with sql.transaction(con):
        sql.run(
            con,
            "exports/delta_points_write.sql",
            run_id=run_id,
            definition=definition,
            zip_format=params["zip_format"],
            bad=params["bad"],
            verify=params["verify"],
            written_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        sql.run(con, "exports/delta_points_prune.sql", run_id=run_id, prev_run_id=prev_run_id)
    if prev_run_id is None:
        return "export_delta_added.sql", params
    stored = sql.scalar(
        con,
        "exports/delta_points_stored.sql",
        prev_run_id=prev_run_id,
        definition=definition,
        zip_format=params["zip_format"],
        prev_bad=params["prev_bad"],
        prev_verify=params["prev_verify"],
    )
    return "export_delta.sql", {**params, "prev_recompute": not stored}


def emit(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    out_dir: Path,
    *,
    rules: Path | None = None,
    zip_format: str = "zip5",
) -> list[ExportFile]:
    """Write every export of `run_id` into `out_dir` and record them in `exports`.

    `zip_format` ('zip5' or 'zip+4') is the one ZIP format of every file that carries ZIPs."""
    from skiptrace.flows.audit.run_config import run_rules

    if zip_format not in ZIP_FORMATS:
        raise ValueError(f"zip_format must be one of {', '.join(ZIP_FORMATS)}, got {zip_format!r}")
    out_dir = private_dir(out_dir)
    mark_incomplete(out_dir, run_id, database=database_record(con))
    bands = run_rules(con, run_id, rules).bands  # the rules suppress applied and recorded
    prev_run_id = _previous_run(con, run_id)
    params: dict[str, Any] = {
        "run_id": run_id,
        "prev_run_id": prev_run_id,
        "as_of": _run_as_of(con, run_id),
        "good": bands.good,
        "verify": bands.verify,
        "bad": bands.bad,
        "zip_format": zip_format,
        **_delta_params(con, prev_run_id, rules, bands),
    }
    create_export_macros(con)
    written: list[ExportFile] = []
    # Files are written by one background thread while the next export's query runs in DuckDB
    # (both release the GIL), at most _MAX_PENDING_WRITES exports waiting; they are recorded in
    # `exports` here, in order, once written. Each file is still atomic on its own. Every file
    # but contacts is read from DuckDB EXPORT_BATCH_ROWS rows at a time as it is written
    # (`_stream`); contacts is one frame, as contacts.parquet is written from the whole frame
    # (its row groups depend on it).
    pending: deque[tuple[str, Path, Future[tuple[str, int]]]] = deque()

    def record_oldest() -> None:
        kind, path, future = pending.popleft()
        digest, rows = future.result()
        f = ExportFile(kind, path, digest, rows)
        _record(con, run_id, f)
        written.append(f)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="emit-writer") as writer:

        def write(kind: str, file_name: str, df: pl.DataFrame, fn: Any = None) -> None:
            while len(pending) >= _MAX_PENDING_WRITES:
                record_oldest()
            path = out_dir / file_name
            pending.append((kind, path, writer.submit(fn or write_csv, df, path)))

        def stream(
            kind: str,
            file_name: str,
            name: str,
            query_params: dict[str, Any],
            columns: tuple[str, ...] | None = None,
        ) -> None:
            frames = _stream(con, name, query_params, columns)
            while len(pending) >= _MAX_PENDING_WRITES:
                record_oldest()
            path = out_dir / file_name
            pending.append((kind, path, writer.submit(write_csv_frames, frames, path)))

        contacts = _query(con, "export_contacts.sql", params).select(CONTACT_COLUMNS)
        write("contacts_csv", "contacts.csv", contacts)
        write("contacts_parquet", "contacts.parquet", contacts, write_parquet)
        del contacts
        stream("matches", "matches.csv", "export_matches.sql", params, MATCH_COLUMNS)
        stream("account_flags", "account_flags.csv", "export_flags.sql", params, FLAG_COLUMNS)
        stream("location_info", "location_info.csv", "export_location_info.sql", params)
        stream("delta", "delta.csv", *delta_query(con, params))
        stream("worklist", "worklist.csv", "export_worklist.sql", params)
        stream("import_phones", "import_phones.csv", "export_import_phones.sql", params)
        stream("import_addresses", "import_addresses.csv", "export_import_addresses.sql", params)
        while pending:
            record_oldest()

    return written


#: The line of the INCOMPLETE marker that names the database writing the folder.
_DATABASE_LINE = "database: "


def database_record(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Which database writes a run folder: the resolved path of the file `con` has open and the
    database's id (migration 119; None before it). Recorded in the folder's manifest and
    INCOMPLETE marker so that `archive` removes a folder only for the database that wrote it: a
    copy of the file holds the same id and rows, only the path it is opened at tells it from the
    original (flows/exports/outputs.py)."""
    opened = sql.scalar(con, "ingest/database_path.sql")
    path = str(Path(opened).resolve()) if opened and opened != ":memory:" else None
    try:
        database_id = sql.scalar(con, "push/database_id.sql")
    except duckdb.CatalogException:  # a database older than migration 119
        database_id = None
    return {"path": path, "id": None if database_id is None else str(database_id)}


def folder_database(folder: Path) -> dict[str, Any] | None:
    """The database a run folder records (its manifest's `database`, else its INCOMPLETE
    marker's line), or None: a folder written before they were recorded, or unreadable."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict):
        found = manifest.get("database")
        return found if isinstance(found, dict) else None
    return _marker_database(Path(folder) / INCOMPLETE_MARKER)


def _marker_database(marker: Path) -> dict[str, Any] | None:
    try:
        lines = marker.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(_DATABASE_LINE):
            try:
                found = json.loads(line[len(_DATABASE_LINE) :])
            except ValueError:
                return None
            return found if isinstance(found, dict) else None
    return None


def mark_incomplete(
    out_dir: Path,
    run_id: str,
    why: str = "is being written",
    *,
    database: dict[str, str | None] | None = None,
) -> Path:
    """Write the INCOMPLETE marker: this folder is not (yet) a complete export set.

    Written before the first export, so a run killed at any point after that leaves a folder
    that says so; a failed run rewrites it with the reason. `database` (database_record) names
    the database writing the folder; a rewrite without it keeps the one the marker names.
    """
    marker = Path(out_dir) / INCOMPLETE_MARKER
    if database is None:
        database = _marker_database(marker)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = (
        f"run {run_id} {why} ({now}).\n"
        f"This folder is not a complete export set: use it only once {MANIFEST} exists and this "
        "file is gone.\n"
    )
    if database is not None:
        text += _DATABASE_LINE + json.dumps(database) + "\n"
    return atomic_write_text(marker, text)


def write_manifest(con: duckdb.DuckDBPyConnection, run_id: str, out_dir: Path) -> ExportFile:
    """Write manifest.json once a run has succeeded (the INCOMPLETE marker stays until
    `mark_complete`, after the run is recorded completed).

    The manifest lists every file recorded in `exports` for the run (and run_summary.json when
    present) with its sha256 and rows; a consumer checks the hashes before importing.
    """
    out_dir = Path(out_dir)
    files = sql.rows(con, "exports/manifest_files.sql", run_id=run_id)
    entries = [
        {"kind": f["kind"], "file": Path(f["path"]).name, "sha256": f["sha256"], "rows": f["rows"]}
        for f in files
        if f["kind"] != "manifest"
    ]
    summary = out_dir / "run_summary.json"
    if summary.is_file():
        entries.append(
            {"kind": "run_summary", "file": summary.name, "sha256": sha256_file(summary), "rows": 1}
        )
    manifest = {
        "run_id": run_id,
        "previous_run_id": _previous_run(con, run_id),
        "as_of": str(_run_as_of(con, run_id)),
        "status": "completed",
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": entries,
        # which database wrote the folder: `archive` on a copy of it leaves the folder
        "database": database_record(con),
    }
    path = atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    f = ExportFile("manifest", path, sha256_file(path), len(entries))
    _record(con, run_id, f)
    return f


def mark_complete(out_dir: Path) -> None:
    """Remove the INCOMPLETE marker: the run is recorded completed and its manifest written."""
    from skiptrace.atomic import fsync_dir

    (Path(out_dir) / INCOMPLETE_MARKER).unlink(missing_ok=True)
    fsync_dir(Path(out_dir))
