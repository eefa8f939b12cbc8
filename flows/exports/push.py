"""Push a run's results into the collections system's PostgreSQL, in one transaction.

Collections platforms merge vendor updates from staging tables keyed by account number and the
normalized phone or address, and expect a re-sent batch to change nothing. So a push:

1. migrates PostgreSQL's skiptrace schema if needed (`sql/push/pg_migrations/`);
2. opens ONE transaction, takes an advisory lock (one push at a time), refuses a run older than
   the newest one already pushed, by as-of date, then start (it would roll the platform back;
   `allow_older_run` pushes it anyway, lifting none of the newer run's holds, suppressions and
   flags: `keep_newer.sql`, recorded in `skiptrace_rollbacks`);
3. streams the run's rows from DuckDB as CSV through COPY into temporary staging tables; a
   contact is callable only where the run's import files would hand it to a collector (not bad,
   not on hold: `contact_usability`, sql/exports/export_macros.sql, with the bands of the rules
   file the run used);
4. stages as not callable any contact the platform reported bad after the run read its
   outcomes (`guard_outcomes.sql`: the latest verdict, as `sql/outcomes/latest.sql` lists the
   verdicts; on hold for an account with a dispute; the platform's word is never overridden),
   then upserts
   keyed by (account_id, contact_type, contact_key), touching only rows whose content changed, and marks rows the run no longer has inactive and not callable;
5. records the run in `skiptrace_runs` and commits; then records the push in DuckDB's `pushes`.

A push killed at any point before COMMIT leaves PostgreSQL as it was: the staging tables are
temporary and the upserts uncommitted, and the server rolls back when the connection drops.
Suppressed contacts are written with their status and reason and `callable = false` (a CHECK
constraint makes a callable suppressed row impossible). Only `mask_url(url)` is ever logged.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from skiptrace import sql
from skiptrace.errors import ConfigError
from skiptrace.flows.exports import pg
from skiptrace.flows.exports.pg import PushConfigError, PushError, PushRefused, PushUnknownRun

log = logging.getLogger("skiptrace.push")
#: Rows per COPY chunk: bounded memory whatever the run's size.
BATCH_ROWS = 200_000
_STAGES = (
    ("push/stage_contacts.sql", "st_contacts"),
    ("push/stage_flags.sql", "st_flags"),
    ("push/stage_suppressions.sql", "st_suppressions"),
)


@dataclass
class PushResult:
    """What one push did; all plain scalars (run summary, CLI, `pushes` row)."""

    run_id: str
    target: str  # masked URL
    contacts: int = 0
    inserted: int = 0
    updated: int = 0
    retired: int = 0
    flags: int = 0
    suppressions: int = 0
    migrations_applied: int = 0
    kept_from_newer: int = 0  # contacts an older run had callable, kept as a newer run had them
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def push_run(
    con: duckdb.DuckDBPyConnection, run_id: str, url: str, *, allow_older_run: bool = False
) -> PushResult:
    """Push completed run `run_id` of this DuckDB database to the PostgreSQL at `url`.

    Raises a PushError, one line with its exit code: the server unreachable or the connection
    lost (8, a retry may work); the run unknown (2); unfinished, archived or older than the run
    already pushed (6: an earlier as-of date, or the same date and an earlier start; pushed
    anyway with `allow_older_run`); the URL file or the role's grants (3). The push is recorded
    in `pushes` whether it worked or not.
    """
    import psycopg

    started = _utc_now()
    t0 = time.perf_counter()
    result = PushResult(run_id=run_id, target=pg.mask_url(url))
    run = _completed_run(con, run_id)
    run["bands"] = _run_bands(con, run)
    try:
        try:
            with pg.connect(url) as conn:
                result.migrations_applied = len(pg.migrate(conn))
                _push_in_transaction(con, conn, run, result, allow_older_run=allow_older_run)
        except psycopg.errors.InsufficientPrivilege as exc:
            first = str(exc).strip().splitlines()[0]
            raise PushConfigError(
                f"the role of {result.target} lacks a privilege ({first}); the grants are in "
                "docs/push.md, and the first push must run as the tables' owner"
            ) from exc
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection lost"
            raise PushError(f"push to {result.target} failed: {pg.mask_url(first)}") from exc
    except BaseException as exc:
        result.seconds = round(time.perf_counter() - t0, 3)
        _record(
            con,
            result,
            started,
            "failed",
            pg.mask_url(str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
        )
        raise
    result.seconds = round(time.perf_counter() - t0, 3)
    _record(con, result, started, "completed", None)
    log.info(
        "pushed run %s to %s: %s contacts (%s new, %s changed, %s retired) in %.1fs",
        run_id, result.target, result.contacts, result.inserted, result.updated,
        result.retired, result.seconds,
    )  # fmt: skip
    return result


def _completed_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    found = sql.rows(con, "push/stage_run.sql", run_id=run_id)
    if not found:
        raise PushUnknownRun(f"run {run_id} is not in this database")
    if found[0]["status"] != "completed":
        raise PushRefused(f"run {run_id} is {found[0]['status']}, not completed: nothing to push")
    from skiptrace.flows.audit.archive import is_archived

    if is_archived(con, run_id):  # its contacts are in <db>.archive/, not in the tables
        raise PushRefused(
            f"run {run_id} is archived: restore it first (skiptrace archive --restore {run_id})"
        )
    return found[0]


def _run_bands(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> dict[str, float]:
    """The confidence bands the run's import files were written with: those of the rules the run
    recorded (run_config_files), else, for a run from before migration 106, of the rules file it
    ran with (`--rules`, in its parameters) or the shipped rules. A push marks the same contacts
    bad or held, so such an older run's rules file that cannot be read now stops it (3)."""
    from skiptrace.flows.audit.run_config import read_rules, recorded_config, run_rules

    rules = json.loads(run["params"] or "{}").get("rules")
    if rules and recorded_config(con, run["run_id"], "rules") is None:
        try:
            read_rules(rules)
        except ConfigError as exc:
            raise PushConfigError(
                f"run {run['run_id']} ran with the rules file {exc}; its bands decide which "
                "contacts are callable, so restore the file to push the run"
            ) from None
    bands = run_rules(con, run["run_id"], rules).bands
    return {"bad": bands.bad, "verify": bands.verify}


