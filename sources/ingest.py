"""Ingestion: account exports and registry sources into DuckDB, never losing a row.

Every physical data line of a file ends up either loaded (`accounts` / `source_records`, plus
`source_contacts`) or in `quarantine` with its line number, a reason and the raw line (SSNs
masked); `input_files` records the counts, checksum, permissible purpose and reliability, so an
auditor can reconcile `rows_read = rows_loaded + rows_rejected` per file.

One file is one transaction: a failure part-way leaves nothing behind. Re-running is safe: a
file whose bytes, or whose content (gunzipped, line ends made LF: `content_fingerprint`), are
already loaded is skipped, and a corrected re-delivery of a file name (new content) is refused
unless `replace=True`, which marks the earlier load `superseded` so the `current_*` views stop
showing its rows. A record a later file of its source delivers again (same record_id)
supersedes its earlier row the same way, row by row (sql/ingest/supersede_records.sql); a
snapshot account export keeps the previous version of an account whose row in it was
quarantined (sql/ingest/snapshot_keep.sql). Rows are never deleted: lineage of past runs stays
explainable.

Flow per file: fingerprint -> idempotency check -> parse lines (readers) -> build the staging
query (validate) -> one transaction: stage into a TEMP table, insert rows, contacts, quarantine
and the `input_files` row.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import hashlib
import itertools
import logging
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.sources import pii, readers
from skiptrace.sources.errors import IngestError, MappingError, RedeliveryError
from skiptrace.sources.names import add_name_split, joint_second_name_sql
from skiptrace.sources.registry import (
    ACCOUNT_FIELDS,
    ACCOUNT_FLAG_FIELDS,
    KIND_FIELDS,
    PERSON_FIELDS,
    AccountProfile,
    ContactGroup,
    ReadOptions,
    Source,
)
from skiptrace.sources.validate import (
    DEFAULT_FALSE,
    DEFAULT_TRUE,
    FieldErrorMode,
    Stage,
    TextCheck,
    issue_value_sql,
    lit,
)

log = logging.getLogger(__name__)

REC_ID_FACTOR = 10_000_000_000
ACCOUNTS_SOURCE = "accounts"
NCOA_RETURN_CODES = ("A", "00", "01", "02", "03", "05", "14", "19", "91", "92")
MOVE_TYPES = ("I", "F", "B")
BK_CHAPTERS = ("7", "9", "11", "12", "13", "15")

Status = Literal["loaded", "skipped_duplicate", "superseded_previous"]
#: Rows whose key is an SSN (`ssn_in_key` / `ssn_as_key`, validate.Stage.identifier) are
#: quarantined one by one; when they are more than this share of a file, the file is keyed by
#: SSN and is refused whole (SsnKeyedFileError).
SSN_KEYED_FILE_SHARE = 0.5
_GZIP_MAGIC = b"\x1f\x8b"
_SSN_KEY_REASON = "(^|; )ssn_(in|as)_key: "


class SsnKeyedFileError(IngestError):
    """Most rows of a file use an SSN as their key (account_id written like an SSN, or equal to
    the row's SSN): the export itself is keyed by SSN. Quarantining row after row would load
    nothing useful and leave a quarantine of SSN-keyed lines, so nothing is loaded and the
    operator gets one line: ask the creditor for an export keyed by its account number."""

    def __init__(self, path: Path, column: str, rows: int, total: int) -> None:
        self.path, self.column, self.rows, self.total = path, column, rows, total
        super().__init__(
            f"{path.name}: {rows} of {total} rows use an SSN as their {column} (written like "
            "an SSN, or the row's own SSN); the file is keyed by SSN and was not loaded: "
            f"ask for an export keyed by the creditor's account number"
        )


_counter = itertools.count()


@dataclass
class FileResult:
    """Outcome of ingesting one file (also what the CLI prints)."""

    path: Path
    source: str
    kind: str
    file_no: int | None
    sha256: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    status: Status
    message: str
    #: fields NULLed or repaired in loaded rows (table `field_issues`)
    field_issues: int = 0
    #: what the run must not miss about this file (run warnings, exit 7): accounts a snapshot
    #: kept because their rows were quarantined, closures it cannot vouch for
    warnings: list[str] = field(default_factory=list)
    #: a skipped duplicate: the file_no of the loaded file with the same bytes or content
    same_as: int | None = None


# --- public API ---------------------------------------------------------------------------


def ingest_accounts(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    profile: AccountProfile,
    run_id: str,
    *,
    replace: bool = False,
) -> FileResult:
    """Load one account export read with `profile` into `accounts`."""
    meta = _FileMeta(source=ACCOUNTS_SOURCE, kind="accounts")
    return _ingest_file(
        con,
        Path(path),
        profile,
        meta,
        run_id,
        replace,
        _account_stage(profile),
        snapshot=profile.delivery == "snapshot",
    )


def check_account_columns(path: str | Path, profile: AccountProfile) -> None:
    """From the header alone: MissingColumnsError now if the account export lacks a column the
    profile requires, the error its load would raise (the command's preflight, before Prefect)."""
    _check_columns(Path(path), profile, _account_stage(profile))


def check_source_columns(source: Source) -> None:
    """check_account_columns for every file of a registry source."""
    for path in source.files():
        _check_columns(path, source, _source_stage(source))


def _check_columns(path: Path, opts: ReadOptions, plan: _Plan) -> None:
    """Run the file's load plan over its header only: the plan records every column it needs
    and does not find, as during the load (same Stage, same plan), and nothing is read past the
    first line."""
    columns = readers.header_columns(path, opts)
    if columns is None:  # not checkable from the first bytes: the load checks it
        return
    info = readers.FileInfo(path, "", 0, dt.datetime.fromtimestamp(path.stat().st_mtime))
    parsed = readers.ParsedFile(
        info=info,
        columns=columns,
        source_sql="",
        raw_sql="",
        encoding="",
    )
    stage = Stage(parsed, date_formats=opts.date_formats, max_field_length=opts.max_field_length)
    plan(stage, _Ctx(file_name=path.name, mtime_date=info.mtime.date(), final={}))
    stage.raise_missing()


def revert_run_loads(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Undo what a refused run's ingest changed: its files 'refused', the files they superseded
    current again (sql/ingest/revert_run.sql). Returns how many files the run had loaded."""
    with sql.transaction(con):
        n = sql.scalar(
            con,
            "SELECT count(*) FROM input_files WHERE run_id = $run_id AND status = 'loaded'",
            run_id=run_id,
        )
        sql.run(con, "ingest/revert_run.sql", run_id=run_id)
    return int(n or 0)


def list_field_issues(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> pl.DataFrame:
    """Field issues (all runs, or one) in file and line order, for `skiptrace rejects --fields`."""
    return sql.query(con, "ingest/list_field_issues.sql", run_id=run_id)


def field_issue_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Field issues of a run by source, column, reason and action (report, run summary)."""
    return sql.query(con, "ingest/field_issue_counts.sql", run_id=run_id)


def ingest_source(
    con: duckdb.DuckDBPyConnection, source: Source, run_id: str, *, replace: bool = False
) -> list[FileResult]:
    """Load every file of a registry source (sorted by name); [] when none is present."""
    meta = _FileMeta(
        source=source.name,
        kind=source.kind,
        permissible_purpose=source.permissible_purpose,
        reliability=source.reliability,
        record_date_rule=_record_date_rule(source),
        on_field_error=source.on_field_error,
    )
    results = []
    for path in source.files():
        results.append(
            _ingest_file(con, path, source, meta, run_id, replace, _source_stage(source))
        )
    return results


def list_rejects(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, *, unmasked: bool = False
) -> pl.DataFrame:
    """Quarantined rows (all runs, or one), in file and line order, for `skiptrace rejects`.

    Raw lines come masked (every letter and digit, shape kept) unless `unmasked`; the caller
    records an unmasked use (skiptrace.flows.audit.pii_access)."""
    cur = con.execute(sql.load("ingest/list_rejects.sql"), {"run_id": run_id, "unmasked": unmasked})
    names = [d[0] for d in cur.description]
    schema = {n: pl.Int64 if n in ("file_no", "line_no") else pl.String for n in names}
    return pl.DataFrame(cur.fetchall(), schema=schema, orient="row")


# --- per-file driver ------------------------------------------------------------------------


@dataclass
class _FileMeta:
    source: str
    kind: str
    permissible_purpose: str | None = None
    reliability: float | None = None
    record_date_rule: str | None = None
    #: account rows are never dropped for a field defect, so only sources may say "reject"
    on_field_error: FieldErrorMode = "null"


# A stage plan fills a Stage for a parsed file and returns the inserts to run from it.
_Plan = Callable[[Stage, "_Ctx"], list[str]]


@dataclass
class _Ctx:
    """What a plan may use; `{file_no}` and `{stage}` in its SQL are bound at load time."""

    file_name: str
    mtime_date: dt.date
    final: dict[str, str]


def _record_date_rule(source: Source) -> str:
    if source.record_date is None:
        return "file_mtime"
    return source.record_date


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    opts: ReadOptions,
    meta: _FileMeta,
    run_id: str,
    replace: bool,
    plan: _Plan,
    *,
    snapshot: bool = False,
) -> FileResult:
    """Load one file in one transaction. `snapshot`: the file is the source's whole current
    delivery, so every other current file of the source is superseded by it."""
    path = path.resolve()
    info = readers.fingerprint(path, keep_bytes=opts.format != "parquet")
    content = content_fingerprint(info)

    def result(
        status: Status,
        message: str,
        file_no: int | None = None,
        counts: tuple[int, int, int] = (0, 0, 0),
    ) -> FileResult:
        return FileResult(
            path, meta.source, meta.kind, file_no, info.sha256, *counts, status, message
        )

    dup = con.execute(
        "SELECT file_no, source, path, sha256 = ? FROM input_files "
        "WHERE (sha256 = ? OR content_sha256 = ?) AND status = 'loaded' "
        "ORDER BY sha256 = ? DESC, file_no LIMIT 1",
        [info.sha256, info.sha256, content, info.sha256],
    ).fetchone()
    if dup:
        same = "same sha256" if dup[3] else "same content (other compression or line ends)"
        msg = f"{same} already loaded as file_no {dup[0]} (source {dup[1]}, {dup[2]}); nothing inserted"
        log.info("%s: skipped duplicate: %s", path.name, msg)
        skipped = result("skipped_duplicate", msg)
        skipped.same_as = int(dup[0])
        return skipped
    previous = con.execute(
        "SELECT file_no, sha256 FROM input_files WHERE source = ? AND file_name = ? "
        "AND status = 'loaded' ORDER BY file_no",
        [meta.source, path.name],
    ).fetchall()
    if previous and not replace:
        raise RedeliveryError(path, meta.source, previous[-1][0], previous[-1][1])

    closed = 0  # earlier account files a snapshot supersedes
    redelivered: tuple[int, list[int]] = (0, [])  # records of earlier files this one supersedes
    warnings: list[str] = []
    view = f"_ingest_lines_{uuid.uuid4().hex[:8]}_{next(_counter)}"
    parsed = readers.open_file(con, info, opts, view)
    info.data = None  # the decoded lines are registered; drop the raw bytes early
    try:
        stage = Stage(
            parsed,
            date_formats=opts.date_formats,
            max_field_length=opts.max_field_length,
            on_field_error=meta.on_field_error,
            as_of=_run_as_of(con, run_id),
        )
        ctx = _Ctx(file_name=path.name, mtime_date=info.mtime.date(), final={})
        inserts = plan(stage, ctx)
        stage.raise_missing()  # before anything is written
        params = pii.hmac_pads(con=con) if stage.needs_hmac else {}
        stage_sql = stage.sql(ctx.final)
        with sql.transaction(con):
            file_no = int(sql.scalar(con, "SELECT nextval('file_no_seq')"))

            def bind(statement: str) -> str:
                return statement.replace("{stage}", stage_table).replace("{file_no}", str(file_no))

            stage_table = f"_ingest_stage_{file_no}"
            con.execute(bind(f"CREATE TEMP TABLE {{stage}} AS {stage_sql}"), params)
            for statement in stage.dedupe_sql(stage_table):
                con.execute(statement)
            if snapshot:  # before any supersession: current_accounts is the state before
                warnings += _snapshot_keep(con, bind, parsed, opts, stage, file_no, path, run_id)
            if previous:
                sql.run(
                    con,
                    "ingest/supersede.sql",
                    file_no=file_no,
                    source=meta.source,
                    file_name=path.name,
                )
            if snapshot:
                closed = int(
                    sql.scalar(
                        con,
                        "SELECT count(*) FROM input_files WHERE source = $source"
                        " AND status = 'loaded' AND file_no <> $file_no",
                        source=meta.source,
                        file_no=file_no,
                    )
                    or 0
                )
                sql.run(con, "ingest/supersede_snapshot.sql", file_no=file_no, source=meta.source)
            if meta.source != ACCOUNTS_SOURCE:
                found = sql.rows(
                    con,
                    bind(sql.load("ingest/supersede_records.sql")),
                    file_no=file_no,
                    source=meta.source,
                    rec_id_factor=REC_ID_FACTOR,
                )[0]
                redelivered = (int(found["n"]), [int(f) for f in found["files"] or []])
            counted = con.execute(
                bind(
                    "SELECT count(*), count(reason), coalesce(sum(len(_issues)) "
                    "FILTER (WHERE reason IS NULL), 0) FROM {stage}"
                )
            ).fetchall()
            rows_read, rows_rejected, field_issues = counted[0]
            keyed = con.execute(
                bind(
                    "SELECT count(*), any_value(regexp_extract(reason, "
                    f"{lit(_SSN_KEY_REASON + '([a-z_]+)')}, 3)) FROM {{stage}} "
                    f"WHERE regexp_matches(reason, {lit(_SSN_KEY_REASON)})"
                )
            ).fetchall()[0]
            if keyed[0] and keyed[0] > SSN_KEYED_FILE_SHARE * rows_read:
                raise SsnKeyedFileError(path, keyed[1], int(keyed[0]), int(rows_read))
            rows_loaded = rows_read - rows_rejected
            con.execute(
                sql.load("ingest/input_file_insert.sql"),
                {
                    "file_no": file_no,
                    "run_id": run_id,
                    "source": meta.source,
                    "kind": meta.kind,
                    "path": str(path),
                    "file_name": path.name,
                    "sha256": info.sha256,
                    "content_sha256": content,
                    "size_bytes": info.size_bytes,
                    "received_at": info.mtime,
                    "loaded_at": dt.datetime.now(),
                    "permissible_purpose": meta.permissible_purpose,
                    "reliability": meta.reliability,
                    "record_date_rule": meta.record_date_rule,
                    "rows_read": rows_read,
                    "rows_loaded": rows_loaded,
                    "rows_rejected": rows_rejected,
                    "encoding": parsed.encoding,
                    "lines_fallback_decoded": parsed.lines_fallback_decoded,
                    "lines_control_stripped": parsed.lines_control_stripped,
                    "field_issues": field_issues,
                },
            )
            for statement in inserts:
                con.execute(bind(statement))
            con.execute(
                bind(sql.load("ingest/quarantine_insert.sql")),
                {"run_id": run_id, "file_no": file_no, "source": meta.source, "path": str(path)},
            )
            con.execute(
                bind(
                    sql.render(
                        "ingest/field_issues_insert.sql",
                        value=issue_value_sql("i.value", "i.mask"),
                    )
                ),
                {"run_id": run_id, "file_no": file_no, "source": meta.source, "path": str(path)},
            )
            con.execute(bind("DROP TABLE {stage}"))
    finally:
        parsed.release(con)

    status: Status = "superseded_previous" if previous else "loaded"
    notes = list(parsed.notes)
    if previous:
        notes.append("superseded file_no " + ", ".join(str(p[0]) for p in previous))
    if closed:
        notes.append(
            f"the new snapshot of the portfolio: {closed} earlier account file(s) superseded"
        )
    if redelivered[0]:
        notes.append(
            f"{redelivered[0]} record(s) re-delivered: the earlier rows superseded "
            f"(file_no {', '.join(str(n) for n in redelivered[1])})"
        )
    message = (
        f"{rows_loaded} loaded, {rows_rejected} quarantined, {field_issues} field issue(s); "
        + "; ".join(notes + warnings)
    )
    log.info("%s: file_no %s %s: %s", path.name, file_no, status, message)
    for warning in warnings:
        log.warning("%s", warning)
    done = result(status, message, file_no, (rows_read, rows_loaded, rows_rejected))
    done.field_issues = int(field_issues)
    done.warnings = warnings
    return done


def content_fingerprint(info: readers.FileInfo) -> str | None:
    """sha256 of what a text file says, whatever bytes carried it: gunzipped, without a UTF-8 BOM,
    line ends made LF (CRLF, or CR alone) and trailing line ends dropped. The same extract sent
    gzipped, recompressed or with CRLF line ends has another sha256 of its bytes but this one, so
    it is skipped as loaded instead of loading every record a second time (double evidence).

    Computed from the bytes `readers.fingerprint` kept: a gzipped file is gunzipped here once and
    handed on decompressed (`info.data`), so the load does not gunzip it again. None for Parquet
    (its bytes are its content: its sha256 decides) and for a gzip stream that does not unpack
    (the load refuses it, saying why)."""
    data = info.data
    if data is None:
        return None
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return None
        info.data = data
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if b"\r" in data:  # bytes.replace copies; most files have no CR at all
        data = data.replace(b"\r\n", b"\n") if b"\n" in data else data.replace(b"\r", b"\n")
    end = len(data)
    while end > start and data[end - 1] == 0x0A:
        end -= 1
    return hashlib.sha256(memoryview(data)[start:end]).hexdigest()


def _snapshot_keep(
    con: duckdb.DuckDBPyConnection,
    bind: Callable[[str], str],
    parsed: readers.ParsedFile,
    opts: ReadOptions,
    stage: Stage,
    file_no: int,
    path: Path,
    run_id: str,
) -> list[str]:
    """Keep current the previous version of every account whose row in this snapshot export
    was quarantined (sql/ingest/snapshot_keep.sql), and say so: a run warning, since the kept
    row is older than the export. Returns the warnings.

    The account id of a quarantined row is its staged account_id, else read from the start of
    its raw line (a row split by a quoted line break has no fields at all). A quarantined row
    whose id cannot be read names no account: when the snapshot also closes accounts, one of
    them may be closed only because its row was quarantined, which is a warning too (the
    closure itself stands: the other closures are the export's own, and are normal turnover)."""
    column = opts.column_for("account_id") if isinstance(opts, AccountProfile) else "account_id"
    index = stage.index.get(column.strip().lower())
    found = sql.rows(
        con,
        bind(
            sql.render(
                "ingest/snapshot_keep.sql",
                raw_lines=parsed.raw_sql,
                raw_account_id=_leading_field_sql(opts, index),
                odd_quotes=_odd_quotes_sql(opts),
            )
        ),
        file_no=file_no,
    )[0]
    kept, closing, unknown = int(found["kept"]), int(found["closing"]), int(found["unknown"])
    con.execute("DROP TABLE _snapshot_quarantined")
    rejects = f"skiptrace rejects --run {run_id}"
    warnings = []
    if kept:
        warnings.append(
            f"{kept} account{'s' if kept != 1 else ''} kept from the previous export: "
            f"{'their rows' if kept != 1 else 'its row'} in {path.name} "
            f"{'were' if kept != 1 else 'was'} quarantined ({rejects})"
        )
    if unknown and closing:
        warnings.append(
            f"{path.name} closes {closing} account(s) while {unknown} of its quarantined rows "
            f"have no readable account id: an account may be closed only because its row was "
            f"quarantined; check them ({rejects})"
        )
    return warnings


def _leading_field_sql(opts: ReadOptions, index: int | None) -> str:
    """SQL over `raw`: field `index` (1-based) of a delimited line, read from the line's start,
    when the fields up to it are complete (each followed by the delimiter); else NULL. For a row
    the quoting broke (malformed_quotes: no fields at all), the key usually comes before the
    broken field. Quoted fields are unquoted; NULL for fixed-width and Parquet files, whose
    fields never depend on quoting (their staged value is used)."""
    if index is None or index > 1000 or opts.format in ("fixed_width", "parquet"):
        return "NULL"  # (RE2 repeats a group at most 1000 times)
    d = _re_char(opts.default_delimiter() or ",")
    quote = opts.quote
    if quote:
        q = _re_char(quote)
        one = f"{q}(?:[^{q}]|{q}{q})*{q}|[^{d}{q}]*"
    else:
        one = f"[^{d}]*"
    pattern = lit(f"^(?:(?:{one}){d}){{{index - 1}}}({one}){d}")
    value = f"regexp_extract(raw, {pattern}, 1)"
    if quote:
        value = (
            f"CASE WHEN starts_with({value}, {lit(quote)}) "
            f"THEN replace({value}[2:-2], {lit(quote * 2)}, {lit(quote)}) ELSE {value} END"
        )
    return f"nullif(trim({value}), '')"


def _odd_quotes_sql(opts: ReadOptions) -> str:
    """SQL over `raw`: the line has an odd number of quote characters (it opens or closes a
    quoted field that spans lines)."""
    if not opts.quote or opts.format in ("fixed_width", "parquet"):
        return "false"
    q = lit(opts.quote)
    return f"(length(raw) - length(replace(raw, {q}, ''))) % 2 = 1"


def _re_char(ch: str) -> str:
    """One character for an RE2 pattern, inside or outside a character class."""
    if ch == "\t":
        return "\\t"
    return ch if ch.isalnum() else "\\" + ch


def _run_as_of(con: duckdb.DuckDBPyConnection, run_id: str) -> dt.date:
    """The run's as-of date (dates after it are field defects); today outside a recorded run."""
    found = con.execute(sql.load("ingest/run_as_of.sql"), {"run_id": run_id}).fetchall()
    day = found[0][0] if found else None
    return day if isinstance(day, dt.date) else dt.date.today()


# --- account exports --------------------------------------------------------------------------

#: How each text field is checked (validate.Stage.text); None = loaded as delivered.
#: Every free-text field is checked for an SSN typed into it; identifiers (account_id,
#: record_id) are checked by `Stage.identifier` instead (a plain nine-digit id is legitimate).
_TEXT_CHECKS: dict[str, TextCheck | None] = {
    "phone_type": "ssn_free", "carrier": "ssn_free", "bk_case_number": "ssn_free",
    "bk_district": "ssn_free", "street_number": "ssn_free", "street_name": "ssn_free",
    "unit": "ssn_free", "po_box": "ssn_free", "co_debtor_name": "ssn_free",
    "first_name": "ssn_free", "middle_name": "ssn_free", "last_name": "ssn_free",
    "suffix": "ssn_free", "full_name": "ssn_free", "address_line1": "ssn_free",
    "address_line2": "ssn_free", "city": "ssn_free", "attorney_name": "ssn_free",
    "relationship": "ssn_free", "state": "state", "zip": "zip", "phone": "phone",
    "phone_2": "phone", "phone_3": "phone", "attorney_phone": "phone", "email": "email",
}  # fmt: skip
_ACCOUNT_TEXT = (
    "first_name", "middle_name", "last_name", "suffix", "full_name",
    "address_line1", "address_line2", "city", "state", "zip", "phone", "phone_2", "phone_3",
    "email", "attorney_name", "attorney_phone",
)  # fmt: skip


def _account_stage(profile: AccountProfile) -> _Plan:
    def plan(stage: Stage, ctx: _Ctx) -> list[str]:
        must = set(profile.columns) | set(profile.required)
        alias = {f: stage.ref(profile.column_for(f), must_exist=f in must) for f in ACCOUNT_FIELDS}
        for f in profile.required:
            if f not in ACCOUNT_FIELDS:
                raise MappingError(f"profile {profile.name!r}: unknown required field {f!r}")
            stage.require(alias[f], f)
        for f in _ACCOUNT_TEXT:
            stage.text(f, alias[f], _TEXT_CHECKS[f])
        if alias["full_name"] and not (alias["first_name"] or alias["last_name"]):
            full = stage.ssn_free(alias["full_name"])
            for f, expr in add_name_split(stage, full, profile.name_order).items():
                stage.out(f, expr)
        stage.ssn(alias["ssn"])
        # the key: an account keyed by an SSN is quarantined (a file keyed so is refused)
        stage.identifier("account_id", alias["account_id"], key=True)
        stage.date("dob", alias["dob"], ambiguous="dob_ambiguous", unread="dob_unread", dob=True)
        stage.date("placed_date", alias["placed_date"])
        stage.number("balance", alias["balance"])
        for f in ACCOUNT_FLAG_FIELDS:
            stage.flag(f, alias[f], profile.true_values, profile.false_values)
        stage.unique("account_id", "account_id")
        cols = ", ".join(f'"{c}"' for c in ACCOUNT_FIELDS if c != "ssn")
        return [
            "INSERT INTO accounts BY NAME SELECT {file_no} AS file_no, line_no, "
            f"ssn_hash, ssn_last4, dob_ambiguous, dob_unread, {cols} FROM {{stage}} "
            "WHERE reason IS NULL"
        ]

    return plan


# --- registry sources -----------------------------------------------------------------------

_RECORD_TEXT = (
    "first_name", "middle_name", "last_name", "suffix", "full_name",
    "address_line1", "address_line2", "city", "state", "zip", "phone", "phone_type", "email",
    "bk_case_number", "bk_district",
)  # fmt: skip
#: Dates a record reports as seen: one after the as-of date is no evidence (`last_seen
#: 2099-12-31`), a field defect.
_RECORD_DATES = ("first_seen", "last_seen")
#: Dates of events that resolution and suppression judge against their run's as-of date (a
#: death after it disputes the death, a move effective after it is not applied yet, a filing
#: after it disputes the case, a dismissal after it does not lift the stay yet): kept as
#: delivered, with a field note when after the loading run's as-of date. Nulled at load, they
#: were judged against the loading run's as-of date for good, and those checks never ran.
_EVENT_DATES = (
    "date_of_death", "move_effective_date", "bk_filing_date", "bk_discharge_date",
    "bk_dismissal_date",
)  # fmt: skip
#: Event dates a record can only report once they are past: a date of death, or a bankruptcy
#: filing, discharge or dismissal, after the record's own report date (`record_date`) is a wrong
#: date (a court record cannot report a filing that has not happened), not an event to come, and
#: is nulled (`after_record_date`). The record stays a death claim with no date, or a case that
#: holds the account: a dismissal not used leaves the case open, a filing or discharge not used
#: keeps a dismissal from lifting the stay, and the case goes to review (sql/resolve/10_flags.sql,
#: sql/suppress/account_subject.sql). A move can be filed ahead of its effective date, so moves
#: are not checked. Every event date nulled, for this or any reason, is also listed on the row
#: (`source_records.unused_dates`, `_unused_dates_sql`), which is what those readers ask.
_REPORTED_PAST = ("date_of_death", "bk_filing_date", "bk_discharge_date", "bk_dismissal_date")
_SOURCE_RECORD_COLS = (
    "rec_id", "file_no", "line_no", "source", "kind", "record_id", "account_id", "first_name",
    "middle_name", "last_name", "suffix", "full_name", "ssn_hash", "ssn_last4", "dob",
    "dob_ambiguous", "dob_unread", "address_line1", "address_line2", "city", "state", "zip", "phone",
    "phone_type", "email", "first_seen", "last_seen", "record_date", "date_of_death",
    "move_type", "move_effective_date", "ncoa_return_code", "bk_chapter", "bk_case_number",
    "bk_district", "bk_filing_date", "bk_discharge_date", "bk_dismissal_date", "co_debtor_name",
    "scra_status_date", "scra_active_duty", "scra_start_date", "scra_end_date",
    "scra_left_within_367", "scra_report_date",
)  # fmt: skip
#: A source record needs at least one of these (or a valid SSN) to be matchable at all.
_IDENTIFYING = (
    "first_name", "last_name", "full_name", "dob", "address_line1", "phone", "email",
    "_new_address_line1",
)  # fmt: skip
_UNIT_DESIGNATOR = (
    "^(APT|APARTMENT|STE|SUITE|UNIT|FL|FLOOR|RM|ROOM|BLDG|DEPT|LOT|SPC|SPACE|TRLR|PH|BSMT|#)"
)


def _source_stage(source: Source) -> _Plan:
    fields = (*PERSON_FIELDS, *KIND_FIELDS[source.kind])

    def plan(stage: Stage, ctx: _Ctx) -> list[str]:
        required = source.required_fields()

        def ref(f: str) -> str | None:
            if f in source.columns:
                return stage.ref(source.columns[f], must_exist=True)
            return stage.ref(f, must_exist=f in required)

        a = {f: ref(f) for f in fields}
        for f in required:
            if f not in a:
                raise MappingError(f"source {source.name!r}: required field {f!r} cannot be mapped")
            stage.require(a[f], f)

        for f in _RECORD_TEXT:
            stage.text(f, a.get(f), _TEXT_CHECKS[f])
        if a.get("full_name") and not (a.get("first_name") or a.get("last_name")):
            full = stage.ssn_free(str(a["full_name"]))
            for f, expr in add_name_split(stage, full, source.name_order).items():
                stage.out(f, expr)
        _compose_street(stage, a)
        stage.ssn(a.get("ssn"))
        # a vendor row is linked by its account_id (required): an SSN there quarantines the row;
        # on other records it is an optional reference, NULLed like the record's own id
        stage.identifier("account_id", a.get("account_id"), key=source.kind == "vendor_batch")
        stage.identifier("_record_id", a.get("record_id"), label="record_id")
        stage.date("dob", a.get("dob"), ambiguous="dob_ambiguous", unread="dob_unread", dob=True)
        for f in _RECORD_DATES:
            stage.date(f, a.get(f))
        reported = _record_date(stage, source, ctx)
        for f in _EVENT_DATES:
            stage.date(
                f,
                a.get(f),
                future_ok=True,
                note_future=True,
                not_after=reported if f in _REPORTED_PAST else None,
            )
        if source.kind == "ncoa":
            stage.code("move_type", a.get("move_type"), "upper(left({v}, 1))", MOVE_TYPES)
            stage.code(
                "ncoa_return_code",
                a.get("ncoa_return_code"),
                "CASE WHEN regexp_full_match({v}, '[0-9]') THEN '0' || {v} ELSE upper({v}) END",
                NCOA_RETURN_CODES,
            )
            for f in ("new_address_line1", "new_address_line2", "new_city", "new_state", "new_zip"):
                stage.text("_" + f, a.get(f), _TEXT_CHECKS[f.removeprefix("new_")], label=f)
        else:
            stage.out("move_type", None)
            stage.out("ncoa_return_code", None)
        if source.kind == "bankruptcy":
            stage.code(
                "bk_chapter",
                a.get("bk_chapter"),
                "ltrim(regexp_extract(upper({v}), '^(CH(APTER)?\\.? ?)?0*([0-9]{1,2})$', 3), '0')",
                BK_CHAPTERS,
            )
            # a joint petition's second debtor: a co-debtor column, else the joint full name's
            co = stage.text(
                "co_debtor_name", a.get("co_debtor_name"), _TEXT_CHECKS["co_debtor_name"]
            )
            full_alias = a.get("full_name")
            joint = joint_second_name_sql(stage, stage.ssn_free(full_alias) if full_alias else None)
            stage.out("co_debtor_name", f"coalesce({co or 'NULL'}, {joint or 'NULL'})")
        else:
            stage.out("bk_chapter", None)
            stage.out("co_debtor_name", None)
        _military_status(stage, source, a)
        if source.kind != "vendor_batch":  # a vendor row is identified by its account_id
            stage.require_identity(_IDENTIFYING)
        if a.get("record_id"):
            stage.unique("_record_id", "record_id")
        else:
            # without a record id a record is its line (record_id file:line): the same line
            # twice in one file is one record sent twice, and loaded twice it would count twice
            # as evidence. The repeat is quarantined `duplicate_row` (rows_read still reconciles)
            stage.out("_row", "md5_number(raw)")
            stage.unique("_row", "row")
        ctx.final.update(
            rec_id=f"{{file_no}}::BIGINT * {REC_ID_FACTOR} + line_no",
            record_id=f"coalesce(_record_id, {lit(ctx.file_name + ':')} || line_no)",
        )
        candidates = _add_groups(stage, source.groups)

        consts = f"{{file_no}} AS file_no, {lit(source.name)} AS source, {lit(source.kind)} AS kind"
        cols = ", ".join(
            f'"{c}"' for c in _SOURCE_RECORD_COLS if c not in ("file_no", "source", "kind")
        )
        unused = _unused_dates_sql([f for f in _EVENT_DATES if a.get(f)])
        inserts = [
            f"INSERT INTO source_records BY NAME SELECT {consts}, {cols}, "
            f"{unused} AS unused_dates FROM {{stage}} WHERE reason IS NULL"
        ]
        inserts += _contact_inserts(source, candidates)
        return inserts

    return plan


def _unused_dates_sql(mapped: Sequence[str]) -> str:
    """SQL of `source_records.unused_dates` (migration 121): the row's event dates (`mapped`, the
    `_EVENT_DATES` the source delivers) that ingest nulled, each as {column_name, reason,
    value_masked}; NULL when it used them all.

    Why on the row: resolution, suppression and the review queue must know a death's or a
    court's date was delivered and not used (a death claim without its date, a case whose
    filing is unknown, a record that leads the queue), and each re-joined `field_issues` by file
    and line to find out. The entries are the row's own `_issues` that field_issues_insert.sql
    writes, the value masked by the same `issue_value_sql`: one decision, written twice, read
    from the record. At the insert, not in the staging statement, for the reason `Stage.issue`
    gives (the masks' patterns are kilobytes). `_EVENT_DATES` order, as `Stage.date` added them.
    """
    if not mapped:
        return "NULL"
    value = issue_value_sql("iss.value", "iss.mask")
    return (
        "nullif(list_transform(list_filter(_issues, lambda iss: iss.action = 'nulled' AND "
        f"iss.column_name IN ({', '.join(lit(f) for f in mapped)})), lambda iss: "
        f"{{'column_name': iss.column_name, 'reason': iss.reason, 'value_masked': {value}}}), [])"
    )


def _military_status(stage: Stage, source: Source, a: dict[str, str | None]) -> None:
    """The SCRA status of a `military_status` row (migration 111); NULL for other kinds.

    The status and report dates are the service's own and cannot be after the as-of date;
    start and end of active duty can (a projected end of service, a call-up notified ahead).
    An unreadable yes/no answer loads as yes (PROTECTING_FLAGS): a wrong "no" lets a default
    judgment through, a wrong "yes" only delays legal action until someone looks.
    """
    dates = {"scra_status_date": False, "scra_report_date": False,
             "scra_start_date": True, "scra_end_date": True}  # fmt: skip
    military = source.kind == "military_status"
    for f, future_ok in dates.items():
        if military:
            stage.date(f, a.get(f), future_ok=future_ok)
        else:
            stage.out(f, None)
    for f in ("scra_active_duty", "scra_left_within_367"):
        if military:
            stage.flag(f, a.get(f))
        else:
            stage.out(f, None)


def _compose_street(stage: Stage, a: dict[str, str | None]) -> None:
    """Split street fields, when mapped and non-empty, win over address_line1/line2. Each is
    checked for an SSN typed into it first (a field issue, the part NULL)."""
    parts = ("street_number", "street_name", "unit", "po_box")
    if not any(a.get(f) for f in parts):
        return
    num, name, unit, box = (stage.text(f"_{f}", a.get(f), _TEXT_CHECKS[f], label=f) for f in parts)
    if not any((num, name, unit, box)):
        return
    street = f"nullif(concat_ws(' ', {num or 'NULL'}, {name or 'NULL'}), '')"
    pobox = (
        f"('PO BOX ' || regexp_replace({box}, '^(P\\.? ?O\\.? ?)?BOX ?', '', 'i'))"
        if box
        else "NULL"
    )
    unit_text = (
        f"CASE WHEN regexp_matches(upper({unit}), '{_UNIT_DESIGNATOR}') THEN {unit} "
        f"ELSE 'UNIT ' || {unit} END"
        if unit
        else "NULL"
    )
    line1 = stage.outputs.get("address_line1", "NULL")
    line2 = stage.outputs.get("address_line2", "NULL")
    stage.out("address_line1", f"coalesce({street}, {pobox}, {line1})")
    stage.out(
        "address_line2",
        f"coalesce({unit_text}, CASE WHEN {street} IS NOT NULL THEN {pobox} END, "
        f"CASE WHEN {street} IS NULL AND {pobox} IS NULL THEN {line2} END)",
    )


def _record_date(stage: Stage, source: Source, ctx: _Ctx) -> str | None:
    """record_date per row: the mapped column, else the constant ISO date, else file mtime.

    Returns the row's report date as the source declares it (the column's parsed value or the
    ISO date), against which dates of past events are checked (`_REPORTED_PAST`); None when it
    is the file's modification time, which says when the file was written here (a copy, an
    archive's 1980 default), not what the file reports.
    """
    constant = source.record_date_constant()
    if source.record_date is not None and constant is None:
        return stage.date("record_date", stage.ref(source.record_date, must_exist=True))
    day = constant or ctx.mtime_date
    stage.out("record_date", f"DATE '{day.isoformat()}'")
    return f"DATE '{day.isoformat()}'" if constant else None


def _add_groups(
    stage: Stage, groups: list[ContactGroup]
) -> list[tuple[ContactGroup, int, dict[str, str]]]:
    """Stage every candidate of every repeated group; returns (group, rank, {field: stage col})."""
    out = []
    for gi, group in enumerate(groups):
        for rank, columns in group.expanded():
            cols: dict[str, str] = {}
            for f, column in columns.items():
                name = f"_g{gi}_{rank}_{f}"
                alias = stage.ref(column, must_exist=True)
                label = f"{f}#{rank}"
                if f in ("first_seen", "last_seen"):
                    stage.date(name, alias, label=label)
                elif f == "prepaid":
                    stage.flag(name, alias, DEFAULT_TRUE, DEFAULT_FALSE, label=label)
                else:
                    stage.text(name, alias, _TEXT_CHECKS[f], label=label)
                cols[f] = name
            out.append((group, rank, cols))
    return out


_CANDIDATE_EXTRAS = ("phone_type", "carrier", "prepaid", "first_seen", "last_seen")
_CONTACT_VALUE_FIELDS = {
    "address": ("address_line1", "address_line2", "city", "state", "zip"),
    "phone": ("phone",),
    "email": ("email",),
}


def _contact_inserts(
    source: Source, candidates: list[tuple[ContactGroup, int, dict[str, str]]]
) -> list[str]:
    """One INSERT of every contact candidate of the staged, loadable rows (UNION ALL BY NAME).

    A single statement keeps it one pass of DuckDB's insert pipeline instead of one per
    contact type or candidate rank.
    """
    selects: list[str] = []
    common = "rec_id, {file_no} AS file_no, " + f"{lit(source.name)} AS source"
    if source.kind == "vendor_batch":
        for group, rank, cols in candidates:
            values = [cols[f] for f in _CONTACT_VALUE_FIELDS[group.contact_type] if f in cols]
            if not values:
                continue
            select = [
                common,
                f"{lit(group.contact_type)} AS contact_type",
                f"{rank} AS rank",
                f"{lit(group.role)} AS role",
                "'vendor_candidate' AS evidence",
            ]
            for f, col in cols.items():
                if f == "relationship":
                    select.append(f'"{col}" AS relationship')
                elif f == "full_name":
                    select.append(f'"{col}" AS party_name')
                elif f in _CONTACT_VALUE_FIELDS[group.contact_type] or f in _CANDIDATE_EXTRAS:
                    select.append(f'"{col}" AS {f}')
            present = " OR ".join(f'"{v}" IS NOT NULL' for v in values)
            selects.append(
                f"SELECT {', '.join(select)} FROM {{stage}} WHERE reason IS NULL AND ({present})"
            )
    elif source.kind == "ncoa":
        new = ", ".join(f'"_new_{f}" AS {f}' for f in _CONTACT_VALUE_FIELDS["address"])
        present = " OR ".join(f'"_new_{f}" IS NOT NULL' for f in ("address_line1", "city", "zip"))
        selects.append(
            f"SELECT {common}, 'address' AS contact_type, 1 AS rank, 'debtor' AS role, "
            f"'ncoa_forward' AS evidence, {new}, move_effective_date AS first_seen "
            f"FROM {{stage}} WHERE reason IS NULL AND ({present})"
        )
    elif source.kind == "military_status":
        pass  # a status row says whether the person serves, not where: no contact evidence
    else:
        base = f"SELECT {common}, 1 AS rank, 'debtor' AS role, 'record' AS evidence, first_seen, last_seen"
        addr = ", ".join(_CONTACT_VALUE_FIELDS["address"])
        addr_present = " OR ".join(f"{f} IS NOT NULL" for f in _CONTACT_VALUE_FIELDS["address"])
        selects += [
            f"{base}, 'address' AS contact_type, {addr} FROM {{stage}} "
            f"WHERE reason IS NULL AND ({addr_present})",
            f"{base}, 'phone' AS contact_type, phone, phone_type FROM {{stage}} "
            "WHERE reason IS NULL AND phone IS NOT NULL",
            f"{base}, 'email' AS contact_type, email FROM {{stage}} "
            "WHERE reason IS NULL AND email IS NOT NULL",
        ]
    if not selects:
        return []
    return ["INSERT INTO source_contacts BY NAME " + "\nUNION ALL BY NAME\n".join(selects)]
