"""Push a run's results into the collections system's PostgreSQL, in one transaction.

Collections platforms merge vendor updates from staging tables keyed by account number and the
normalized phone or address, and expect a re-sent batch to change nothing. So a push:

1. migrates PostgreSQL's skiptrace schema if needed (`sql/push/pg_migrations/`);
2. opens ONE transaction, takes an advisory lock (one push at a time), refuses a push from a
   skiptrace database other than the one that owns the target (`skiptrace_owner`: it would
   retire that database's contacts, flags and suppressions; `replace_owner` hands the target
   over), refuses a target whose tables or view differ from what the migrations create (3),
   and refuses a run older than the newest one this database already pushed, by as-of date,
   then start (it would roll the platform back; `allow_older_run` pushes it anyway, lifting
   none of the newer run's holds, suppressions and flags: `keep_newer.sql`, recorded in
   `skiptrace_rollbacks`);
3. streams the run's rows from DuckDB as CSV through COPY into temporary staging tables; a
   contact is callable only where the run's import files would hand it to a collector (not bad,
   not on hold: `contact_usability`, sql/exports/point_macros.sql, with the bands of the rules
   file the run used);
4. stages as not callable any contact the platform reported bad or opted out of after the run
   read its outcomes (`guard_outcomes.sql`: the latest verdict, with the runs' outcome lists,
   `sql/outcomes/vocabulary.sql`), and acts on an account fact recorded since (attorney,
   dispute ...) as the rules the run applied do: not callable, on hold, or nothing
   (matchers/suppress.py `outcome_fact_effects`; the platform's word is never overridden),
   then upserts keyed by (account_id, contact_type, contact_key), touching only rows whose
   content changed, and marks rows the run no longer has inactive and not callable; flags and
   suppressions are lifted only for the accounts the run has (a hold is never lifted because
   rows are missing);
5. refuses (rolls back) a push that would retire more than `max_shrink` of the target's active
   contacts or lift more than that share of its holds, as a run refuses such a shrink
   (`allow_shrink` lets it through); holds lifted are a warning and the `pushes` row's message;
6. records the owner and the run in `skiptrace_runs` and commits; then records the push in
   DuckDB's `pushes`, a failed one too (a timeout, a SIGTERM: exit code 8, 143). A SIGINT or
   SIGTERM from the COMMIT to the push recorded completed waits for both (a push PostgreSQL
   committed is never recorded failed, nor said to have changed nothing), then ends the
   command as "interrupted ... after the push of run R was committed" (130, 143).

A push killed at any point before COMMIT leaves PostgreSQL as it was: the staging tables are
temporary and the upserts uncommitted, and the server rolls back when the connection drops.
Suppressed contacts are written with their status and reason and `callable = false` (a CHECK
constraint makes a callable suppressed row impossible). Only `mask_url(url)` is ever logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import signal
import time
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from skiptrace import sql
from skiptrace.errors import ConfigError
from skiptrace.flows.exports import pg
from skiptrace.flows.exports.emit import create_export_macros
from skiptrace.flows.exports.pg import (
    PushConfigError,
    PushError,
    PushRefused,
    PushSettings,
    PushUnknownRun,
)
from skiptrace.matchers.suppress import FactEffects, RuleSet, outcome_fact_effects
from skiptrace.resources import (
    Interrupted,
    signals_deferred,
    stopped_as,
    stopped_line,
    stopped_with,
)
from skiptrace.safety import MAX_SHRINK
from skiptrace.sources.outcomes import outcome_lists

log = logging.getLogger("skiptrace.push")
#: Rows per COPY chunk: bounded memory whatever the run's size.
BATCH_ROWS = 200_000
#: The lists of the outcome vocabulary (sql/outcomes/vocabulary.sql) the check of the platform's
#: outcomes at push time is given (sql/push/pg/guard_outcomes.sql): it judges verdicts and
#: opt-outs as the runs do. Which account facts end or hold contact it takes from the rules the
#: run applied (matchers/suppress.py outcome_fact_effects), not from the vocabulary.
_GUARD_LISTS = ("verdict_outcomes", "bad_verdicts", "opt_out_outcomes")
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
    flags_lifted: int = 0
    holds_lifted: int = 0  # suppression decisions in force the run no longer makes
    holds_lifted_rules: str = ""  # "rule n, rule n" of those
    replaced_owner: str = ""  # the database id --replace-owner took the target from
    migrations_applied: int = 0
    kept_from_newer: int = 0  # contacts an older run had callable, kept as a newer run had them
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PushOwnerRefused(PushRefused):
    """Another skiptrace database owns the target (or may: runs pushed before owners were
    recorded that this database does not hold): exit code 6."""


class PushShrinkRefused(PushRefused):
    """The push would retire or lift more than `max_shrink` of what the target has in force:
    exit code 6."""


#: PostgreSQL errors of a target whose tables or view were changed by hand (a column renamed or
#: dropped, a table or view dropped or replaced): the schema to restore, exit code 3, never a
#: traceback. Names resolved in push_run (psycopg is imported only when pushing).
_SCHEMA_ERRORS = (
    "UndefinedColumn", "UndefinedTable", "UndefinedObject", "WrongObjectType",
    "DatatypeMismatch",
)  # fmt: skip


_RESTORE = '"Tables changed by hand"'


def push_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    url: str,
    *,
    allow_older_run: bool = False,
    replace_owner: bool = False,
    allow_shrink: bool = False,
    max_shrink: float = MAX_SHRINK,
    settings: PushSettings | None = None,
) -> PushResult:
    """Push completed run `run_id` of this DuckDB database to the PostgreSQL at `url`.

    Raises a PushError, one line with its exit code: the server unreachable, the connection
    lost or a lock or statement timeout (8, a retry may work); the run unknown (2); unfinished,
    archived or older than the run this database already pushed (6: an earlier as-of date, or
    the same date and an earlier start; pushed anyway with `allow_older_run`); the target owned
    by another skiptrace database (6, `replace_owner`); retiring or lifting more than
    `max_shrink` (6, `allow_shrink`); the URL file, the role's grants or a target whose tables
    differ from the migrations' (3). A SIGINT or SIGTERM is `Interrupted` (130, 143). The push
    is recorded in `pushes` whether it worked or not.
    """
    import psycopg

    limits = settings or PushSettings()
    schema_errors = tuple(getattr(psycopg.errors, name) for name in _SCHEMA_ERRORS)
    started = _utc_now()
    t0 = time.perf_counter()
    result = PushResult(run_id=run_id, target=pg.mask_url(url))
    # stopped while reading the run, before PostgreSQL is reached: not the run's line ("the
    # run stopped and is recorded failed"), and nothing to record in `pushes`
    with stopped_as(
        f"the push of run {run_id} stopped before it reached the collections database; nothing "
        "changed there. Push again"
    ):
        run = _completed_run(con, run_id)
        rules = _applied_rules(con, run)
        run["bands"] = {"bad": rules.bands.bad, "verify": rules.bands.verify}
        run["fact_effects"] = outcome_fact_effects(rules)
        run["database_id"] = str(sql.scalar(con, "push/database_id.sql"))
    # entered just before the COMMIT, left once the push is recorded: see _committed
    committing = contextlib.ExitStack()
    try:
        try:
            with pg.connect(url, limits) as conn:
                try:
                    result.migrations_applied = len(pg.migrate(conn))
                    _push_in_transaction(
                        con, conn, run, result,
                        allow_older_run=allow_older_run, replace_owner=replace_owner,
                        allow_shrink=allow_shrink, max_shrink=max_shrink, committing=committing,
                    )  # fmt: skip
                except BaseException:
                    _cancel(conn)  # before the connection closes: see _cancel
                    raise
        except psycopg.errors.InsufficientPrivilege as exc:
            first = str(exc).strip().splitlines()[0]
            raise PushConfigError(
                f"the role of {result.target} lacks a privilege ({first}); the grants are in "
                "docs/push.md, and the first push must run as the tables' owner"
            ) from exc
        except schema_errors as exc:
            first = str(exc).strip().splitlines()[0]
            raise PushConfigError(
                f"the skiptrace tables of {result.target} differ from what skiptrace's "
                f"migrations create ({first}): restore them (docs/push.md, {_RESTORE}); "
                "nothing was changed there"
            ) from exc
        except psycopg.errors.LockNotAvailable as exc:
            raise PushError(
                f"push to {result.target} gave up after waiting {limits.lock_timeout:g}s for a "
                "lock (--lock-timeout): another session holds a skiptrace table or another push "
                "runs; nothing changed there, run again later"
            ) from exc
        except psycopg.errors.QueryCanceled as exc:
            raise PushError(
                f"push to {result.target} was cancelled: a statement ran longer than "
                f"{limits.statement_timeout:g}s (--statement-timeout) or an administrator "
                "cancelled it; nothing changed there, run again later"
            ) from exc
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection lost"
            raise PushError(f"push to {result.target} failed: {pg.mask_url(first)}") from exc
    except BaseException as exc:
        failure: BaseException = exc
        try:
            committing.close()  # the COMMIT failed: a signal deferred over it is raised here
        except (Interrupted, KeyboardInterrupt) as late:
            failure = late  # the push failed, and the command was stopped meanwhile
        result.seconds = round(time.perf_counter() - t0, 3)
        stopped = stopped_with(
            failure,
            f"the push of run {run_id} stopped and is recorded failed; nothing changed in the "
            "collections database (one transaction). Push again",
        )
        if stopped is not None:
            failure = stopped
        _record(
            con,
            result,
            started,
            "failed",
            pg.mask_url(str(failure).splitlines()[0] if str(failure) else type(failure).__name__),
        )
        if failure is not exc:
            raise failure from None
        raise
    result.seconds = round(time.perf_counter() - t0, 3)
    lifted = (
        f"lifted {result.holds_lifted:,} hold(s) the run no longer makes: "
        f"{result.holds_lifted_rules}"
        if result.holds_lifted
        else None
    )
    with _committed(committing, run_id):
        _record(con, result, started, "completed", lifted)
    log.info(
        "pushed run %s to %s: %s contacts (%s new, %s changed, %s retired) in %.1fs",
        run_id, result.target, result.contacts, result.inserted, result.updated,
        result.retired, result.seconds,
    )  # fmt: skip
    if result.replaced_owner:
        log.warning(
            "%s: this database (%s) replaced %s as the owner (--replace-owner)",
            result.target, run["database_id"], result.replaced_owner,
        )  # fmt: skip
    if lifted:
        log.warning("push of run %s to %s %s", run_id, result.target, lifted)
    return result


@contextlib.contextmanager
def _committed(committing: contextlib.ExitStack, run_id: str) -> Any:
    """Record the push PostgreSQL committed, then raise a SIGINT / SIGTERM that came from the
    COMMIT on (deferred by `committing`, entered just before it) as the after-commit line.

    A signal there took the failure path: the push recorded failed and the command said
    "nothing changed in the collections database" while PostgreSQL held the run; a re-push
    fixed the record but the operator was told the opposite of what happened."""
    try:
        yield
    finally:
        try:
            committing.close()
        except (Interrupted, KeyboardInterrupt) as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            line = stopped_line(
                signum,
                "the collections database has the run and the push is recorded completed",
                after=f"the push of run {run_id} was committed",
            )
            raise Interrupted(line, signum) from None


def _cancel(conn: Any) -> None:
    """Cancel the statement a push stopped on this side (a signal, an error raised in Python)
    left running in the server. Closing the connection is not enough: a statement waiting on a
    lock keeps waiting, holding the push's advisory lock, until it next writes to the socket."""
    from psycopg import pq

    if conn.closed or conn.pgconn.transaction_status != pq.TransactionStatus.ACTIVE:
        return
    try:
        conn.cancel_safe(timeout=5)
    except Exception:  # best effort: closing the connection follows
        log.debug("could not cancel the push's statement", exc_info=True)


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


