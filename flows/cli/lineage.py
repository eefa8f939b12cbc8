"""Lineage commands of the `skiptrace` CLI: explain, report, replay, purge, archive.

`register(app)` adds them to the main Typer app (flows/cli/main.py). Imports are deferred into each
command, as in flows/cli/main.py, so `skiptrace --help` stays instant.
"""

from __future__ import annotations

import contextlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $SKIPTRACE_DB or data/skiptrace.duckdb)."),
]


#: `explain --on`: the day whose results to explain (declared once; parsed by options.iso_date).
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="YYYY-MM-DD",
        help="Explain the account as the collector had it on that day: the last completed run "
        "that ended (UTC) on or before the day, archived or not. Not with --run.",
    ),
]
#: `explain --runs`: list the runs instead of explaining one.
RunsOpt = Annotated[
    bool,
    typer.Option(
        "--runs",
        help="List the completed runs that hold the account (as of, ended, first pushed), "
        "newest first, and the archived runs (not searched), instead of explaining one.",
    ),
]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _open(db: Path | None, *, write: bool = False) -> Any:
    """Open the database; read-only when possible (a report can be read while nothing runs),
    read-write once to migrate a database written by an older version."""
    import duckdb

    from skiptrace import sql

    path = sql.resolve_db_path(db)
    if not path.is_file():
        from skiptrace.errors import InputFileError

        raise InputFileError(f"database {path} does not exist (--db, $SKIPTRACE_DB)")
    if write:
        try:
            return sql.connect(path)
        except sql.DatabaseLocked:
            raise  # names the holder already
        except duckdb.IOException as exc:  # DuckDB's file lock: a run (or another command)
            from skiptrace.errors import DatabaseBusy

            raise DatabaseBusy(
                f"database {path} is open in another process (a run?); try again when it ends"
            ) from exc
    con = sql.connect(path, read_only=True)
    newest = max(version for version, _ in sql.migrations())
    try:
        applied = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0]
    except duckdb.CatalogException:
        applied = None
    if applied is None or applied < newest:
        # written by an older skiptrace: apply the newer migrations once (lineage 008, the
        # archive's 095, ...), then read as before
        con.close()
        sql.connect(path).close()
        con = sql.connect(path, read_only=True)
    return con


def require_latest_completed_run(con: Any) -> str:
    """The default run of commands given no run id (`report`, `calibrate`); a usage error when
    the database has no completed run, since there is nothing sensible to fall back to."""
    from skiptrace.flows.audit.runs import latest_completed_run

    run_id = latest_completed_run(con)
    if run_id is None:
        raise typer.BadParameter("no completed run in this database")
    return run_id


def explain(
    account_id: Annotated[str, typer.Argument(help="Account number as in the account export.")],
    run: Annotated[
        str | None,
        typer.Option("--run", help="Run id (default: latest completed run with this account)."),
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help="Only the contact this value names: a phone, an email or an address line.",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for machines.")
    ] = OutputFormat.text,
    on: OnOpt = None,
    runs: RunsOpt = False,
    db: DbOpt = None,
) -> None:
    """Explain every emitted and suppressed contact of an account, back to the delivered files.

    For each contact: the supporting records and their files (name, sha256, received date,
    permissible purpose, line), match probability, the per-field evidence waterfall, confidence
    factors, suppression rules applied, the export that carried it, whether and when the run
    was pushed to the collections database, and its retention. Personal data is masked; SSNs
    appear only as last four digits, dates of birth as a year. Default run: the latest completed
    run holding the account, archived runs aside (--run reads one; --runs lists them).
    """
    from skiptrace.errors import UsageError
    from skiptrace.flows.audit.lineage import account_runs, explain_account, render_text, to_json
    from skiptrace.flows.cli.options import iso_date

    if on is not None and run is not None:
        raise UsageError("give --run or --on, not both")
    if runs and (run or on or contact):
        raise UsageError("--runs lists the runs: not with --run, --on or --contact")
    day = iso_date(on, "--on") if on is not None else None
    con = _open(db)
    try:  # an account, run or contact that names nothing: LineageError, exit code 2
        if runs:
            found = account_runs(con, account_id)
        else:
            doc = explain_account(con, account_id, run_id=run, contact=contact, on=day)
    finally:
        con.close()
    if runs:
        _print_runs(account_id, found, fmt)
    elif fmt is OutputFormat.json:
        typer.echo(to_json(doc))
    else:
        render_text(doc)