def _push_in_transaction(
    con: duckdb.DuckDBPyConnection,
    conn: Any,
    run: dict[str, Any],
    result: PushResult,
    *,
    allow_older_run: bool = False,
) -> None:
    """Everything PostgreSQL sees of the push, inside one transaction."""
    over: dict[str, Any] | None = None  # the newer run an older one is pushed over
    with conn.transaction(), conn.cursor() as cur:
        pg.execute(cur, "lock.sql")
        latest = pg.execute(cur, "latest_run.sql")
        # older = an earlier as-of date (a backfill), or the same date started earlier: the
        # run_id is the start time, which says nothing about the date a run describes
        if latest and (run["as_of"], run["run_id"]) < (latest[0][1], latest[0][0]):
            if not allow_older_run:
                raise PushRefused(
                    f"run {run['run_id']} (as of {run['as_of']}) is older than run "
                    f"{latest[0][0]} (as of {latest[0][1]}) already pushed; pushing it would "
                    "roll the collections system back (--allow-older-run to push it anyway)"
                )
            log.warning(
                "pushing run %s (as of %s) over run %s (as of %s): --allow-older-run",
                run["run_id"], run["as_of"], latest[0][0], latest[0][1],
            )  # fmt: skip
            over = {"over_run_id": latest[0][0], "over_as_of": latest[0][1]}
        pg.execute(cur, "stage_create.sql")
        with cur.copy("COPY st_run (run_id, as_of, code_version) FROM STDIN") as copy:
            copy.write_row((run["run_id"], run["as_of"], run["code_version"]))
        # the import layouts' definition of a usable contact, with the run's bands
        sql.run(con, "exports/export_macros.sql")
        sql.run(con, "outcomes/latest.sql")  # verdict_outcomes(): the runs' list of verdicts
        verdicts = sql.scalar(con, "push/verdicts.sql")
        params = {"run_id": run["run_id"], **run["bands"]}
        counts = {table: _copy_query(con, cur, query, table, params) for query, table in _STAGES}
        pg.execute(cur, "stage_analyze.sql")
        # dispositions recorded while the run ran
        pg.execute(cur, "guard_outcomes.sql", verdicts=verdicts)
        if over is not None:  # an older run: the newer run's holds and decisions are kept
            kept = pg.execute(cur, "keep_newer.sql", **over)[0]
            result.kept_from_newer = kept[0]
            log.warning(
                "run %s is older than run %s: %s contacts kept not callable, %s suppressions "
                "and %s flags kept active as that run pushed them (recorded in "
                "skiptrace_rollbacks; push a newer run to lift them)",
                run["run_id"], over["over_run_id"], kept[0], kept[1], kept[2],
            )  # fmt: skip
        result.contacts = counts["st_contacts"]
        result.inserted, result.updated = pg.execute(cur, "upsert_contacts.sql")[0]
        result.retired = pg.execute(cur, "retire_contacts.sql")[0][0]
        result.flags = counts["st_flags"]
        result.suppressions = counts["st_suppressions"]
        pg.execute(cur, "upsert_flags.sql")
        pg.execute(cur, "upsert_suppressions.sql")
        pg.execute(cur, "record_run.sql")


def _copy_query(
    con: duckdb.DuckDBPyConnection, cur: Any, query: str, table: str, params: dict[str, Any]
) -> int:
    """Stream a DuckDB query's rows into a PostgreSQL staging table through COPY ... CSV.

    CSV written by Arrow in batches (no per-row Python): strings are quoted, so an empty string
    stays '' and only a missing value becomes NULL. Returns the rows sent.
    """
    con.complete()
    statement = con.extract_statements(sql.load(query))[-1]
    wanted = {k: v for k, v in params.items() if k in statement.named_parameters}
    reader = con.sql(statement, params=wanted).to_arrow_reader(BATCH_ROWS)
    columns = ", ".join(reader.schema.names)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    sent = 0
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        for batch in reader:
            if batch.num_rows == 0:
                continue
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf, options)
            copy.write(buf.getbuffer())
            sent += batch.num_rows
    return sent


def _utc_now() -> dt.datetime:
    """UTC without a zone, as the `runs` table keeps its times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _record(
    con: duckdb.DuckDBPyConnection,
    result: PushResult,
    started: dt.datetime,
    status: str,
    message: str | None,
) -> None:
    """The push in DuckDB's `pushes` (best effort on failure: the failure itself is raised)."""
    try:
        sql.run(
            con, "push/record_push.sql",
            run_id=result.run_id, target=result.target, started_at=started, ended_at=_utc_now(),
            status=status,
            contacts=result.contacts, inserted=result.inserted, updated=result.updated,
            retired=result.retired, flags=result.flags, suppressions=result.suppressions,
            seconds=result.seconds, message=message,
        )  # fmt: skip
    except duckdb.Error:
        if status == "completed":
            raise
        log.exception("could not record the failed push of run %s", result.run_id)