def _applied_rules(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> RuleSet:
    """The rules the run applied: the text it recorded (run_config_files), else, for a run from
    before migration 106, the rules file it ran with (`--rules`, in its parameters) or the
    shipped rules, said once in the log. The push takes two things from them: the confidence
    bands the run's import files were written with, and which account facts reported by
    collectors end or hold contact (outcome_fact_effects), for its check of the outcomes the
    platform recorded since (guard_outcomes.sql). A push marks the same contacts bad or held, so
    such an older run's rules file that cannot be read now stops it (3)."""
    from skiptrace.flows.audit.run_config import read_rules, recorded_config, run_rules

    rules = json.loads(run["params"] or "{}").get("rules")
    if recorded_config(con, run["run_id"], "rules") is None:
        if rules:
            try:
                read_rules(rules)
            except ConfigError as exc:
                raise PushConfigError(
                    f"run {run['run_id']} ran with the rules file {exc}; its bands decide which "
                    "contacts are callable, so restore the file to push the run"
                ) from None
        log.warning(
            "run %s recorded no rules (a run from before they were recorded): the push takes "
            "its bands and the collector-reported account facts that end or hold contact from "
            "%s",
            run["run_id"], f"the rules file {rules}" if rules else "the shipped rules",
        )  # fmt: skip
    return run_rules(con, run["run_id"], rules)


def _push_in_transaction(
    con: duckdb.DuckDBPyConnection,
    conn: Any,
    run: dict[str, Any],
    result: PushResult,
    *,
    allow_older_run: bool = False,
    replace_owner: bool = False,
    allow_shrink: bool = False,
    max_shrink: float = MAX_SHRINK,
    committing: contextlib.ExitStack | None = None,
) -> None:
    """Everything PostgreSQL sees of the push, inside one transaction. `committing` enters
    `signals_deferred` just before the COMMIT; push_run leaves it once the push is recorded."""
    over: dict[str, Any] | None = None  # the newer run an older one is pushed over
    with conn.transaction(), conn.cursor() as cur:
        pg.execute(cur, "lock.sql")
        _check_owner(con, cur, run, result, replace_owner=replace_owner)
        _check_schema(conn, cur, result)
        latest = pg.execute(cur, "latest_run.sql", database_id=run["database_id"])
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
        create_export_macros(con)
        params = {"run_id": run["run_id"], **run["bands"]}
        counts = {table: _copy_query(con, cur, query, table, params) for query, table in _STAGES}
        pg.execute(cur, "stage_analyze.sql")
        # dispositions recorded while the run ran, judged with the runs' outcome lists and,
        # for the account facts, as the rules the run applied act on them
        lists = outcome_lists()
        effects: FactEffects = run["fact_effects"]
        pg.execute(
            cur, "guard_outcomes.sql",
            **{name: list(lists[name]) for name in _GUARD_LISTS},
            ending_account_facts=effects.facts("ending"),
            ending_contact_types=effects.contact_types("ending"),
            holding_account_facts=effects.facts("holding"),
            holding_contact_types=effects.contact_types("holding"),
            holding_reasons=effects.hold_reasons(),
        )  # fmt: skip
        if over is not None:  # an older run: the newer run's holds and decisions are kept
            kept = pg.execute(cur, "keep_newer.sql", **over)[0]
            result.kept_from_newer = kept[0]
            log.warning(
                "run %s is older than run %s: %s contacts kept not callable, %s suppressions "
                "and %s flags kept active as that run pushed them (recorded in "
                "skiptrace_rollbacks; push a newer run to lift them)",
                run["run_id"], over["over_run_id"], kept[0], kept[1], kept[2],
            )  # fmt: skip
        active_contacts, _, active_holds = pg.execute(cur, "active_counts.sql")[0]
        result.contacts = counts["st_contacts"]
        result.inserted, result.updated = pg.execute(cur, "upsert_contacts.sql")[0]
        result.retired = pg.execute(cur, "retire_contacts.sql")[0][0]
        result.flags = counts["st_flags"]
        result.suppressions = counts["st_suppressions"]
        result.flags_lifted = pg.execute(cur, "upsert_flags.sql")[0][1]
        _, _, result.holds_lifted, rules = pg.execute(cur, "upsert_suppressions.sql")[0]
        result.holds_lifted_rules = rules or ""
        _check_shrink(
            run, result, active_contacts, active_holds, allow_shrink=allow_shrink,
            max_shrink=max_shrink,
        )  # fmt: skip
        pg.execute(cur, "owner_claim.sql", database_id=run["database_id"], run_id=run["run_id"])
        pg.execute(cur, "record_run.sql", database_id=run["database_id"])
        if committing is not None:
            committing.enter_context(signals_deferred())


def _check_owner(
    con: duckdb.DuckDBPyConnection,
    cur: Any,
    run: dict[str, Any],
    result: PushResult,
    *,
    replace_owner: bool,
) -> None:
    """Refuse a push from a skiptrace database that does not own the target.

    A push retires whatever its run does not have, so a second database pushing to the same
    target (a test portfolio, another client's book) would retire every contact, flag and
    suppression of the first. The owner is recorded by the first push (`skiptrace_owner`). A
    target pushed to before owners were recorded is taken over only by the database that holds
    the newest run pushed there (its runs become this database's); any other database is
    refused too. `replace_owner` hands the target over on purpose (the shrink check still
    applies: retiring the old owner's contacts needs `allow_shrink` as well).
    """
    mine = run["database_id"]
    owner = pg.execute(cur, "owner_select.sql")
    how = "--replace-owner to make this database the owner, retiring what its run lacks"
    if owner:
        owner_id, owner_run, since = owner[0]
        if owner_id == mine:
            return
        if not replace_owner:
            raise PushOwnerRefused(
                f"{result.target} is owned by another skiptrace database ({owner_id}, since "
                f"{since:%Y-%m-%d} with run {owner_run}), not this one ({mine}): a push from "
                f"here would retire that database's contacts, flags and suppressions; push from "
                f"the owning database ({how})"
            )
        result.replaced_owner = owner_id  # said once the push has committed
        return
    unowned = pg.execute(cur, "latest_run.sql", database_id=None)
    if not unowned:
        return  # a new target: the first push makes this database its owner
    newest, as_of = unowned[0]
    held = sql.rows(con, "push/stage_run.sql", run_id=newest)
    if held and held[0]["as_of"] == as_of:
        pg.execute(cur, "runs_adopt.sql", database_id=mine)
    elif not replace_owner:
        raise PushOwnerRefused(
            f"{result.target} has runs pushed before skiptrace recorded which database owns a "
            f"target, and the newest of them ({newest}, as of {as_of}) is not in this database: "
            f"push from the database that ran it ({how})"
        )


def _check_schema(conn: Any, cur: Any, result: PushResult) -> None:
    """Refuse a target whose skiptrace tables or view lack what the migrations create.

    The migration table says which versions were applied, not that the tables still look so: a
    column renamed or dropped by hand failed midway with a traceback, and a dropped view stayed
    dropped under a push that succeeded. So the migrations are applied once more, to empty
    tables in this session's temporary schema, and every column of those must exist in the
    target's table or view of the same name; the temporary copies are rolled back."""
    import psycopg

    schema = pg.execute(cur, "current_schema.sql")[0][0]
    missing: list[tuple[Any, ...]] = []
    with conn.transaction():  # a savepoint: psycopg.Rollback undoes it and is swallowed
        pg.execute(cur, "shadow_path.sql")
        for _, name in pg.pg_migrations():
            cur.execute(sql.load(f"push/pg_migrations/{name}"))
        missing = pg.execute(cur, "schema_missing.sql", schema=schema)
        raise psycopg.Rollback()
    if not missing:
        return
    gone: dict[str, list[str]] = {}
    for relation, column, exists in missing:
        gone.setdefault(relation, []).append(column if exists else "")
    parts = [
        f"{rel} lacks {', '.join(cols)}" if all(cols) else f"{rel} is missing"
        for rel, cols in sorted(gone.items())
    ]
    raise PushConfigError(
        f"the skiptrace tables of {result.target} differ from what skiptrace's migrations "
        f"create ({'; '.join(parts)}): restore them (docs/push.md, {_RESTORE}); nothing was "
        "changed there"
    )


def _check_shrink(
    run: dict[str, Any],
    result: PushResult,
    active_contacts: int,
    active_holds: int,
    *,
    allow_shrink: bool,
    max_shrink: float,
) -> None:
    """Refuse (the transaction rolls back) a push that would retire more than `max_shrink` of the
    target's active contacts or lift more than that share of its holds: the run's shrink check
    (flows/orchestration/guards.py) with the same setting, applied to what the target has in
    force, which a run cannot see (a run of a small or broken delivery, a run of a portfolio
    that was never the target's)."""
    found = [
        (result.retired, active_contacts, "retire", "active contacts"),
        (result.holds_lifted, active_holds, "lift", "holds in force"),
    ]
    for removed, previous, verb, what in found:
        if not (previous and removed / previous > max_shrink):
            continue
        detail = f" ({result.holds_lifted_rules})" if verb == "lift" else ""
        message = (
            f"the push of run {run['run_id']} would {verb} {removed:,} of the {previous:,} "
            f"{what} of {result.target} ({removed / previous:.1%}){detail}, more than max_shrink "
            f"{max_shrink:.0%}"
        )
        if not allow_shrink:
            raise PushShrinkRefused(
                f"{message}: nothing was changed there; check that the run covers the whole "
                "portfolio (--allow-shrink to push it anyway)"
            )
        log.warning("%s: allowed by --allow-shrink", message)


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