def _print_runs(account_id: str, found: list[dict[str, Any]], fmt: OutputFormat) -> None:
    """`explain --runs`: the completed runs holding the account, and the archived runs."""
    from skiptrace.flows.audit.lineage import LineageError

    if not found:
        raise LineageError(f"account {account_id!r} is in no completed run")
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(found, indent=2, default=str))
        return

    def when(value: Any) -> str:
        return str(value)[:16].replace("T", " ") if value else "—"

    typer.echo(
        f"completed runs holding account {account_id}, newest first "
        "(explain one with --run RUN_ID; --on DATE picks the one current on a day):"
    )
    for r in found:
        held = "archived: not searched (--run reads it)" if r["archived"] else "holds it"
        pushed = f"pushed {when(r['first_pushed_at'])}" if r["first_pushed_at"] else "not pushed"
        typer.echo(
            f"  {r['run_id']}  as of {r['as_of']}  ended {when(r['ended_at'])} UTC  {pushed}"
            f"  {held}"
        )


def report(
    run: Annotated[
        str | None, typer.Argument(help="Run id (default: latest completed run).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output root; the report goes to OUT/<run_id>/.")
    ] = Path("out"),
    calibration: Annotated[
        Path | None,
        typer.Option(
            "--calibration",
            exists=True,
            dir_okay=False,
            help="JSON with a reliability table (list of lo, hi, n, mean_confidence, accuracy, or "
            "an object with 'reliability', e.g. demo_scores.json). Default: OUT/<run_id>/"
            "demo_scores.json when present.",
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """(Re)write a run's self-contained HTML report, OUT/<run_id>/report.html.

    Stages, file reconciliation and quarantine, match-probability and confidence charts (a
    reliability diagram when a calibration table is available), per-source hit rates,
    suppressions by rule and the exports with their checksums. No personal data.
    """
    from rich.console import Console

    from skiptrace.flows.audit.archive import archived_run_views
    from skiptrace.flows.report.run_report import write_report

    con = _open(db)
    try:
        run_id = run or require_latest_completed_run(con)
        cal_file = calibration or (out / run_id / "demo_scores.json")
        with archived_run_views(con, run_id):  # an archived run reads from its files
            path = write_report(con, run_id, out, calibration=_calibration(cal_file))
    except LookupError as exc:
        raise typer.BadParameter(str(exc), param_hint="RUN") from exc
    finally:
        con.close()
    Console().print(f"report: [bold]{path}[/]")


def _calibration(path: Path) -> list[dict[str, Any]] | None:
    """The reliability table of a calibration file; a file that is not one is a usage error."""
    from skiptrace.errors import UsageError

    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--calibration {path}: not a JSON file ({exc})") from None
    rows = data.get("reliability") if isinstance(data, dict) else data
    if rows is not None and not (isinstance(rows, list) and all(isinstance(r, dict) for r in rows)):
        raise UsageError(
            f"--calibration {path}: expected a list of reliability rows, or an object with "
            "'reliability' (e.g. demo_scores.json)"
        )
    return rows or None


def replay(
    run_id: Annotated[str, typer.Argument(help="The run to reproduce.")],
    db: DbOpt = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the scratch copy of the database for inspection.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-derive a run's contacts from its recorded inputs and parameters, in a scratch copy of
    the database, and compare them with what the run emitted.

    Compared: every contact point column a collector acts on (rank, confidence, status, dial
    mode, hold, reasons, time zone, ...), the suppression decisions, the account flags and the
    scored pairs; differences are counted by kind, with examples. The suppression rules are the
    ones the run recorded, whatever the rules file says now.

    Exit status: 0 identical; 9 different (the differences are printed); 2 an unknown run; 6 a
    run that did not complete; 4 no database, the run's inputs not recorded or purged, or its
    rules not recorded (a run from before this version: replayed with the file as it is now,
    UNVERIFIED); 5 the database in use. The live database is only checkpointed, never changed;
    resolve runs in full there, never from the evidence cache.
    """
    from skiptrace import errors, sql
    from skiptrace.flows.orchestration.replay import ReplayUnverified, replay_run
    from skiptrace.resources import interrupted_as

    with interrupted_as(_replay_interrupted):
        result = replay_run(sql.resolve_db_path(db), run_id, keep=keep)
    typer.echo(json.dumps(result.as_dict(), indent=2, default=str) if as_json else result.summary())
    if not result.identical:
        raise errors.NotReproduced(
            f"replay of run {run_id} differs: {result.contact_differences:,} contact, "
            f"{result.suppression_differences:,} suppression, {result.flag_differences:,} flag "
            f"and {result.pair_differences:,} pair differences (by kind above)"
        )
    if not result.verified:
        raise ReplayUnverified(
            f"replay of run {run_id} reproduced it with its rules file as it is now, but the run "
            "recorded no copy of the rules it applied (it ran before this version): cannot be "
            "verified"
        )


def purge(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            help="Retention period: raw rows of files whose last use is older go "
            "('3y', '18m', '90d'; Reg F 1006.100 asks for 3 years after last activity).",
        ),
    ] = "3y",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report what would be removed.")
    ] = False,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Purge raw rows of input files unused for the retention period; keep the lineage.

    Removes the accounts, source records, source contacts and quarantined raw lines (and their
    standardized copies) of every file whose last use is older than --older-than; keeps runs,
    input files with checksums and counts, matches, contacts, support, suppressions and exports.
    Each purged file is logged in purge_log.
    """
    from skiptrace.flows.audit.retention import parse_period
    from skiptrace.flows.audit.retention import purge as run_purge

    try:
        period = parse_period(older_than)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--older-than") from exc
    from skiptrace.resources import interrupted_as

    with interrupted_as(_purge_interrupted):
        con = _open(db, write=not dry_run)
        try:
            result = run_purge(con, period, dry_run=dry_run)
        finally:
            con.close()
    typer.echo(json.dumps(result.as_dict(), indent=2, default=str) if as_json else result.summary())


# What each command says after "interrupted by SIGTERM: " (resources.interrupted_as): what
# stopped and what holds of its work.
_replay_interrupted = (
    "skiptrace replay stopped; the database is unchanged (a replay works in a scratch copy "
    "beside it, removed unless --keep). Run it again"
)
_purge_interrupted = (
    "skiptrace purge stopped; its files are removed and logged in purge_log in one "
    "transaction, so they are all purged or all still there. Run it again"
)
_archive_interrupted = (
    "skiptrace archive stopped; a run's rows leave the database in one transaction once its "
    "files are written and checked, so each run is archived whole or still in the database. "
    "Run it again to finish (and to remove the archived runs' output folders)"
)
_restore_interrupted = (
    "skiptrace archive --restore stopped; the run's rows come back in one transaction, so it "
    "is restored whole or still archived (archive --list says which). Run it again if it is "
    "still archived"
)


def archive(
    keep: Annotated[
        int,
        typer.Option(
            "--keep",
            min=1,
            help="Completed runs kept whole in the database, newest first; every ended run "
            "older than the oldest of them is archived.",
        ),
    ] = 30,
    restore: Annotated[
        str | None,
        typer.Option("--restore", metavar="RUN_ID", help="Put an archived run's rows back."),
    ] = None,
    list_runs: Annotated[
        bool, typer.Option("--list", help="List the archived runs and where their files are.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report what would be archived.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output root to look for the archived runs' folders in (default: the one "
            "each run recorded; a relative one is read from the working directory).",
        ),
    ] = None,
    moved_from: Annotated[
        list[Path] | None,
        typer.Option(
            "--moved-from",
            metavar="OLD_DB",
            help="This database was moved from OLD_DB (no longer there): the folders its runs "
            "wrote there are this database's too. Without it they are kept, as folders another "
            "database wrote are (a copy's archive never removes the original's).",
        ),
    ] = None,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Move old runs' rows out of the database into Parquet files beside it (<db>.archive/),
    and remove the archived runs' output folders.

    Each run keeps its own matches, contacts, support, suppressions and flags: several GB a
    night at a million accounts. This keeps the --keep newest completed runs whole and moves
    the rows of every older run to <db>.archive/<run_id>/, checked by row count and sha256
    before they leave the database. explain, report, calibrate and replay still read an
    archived run; push refuses one until --restore puts it back. Runs, exports and input files
    stay. Takes the run lock: with a run going it exits 5.

    The output folder OUT/<run_id>/ of every archived run (contacts and imports: personal
    data) and its inbox copies (processed/<run_id>/) are removed too: only a folder holding
    that run's manifest.json or INCOMPLETE marker written by this database (at this path: on a
    copy of the database the original's folders stay), never the newest completed run's
    (out/LATEST names it), never a run the push has not taken yet. --dry-run lists them.
    """
    from skiptrace import sql
    from skiptrace.flows.audit.archive import archive_runs, list_archives, restore_run
    from skiptrace.flows.exports.outputs import check_moved_from, remove_old_outputs

    if list_runs:
        con = _open(db)
        try:
            found = list_archives(con)
        finally:
            con.close()
        if as_json:
            typer.echo(json.dumps(found, indent=2, default=str))
            return
        for r in found:
            typer.echo(
                f"{r['run_id']}  as of {r['as_of']}  {r['status']}  {r['rows']:,} rows"
                f"  {r['mib']} MiB  archived {r['archived_at']:%Y-%m-%d %H:%M}  {r['path']}"
            )
        if not found:
            typer.echo("no archived runs")
        return
    if restore and dry_run:
        raise typer.BadParameter(
            "--restore does not combine with --dry-run", param_hint="--restore"
        )
    from skiptrace.flows.orchestration.lock import db_lock

    path = sql.resolve_db_path(db)
    if not path.is_file():  # before the lock, which would create <db>.lock beside nothing
        from skiptrace.errors import InputFileError

        raise InputFileError(f"database {path} does not exist (--db, $SKIPTRACE_DB)")
    check_moved_from(path, moved_from or [])
    # the run lock, as a refresh takes it (docs/scaling.md, "The single-writer rule"): a run
    # that starts meanwhile fails (or waits) naming this command instead of meeting moved rows
    lock = db_lock(path, run_id="skiptrace archive") if not dry_run else contextlib.nullcontext()
    from skiptrace.resources import interrupted_as

    stopped = _restore_interrupted if restore else _archive_interrupted
    with interrupted_as(stopped), lock:
        con = _open(db, write=not dry_run)
        try:
            if restore:
                run = restore_run(con, restore)
                text = f"restored run {restore}: {sum(run.rows.values()):,} rows"
                typer.echo(json.dumps(run.__dict__, default=str) if as_json else text)
                return
            result = archive_runs(con, path, keep, dry_run=dry_run)
            also = [r.run_id for r in result.runs] if dry_run else None
            outputs = remove_old_outputs(
                con, out, also=also, dry_run=dry_run, moved_from=moved_from
            )
        finally:
            con.close()
    if as_json:
        done = {**result.as_dict(), "outputs": outputs.as_dict()}
        typer.echo(json.dumps(done, indent=2, default=str))
        return
    typer.echo(result.summary())
    if outputs.removed or outputs.kept:
        typer.echo(outputs.summary())


def register(app: typer.Typer) -> None:
    """Add explain, report, replay, purge and archive to `app`."""
    for command in (explain, report, replay, purge, archive):
        app.command()(command)
