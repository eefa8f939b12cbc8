"""Prefect flows: `refresh` = `ingest` -> `match` -> `emit` subflows.

Tasks receive paths and ids, never connections or dataframes, so nothing un-serialisable is
cached or shipped between workers; each task opens the DuckDB file itself. Business logic lives in
`flows/orchestration/stages.py` (plain functions, tested directly); this module is the schedule-able shell.

No `from __future__ import annotations` here, on purpose: a served deployment cloudpickles the
flow into each run's process, and cloudpickle copies a flow function *by value* (the module
attribute is the Flow object, not the function), carrying only the globals its body uses. With
string annotations Prefect then cannot resolve `RefreshParams` when it validates the run's
parameters, and every served run fails in seconds. Real annotations travel with the function.
tests/flows/orchestration/test_flow_pickling.py keeps it that way.
"""

import logging
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from skiptrace import sql
from skiptrace.atomic import make_private, private_umask
from skiptrace.errors import RunRefused
from skiptrace.flows.audit.runs import (
    AbandonedRun,
    finish_run,
    mark_abandoned,
    new_run_id,
    start_run,
)
from skiptrace.flows.orchestration import guards, stages
from skiptrace.flows.orchestration.lock import db_lock
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.flows.orchestration.prefect_startup import EarlyServer, ephemeral_run_settings
from skiptrace.flows.orchestration.retry import retry_only_io
from skiptrace.flows.orchestration.run_logging import (
    one_line_per_failure,
    skiptrace_logs_to_prefect,
)
from skiptrace.flows.orchestration.run_progress import progress_artifact
from skiptrace.masking import install_masking, mask_exception, masked_errors
from skiptrace.resources import (
    Interrupted,
    interrupted_after_completion_line,
    known_failure,
    noting_signals,
    signals_deferred,
)
from skiptrace.safety import install_quiet_refusals
from skiptrace.sources.run_warnings import record_run_warnings

#: Seconds the run waits for a reader's DuckDB lock even when told not to wait (`--wait 0`).
READER_GRACE = 5.0


def _connect(params: RefreshParams):
    return closing(sql.connect(params.db))


@contextmanager
def _database_kept_open(params: RefreshParams) -> Iterator[None]:
    """Hold one connection for the length of the run.

    Every task opens and closes its own connection (a task is what Prefect retries). DuckDB
    shares one database instance among a process's connections to a file, and when the last of
    them closes it checkpoints the write-ahead log and drops the instance; the next task then
    opens the file again. Held open here, the instance lives from the first task to the last:
    no checkpoint and reopen between tasks (DuckDB still checkpoints at commit once the log
    passes its threshold, and at the end of the run when this connection closes).

    The first open waits, like the run lock, up to `lock_wait` seconds for DuckDB's own file
    lock: any other process with the file open (`skiptrace explain`, a review page, a notebook
    with a read-only connection) holds it, and a nightly run must outlast a reader, not crash
    on it. After the wait: exit code 5 naming the holder's pid (sql.DatabaseLocked). Even at
    `--wait 0` it waits `READER_GRACE` seconds: a review page or an `explain` holds the file for
    well under a second, and a run should not fail for meeting one."""
    with closing(sql.connect(params.db, wait=max(params.lock_wait, READER_GRACE))):
        yield


@task(name="ingest-files", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_only_io)
@masked_errors
def ingest_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    """Retried on I/O errors only: file reads on network shares fail transiently; a retry
    re-reads, and already loaded files are recognised by checksum so nothing is loaded twice.
    A bad sources.yml or a missing column fails at once (flows/orchestration/retry.py)."""
    with _connect(params) as con:
        return stages.ingest(con, params, run_id).as_dict()


@task(name="check-delivery")
@masked_errors
def check_delivery_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    """Not retried: a refusal is a finding about the delivery, and a retry would see the files
    already loaded (skipped) and pass."""
    with _connect(params) as con:
        return stages.check_delivery(con, params, run_id)


@task(name="check-contacts")
@masked_errors
def check_contacts_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    with _connect(params) as con:
        return stages.check_contacts(con, params, run_id)


@task(name="standardize")
@masked_errors
def standardize_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    with _connect(params) as con:
        return stages.standardize(con, run_id, full_rebuild=params.full_rebuild).as_dict()


@task(name="link")
@masked_errors
def link_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    with _connect(params) as con:
        return stages.match(
            con,
            run_id,
            settings=params.match_settings(),
            full_rebuild=params.full_rebuild,
            partitions=params.partitions,
            dask_address=params.dask_address,
            partition_dir=params.partition_dir,
        ).as_dict()


@task(name="resolve-contacts")
@masked_errors
def resolve_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    with _connect(params) as con:
        return stages.resolve(
            con, run_id, params.as_of, full_rebuild=params.full_rebuild, rules=params.rules
        ).as_dict()


@task(name="apply-suppressions")
@masked_errors
def suppress_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    with _connect(params) as con:
        return stages.suppress(con, run_id, params.as_of, params.rules).as_dict()


@task(name="write-exports", retries=1, retry_delay_seconds=2, retry_condition_fn=retry_only_io)
@masked_errors
def emit_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    with _connect(params) as con:
        return stages.emit(
            con, run_id, run_dir(params, run_id), params.rules, zip_format=params.zip_format
        ).as_dict()


def push_url(params: RefreshParams) -> str | None:
    """The collections system's PostgreSQL: the parameter, else $SKIPTRACE_PUSH_URL (which may
    carry the password: it is read here, never stored with the flow's parameters)."""
    from skiptrace.flows.exports.pg import resolve_url

    return resolve_url(params.push_url)


@task(name="pull-outcomes", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_only_io)
@masked_errors
def pull_outcomes_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    """Collectors' outcomes from PostgreSQL before the run uses them (docs/push.md)."""
    from skiptrace.flows.exports.outcomes_pull import pull_outcomes

    url = push_url(params)
    assert url is not None
    with _connect(params) as con:
        return {"outcomes": pull_outcomes(con, url, run_id)}


@task(name="push-results", retries=1, retry_delay_seconds=10, retry_condition_fn=retry_only_io)
@masked_errors
def push_task(params: RefreshParams, run_id: str) -> dict[str, Any]:
    """The completed run into PostgreSQL, one transaction (a retry re-pushes: idempotent)."""
    from skiptrace.flows.exports.push import push_run

    url = push_url(params)
    assert url is not None
    with _connect(params) as con:
        # the run's shrink settings: a run allowed to shrink may retire as much in the target
        return push_run(
            con, run_id, url, allow_shrink=params.allow_shrink, max_shrink=params.max_shrink
        ).as_dict()


@flow(name="ingest", log_prints=False)
def ingest_flow(params: RefreshParams, run_id: str) -> list[dict[str, Any]]:
    """Load the account export and every source file into DuckDB, quarantining bad rows; stop
    the run when the delivery is mostly rejected or drops too many accounts."""
    with noting_signals():  # each flow run installs Prefect's SIGTERM handler anew
        stats = [ingest_task(params, run_id)]
        check_delivery_task(params, run_id)
    return stats


@flow(name="match")
def match_flow(params: RefreshParams, run_id: str) -> list[dict[str, Any]]:
    """Standardize identities and link accounts to source records."""
    with noting_signals():
        return [standardize_task(params, run_id), link_task(params, run_id)]


@flow(name="emit")
def emit_flow(params: RefreshParams, run_id: str) -> list[dict[str, Any]]:
    """Resolve contacts, suppress, check how many contacts would go, export and summarise."""
    with noting_signals():
        stats = [resolve_task(params, run_id), suppress_task(params, run_id)]
        check_contacts_task(params, run_id)
        return [*stats, emit_task(params, run_id)]


def run_dir(params: RefreshParams, run_id: str) -> Path:
    return params.out / run_id


@flow(name="refresh")
def refresh_flow(params: RefreshParams, run_id: str | None = None) -> dict[str, Any]:
    """Full refresh: ingest -> standardize + match -> resolve + suppress + emit.

    Returns the run summary (also written to out/<run_id>/run_summary.json).
    """
    install_masking()
    install_quiet_refusals()  # a refused run logs one line, not a traceback
    logger = get_run_logger()
    run_id = run_id or new_run_id()
    # a deployment's parameters did not pass the command's checks: before anything is stored
    guards.refuse_ssn_shaped_names(params)
    guards.preflight(params)  # settings valid, output folder and database writable
    with (
        noting_signals(),
        one_line_per_failure(),
        private_umask(),
        skiptrace_logs_to_prefect(),
        db_lock(params.db, run_id=run_id, wait_seconds=params.lock_wait),
        _machine_failures_named(params, run_id),
        _database_kept_open(params),
        progress_artifact(run_id),
    ):
        return _refresh_locked(params, run_id, logger)


@contextmanager
def _machine_failures_named(params: RefreshParams, run_id: str) -> Iterator[None]:
    """A full disk, a folder gone read-only, a corrupt database or a signal leave the run as the
    SkiptraceError that names the path and what to do (skiptrace/resources.py), so Prefect's
    state, the log and the command line say that, not "RuntimeError: Query interrupted". A
    signal after the run was recorded completed says so (`_signal_after_completion`)."""
    try:
        yield
    except BaseException as exc:
        known = known_failure(exc, params.db)
        if (after := _signal_after_completion(params, run_id, known or exc)) is not None:
            raise after from exc
        if known is None:
            raise
        raise known from exc


def _signal_after_completion(
    params: RefreshParams, run_id: str, exc: BaseException
) -> Interrupted | None:
    """When `exc` is a signal (Interrupted) that came after the run was recorded completed
    (as its report was written, its push made, or the flow ended), the Interrupted that says
    so: the run stays completed, its folder published, and the command does not claim it
    failed. None otherwise, or when the database cannot say."""
    if not isinstance(exc, Interrupted):
        return None
    try:
        with _connect(params) as con:
            completed = sql.scalar(con, "audit/run_completed.sql", run_id=run_id)
    except Exception:
        return None
    if not completed:
        return None
    return Interrupted(interrupted_after_completion_line(exc.signum, run_id), exc.signum)


def _undo_refused_delivery(con: Any, params: RefreshParams, run_id: str, logger: Any) -> None:
    """A refused run leaves the portfolio as it found it: the files it loaded are set aside as
    'refused' and the ones they replaced are current again; inbox files go back to the inbox."""
    from skiptrace.sources.ingest import revert_run_loads

    files = revert_run_loads(con, run_id)
    returned: list[Path] = []
    if params.inbox is not None:
        from skiptrace.flows.orchestration import inbox

        returned = inbox.return_to_inbox(params.inbox, run_id)
    if files or returned:
        logger.warning(
            "run %s refused: its %s loaded file(s) set aside as refused, the files they replaced"
            " current again%s",
            run_id,
            files,
            f"; {len(returned)} file(s) back in the inbox" if returned else "",
        )


def _refresh_locked(params: RefreshParams, run_id: str, logger: Any) -> dict[str, Any]:
    """The refresh body; runs only while this process holds the database lock."""
    with _connect(params) as con:
        make_private(params.db)  # a database created before 0600 was the rule
        guards.check_key(con, params.db, run_id)  # before the run row: a refused run never starts
        if abandoned := mark_abandoned(con):
            _close_abandoned(abandoned, run_id, logger)
        params = guards.drop_standing_override(con, params, run_id)  # a deployment's
        start_run(
            con,
            run_id,
            as_of=params.as_of,
            params=params.model_dump(mode="json"),
            flow_run_id=flow_run.get_id(),
        )
    logger.info("run %s started (as of %s)", run_id, params.as_of)
    pushing = push_url(params) is not None
    try:
        if pushing:
            pull_outcomes_task(params, run_id)
        stage_stats = ingest_flow(params, run_id) + match_flow(params, run_id)
        stage_stats += emit_flow(params, run_id)
        summary = finalize(params, run_id, stage_stats)
    except BaseException as exc:
        mask_exception(exc)  # its message goes to the log below and to Prefect's database
        known = known_failure(exc, params.db)
        if (after := _signal_after_completion(params, run_id, known or exc)) is not None:
            # completed and published (finalize): not to be recorded failed nor marked
            # INCOMPLETE; only what follows a run (report, archiving) was cut short
            logger.warning("%s", after.one_line())
            raise after from exc
        _record_failure(params, run_id, exc, logger)
        logger.error("run %s failed: %s", run_id, known.one_line() if known else exc)
        if known is not None:
            raise known from exc
        raise
    if pushing and _is_backfill(params, run_id):
        # the push would refuse it (an older run than the one pushed, exit 6): its run warning
        # says the push stays on the newer run; `skiptrace push --allow-older-run` if meant
        logger.warning("run %s is a backfill: not pushed", run_id)
        pushing = False
    if pushing:
        # after the run completed: a failed push fails the flow run but leaves the run and its
        # exports complete; `skiptrace push RUN_ID` retries it
        summary["push"] = push_task(params, run_id)
        from skiptrace.flows.report.summary import write_summary

        write_summary(summary, run_dir(params, run_id))
    logger.info(
        "run %s completed: %s contacts emitted, %s suppressed",
        run_id,
        summary["totals"]["emitted"],
        summary["totals"]["suppressed"],
    )
    return summary


def _close_abandoned(abandoned: list[AbandonedRun], run_id: str, logger: Any) -> None:
    """What a killed run could not do itself: its INCOMPLETE marker says it was abandoned (by
    which run, when) instead of "is being written", and its Prefect flow run, left RUNNING
    for good by a kill -9, is set Crashed (best effort: one warning when the API cannot)."""
    from skiptrace.flows.exports.emit import INCOMPLETE_MARKER, mark_incomplete

    logger.warning(
        "marked %s interrupted earlier run(s) as abandoned: %s",
        len(abandoned),
        ", ".join(a.run_id for a in abandoned),
    )
    for gone in abandoned:
        if gone.out is not None and (gone.out / INCOMPLETE_MARKER).is_file():
            why = f"was abandoned: its process ended unfinished; found and marked by run {run_id}"
            try:
                mark_incomplete(gone.out, gone.run_id, why)
            except OSError as exc:
                logger.warning("run %s: could not rewrite INCOMPLETE: %s", gone.run_id, exc)
    flow_runs = [a for a in abandoned if a.flow_run_id]
    if flow_runs:
        _crash_flow_runs(flow_runs, run_id, logger)


def _crash_flow_runs(abandoned: list[AbandonedRun], run_id: str, logger: Any) -> None:
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    done: list[str] = []
    try:
        with get_client(sync_client=True) as client:
            for gone in abandoned:
                run = client.read_flow_run(gone.flow_run_id)  # type: ignore[arg-type]
                if run.state is not None and run.state.is_final():
                    continue
                client.set_flow_run_state(
                    gone.flow_run_id,  # type: ignore[arg-type]
                    Crashed(message=f"skiptrace run {gone.run_id} abandoned (found by {run_id})"),
                    force=True,
                )
                done.append(gone.run_id)
    except Exception as exc:
        logger.warning(
            "could not mark the Prefect flow runs of %s Crashed: %s",
            ", ".join(a.run_id for a in abandoned if a.run_id not in done),
            _first_line(exc),
        )


def _record_failure(params: RefreshParams, run_id: str, exc: BaseException, logger: Any) -> None:
    """Record the run failed and say why in its INCOMPLETE marker. Each step on its own: when
    the disk is full, the output folder read-only or the database damaged, the step that meets
    it is skipped with a warning, and the run's failure is still the one reported."""
    try:
        with _connect(params) as con:
            finish_run(con, run_id, "failed")
            if isinstance(exc, RunRefused):
                _undo_refused_delivery(con, params, run_id, logger)
    except Exception as again:
        logger.warning("run %s: could not record it failed: %s", run_id, _first_line(again))
    if run_dir(params, run_id).is_dir():
        from skiptrace.flows.exports.emit import mark_incomplete

        try:
            mark_incomplete(run_dir(params, run_id), run_id, f"failed: {type(exc).__name__}")
        except OSError as again:
            logger.warning("run %s: could not rewrite INCOMPLETE: %s", run_id, _first_line(again))


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def finalize(
    params: RefreshParams, run_id: str, stage_stats: list[dict[str, Any]]
) -> dict[str, Any]:
    """Close the run and write its summary (and report) next to the exports."""
    from skiptrace.flows.exports.emit import mark_complete, write_manifest
    from skiptrace.flows.exports.outputs import write_latest
    from skiptrace.flows.report.summary import build_summary, write_summary

    with _connect(params) as con:
        backfill = note_backfill(con, run_id)  # before the summary: a run warning
        summary = build_summary(con, run_id, stage_stats)
        write_summary(summary, run_dir(params, run_id))
        # Manifest, completed, marker gone: in that order, so a kill between any two leaves a
        # folder that still says INCOMPLETE (README, "Outputs").
        write_manifest(con, run_id, run_dir(params, run_id))
        # A SIGTERM or Ctrl-C here waits for the three steps to end, so a run recorded
        # completed is published whole; the signal then interrupts what follows, and the run
        # stays completed (_signal_after_completion). (A signal between them used to record
        # the published run failed and mark it INCOMPLETE again, LATEST moved to it or not.)
        with signals_deferred():
            finish_run(con, run_id, "completed")
            mark_complete(run_dir(params, run_id))
            if backfill is None:  # out/LATEST: after the set is published, never before, and
                write_latest(params.out, run_id, con=con)  # only to a newer run than it names
        if params.report:
            publish_report(con, run_id, run_dir(params, run_id))
        if params.keep_runs:
            archive_old_runs(con, params.db, params.keep_runs, params.out)
    return summary


def note_backfill(con: Any, run_id: str) -> Any:
    """A run dated before the newest completed run (an older `--as-of`) is a backfill: its
    folder is written, but out/LATEST and the push stay on the newest run, and its delta is
    relative to the completed run dated before it. Said in one run warning (exit 7, in
    run_summary.json and the report) naming both runs; returns the Backfill, else None."""
    from skiptrace.flows.audit.runs import backfill_of

    backfill = backfill_of(con, run_id)
    if backfill is not None:
        record_run_warnings(con, run_id, "backfill", [backfill.warning()])
    return backfill


def _is_backfill(params: RefreshParams, run_id: str) -> bool:
    from skiptrace.flows.audit.runs import backfill_of

    with _connect(params) as con:
        return backfill_of(con, run_id) is not None


def archive_old_runs(con: Any, db: Path, keep: int, out: Path | None = None) -> None:
    """Archive the runs older than the `keep` newest completed ones, and remove their output
    folders and inbox copies (flows/exports/outputs.py). After the run completed: a failure is
    logged, never fatal (this run's outputs are complete, and an archive that stopped part way
    leaves every row in the database or in verified files)."""
    from skiptrace.flows.audit.archive import archive_runs
    from skiptrace.flows.exports.outputs import remove_old_outputs

    log = logging.getLogger("skiptrace")
    try:
        result = archive_runs(con, db, keep)
        outputs = remove_old_outputs(con, out)
    except Exception:
        log.exception("archiving the runs older than the %s newest completed failed", keep)
        return
    if result.runs:
        log.info("%s", result.summary())
    if outputs.removed or outputs.kept:
        log.info("%s", outputs.summary())


def publish_report(con: Any, run_id: str, out_dir: Path) -> None:
    """The HTML run report and the Prefect artifacts. A report problem is logged, never fatal:
    the exports are already written and the run is complete."""
    from skiptrace.flows.report.artifacts import publish_artifacts
    from skiptrace.flows.report.run_report import collect_run_data, write_report

    try:
        data = collect_run_data(con, run_id)  # once for both: it reads the run's contact points
        path = write_report(con, run_id, out_dir, data=data)
        publish_artifacts(con, run_id, path, data=data)
    except Exception:
        logging.getLogger("skiptrace").exception("run %s: report/artifacts failed", run_id)


def run_refresh(
    params: RefreshParams,
    run_id: str | None = None,
    early_server: EarlyServer | None = None,
) -> dict[str, Any]:
    """Run the refresh flow: on Prefect's ephemeral server (no server needed, heartbeats off:
    prefect_startup.py; `early_server` when the command already spawned it), or on the server
    PREFECT_API_URL names. skiptrace's log lines at INFO, unless the caller chose a level
    (`skiptrace run --quiet`: warnings only)."""
    skiptrace_log = logging.getLogger("skiptrace")
    if skiptrace_log.level == logging.NOTSET:
        skiptrace_log.setLevel(logging.INFO)
    guards.preflight(params)  # before Prefect starts: a folder problem is reported at once
    # around the flow too: the refresh's own "Finished in state Failed(...)" comes after its body
    with ephemeral_run_settings(early_server), one_line_per_failure():
        return refresh_flow(params, run_id=run_id)
