"""The `skiptrace` command line.

Imports are deferred into each command so `skiptrace --help` answers instantly instead of
paying for Prefect, polars and DuckDB up front.

`run` and `serve` take the refresh's settings as options generated from `RefreshParams`
(flows/cli/options.py): declared once, in the model, and validated by it. Errors a user can
cause end as one line on stderr with a documented exit code (flows/cli/boundary.py,
skiptrace/errors.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from skiptrace import errors
from skiptrace.atomic import private_dir
from skiptrace.flows.cli.boundary import SkiptraceGroup
from skiptrace.flows.cli.options import given, iso_date, with_model_options
from skiptrace.flows.exports.pg import PushSettings
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.masking import install_masking


def _exit_codes_epilog() -> str:
    """The exit code table of `skiptrace --help`, from skiptrace/errors.py."""
    rows = "\n".join(f"  {code}  {meaning}" for code, meaning in errors.EXIT_CODES.items())
    return "[bold]Exit codes[/bold]\n\n" + rows


app = typer.Typer(
    name="skiptrace",
    cls=SkiptraceGroup,
    help="Skip-tracing and contact-data pipeline for debt collections.\n\n"
    "Ingest account exports and vendor / public-record extracts into DuckDB, match them with "
    "explainable scores, resolve each account's best current contacts, apply compliance "
    "suppressions and emit refreshed contact files with full lineage.",
    epilog=_exit_codes_epilog(),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $SKIPTRACE_DB or data/skiptrace.duckdb)."),
]

#: Rich help panel of the options generated from RefreshParams.
RUN_PANEL = "Run settings"
#: File a demo leaves in its folder: the only non-empty folder the next demo may empty.
DEMO_MARKER = ".skiptrace-demo"


def _show_version(value: bool) -> None:
    if value:
        from skiptrace import __version__

        typer.echo(f"skiptrace {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Skip-tracing and contact-data pipeline for debt collections."""


def _console():
    from rich.console import Console

    return Console()


@app.command()
def generate(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the synthetic portfolio into.")],
    accounts: Annotated[
        int, typer.Option("--accounts", "-n", min=10, help="Number of accounts.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed and size, same bytes.")] = 7,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference 'today' of the portfolio (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Write a deterministic synthetic portfolio: accounts, source extracts, sources.yml, truth."""
    from skiptrace.flows.demo.synthetic import generate_portfolio

    kwargs: dict[str, Any] = {"accounts": accounts, "seed": seed}
    if as_of:
        kwargs["as_of"] = iso_date(as_of, "--as-of")
    if outdir.exists() and not outdir.is_dir():
        raise errors.UsageError(f"OUTDIR {outdir}: not a folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / "portfolio.json").is_file():
        raise errors.UsageError(
            f"OUTDIR {outdir}: not empty and not an earlier generated portfolio (no "
            "portfolio.json); its accounts.csv and sources.yml would be overwritten, so give a "
            "new folder"
        )
    p = generate_portfolio(outdir, **kwargs)
    console = _console()
    console.print(
        f"[green]Generated[/] {p.n_accounts:,} accounts and {p.n_source_records:,} source records "
        f"in [bold]{p.root}[/] (as of {p.as_of})"
    )
    console.print(
        f"  accounts: {p.accounts_path}\n  sources:  {p.sources_path}\n  truth:    {p.truth_dir}"
    )


QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No progress bar, no log lines: only the final line (or the error).",
    ),
]


@app.command()
@with_model_options(RefreshParams, panel=RUN_PANEL)
def run(options: dict[str, Any], quiet: QuietOpt = False) -> None:
    """Run the Prefect flow `refresh` (ingest -> standardize -> match -> resolve -> suppress -> emit).

    Give --accounts FILE or --inbox DIR. The settings are checked, and sources.yml, the profile and the rules file loaded, before Prefect starts.
    """
    params = _run_params(options)
    summary = _run(params, quiet=quiet)
    if quiet:
        _print_final_line(summary, params.out)
    else:
        _print_summary(summary, params.out)
    if summary.get("warnings"):
        raise typer.Exit(errors.WARNINGS)


def _run_params(options: dict[str, Any]) -> RefreshParams:
    """Validated RefreshParams of `run`, every configuration file checked: Prefect not started."""
    from skiptrace import sql
    from skiptrace.flows.cli import preflight

    values = given(options)
    values["db"] = sql.resolve_db_path(values.get("db"))
    params = preflight.refresh_params(values)
    preflight.check_run(params)
    return params


def _run(params: RefreshParams, *, quiet: bool = False) -> dict[str, Any]:
    """Run the refresh in Prefect's ephemeral mode, with the stage bar unless quiet."""
    if quiet:
        _quiet_logging()
    from skiptrace.atomic import private_umask
    from skiptrace.flows.cli import preflight
    from skiptrace.flows.orchestration import prefect_startup

    prefect_startup.set_quiet_defaults()  # before Prefect is imported
    preflight.check_prefect_home()  # `run` checked it already; `demo` has not
    # Prefect writes its database and results at 0644 whatever the umask unless the umask says
    # otherwise: the private one, for this process and the server it spawns (inherited)
    with private_umask():
        # the ephemeral API server boots in its own process while this one imports Prefect
        early = prefect_startup.start_early_server()
        try:
            from skiptrace.flows.cli.boundary import drop_known_tracebacks
            from skiptrace.flows.orchestration.refresh import run_refresh
            from skiptrace.progress import stage_bar

            drop_known_tracebacks()  # the hmac key is made by the refresh, next to the database
            with stage_bar(enabled=not quiet and _console().is_terminal):
                return run_refresh(params, early_server=early)
        finally:
            if early:
                early.stop()


def _quiet_logging() -> None:
    """Quiet: Prefect silent (a failure is reported by the one error line, and an unexpected
    one by its traceback), skiptrace's own warnings kept (e.g. a source with no file). Set
    before Prefect is imported, which is when it configures its logging."""
    import logging

    os.environ["PREFECT_LOGGING_LEVEL"] = "CRITICAL"
    os.environ["PREFECT_SERVER_LOGGING_LEVEL"] = "CRITICAL"
    logging.getLogger("prefect").setLevel(logging.CRITICAL)
    logging.getLogger("skiptrace").setLevel(logging.WARNING)


def _print_final_line(summary: dict[str, Any], out: Path) -> None:
    tot = summary["totals"]
    warned = len(summary.get("warnings") or [])
    state = f"completed with {warned} warning(s) (run_summary.json)" if warned else "completed"
    typer.echo(
        f"run {summary['run_id']} {state}: {tot['emitted']:,} contacts emitted, "
        f"{tot['suppressed']:,} suppressed, {tot['quarantined']:,} rows quarantined; "
        f"outputs: {out / summary['run_id']}"
    )


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = _console()
    t = Table(title=f"Run {summary['run_id']} (as of {summary['as_of']})")
    for col in ("stage", "seconds", "rows in", "rows out"):
        t.add_column(col, justify="right" if col != "stage" else "left")
    for s in summary["stages"]:
        t.add_row(s["name"], f"{s['seconds']:.2f}", f"{s['rows_in']:,}", f"{s['rows_out']:,}")
    console.print(t)
    f = Table(title="Input files")
    for col in ("source", "file", "status", "read", "loaded", "rejected"):
        f.add_column(col, justify="right" if col in ("read", "loaded", "rejected") else "left")
    for e in summary["files"]:
        f.add_row(
            Text(e["source"]), Text(Path(e["path"]).name), e.get("status", ""),
            f"{e['rows_read']:,}", f"{e['rows_loaded']:,}", f"{e['rows_rejected']:,}",
        )  # fmt: skip
    console.print(f)
    for q in summary.get("quarantined_files", []):
        console.print(f"[red]quarantined file[/] {escape(q['path'])}: {escape(q['reason'])}")
    for warning in summary.get("warnings", []):
        console.print(f"[yellow]warning[/] {escape(warning)}")
    tot = summary["totals"]
    console.print(
        f"matched records: [bold]{tot['matched']:,}[/]  associates: {tot['associates']:,}  "
        f"contacts emitted: [bold]{tot['emitted']:,}[/]  suppressed: {tot['suppressed']:,}  "
        f"quarantined rows: {tot['quarantined']:,}"
    )
    console.print(f"outputs: [bold]{escape(str(out / summary['run_id']))}[/]")


@app.command()
def demo(
    accounts: Annotated[
        int, typer.Option("--accounts", "-n", min=10, help="Accounts to generate.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 7,
    workdir: Annotated[
        Path,
        typer.Option(
            "--workdir",
            help="Where the demo keeps its files: a new or empty folder, or one an earlier "
            "demo made (emptied first; any other folder is refused).",
        ),
    ] = Path("demo"),
) -> None:
    """Generate a synthetic portfolio, run the full refresh on it and score it against the truth."""
    import shutil

    from skiptrace.flows.demo.evaluate import score_run
    from skiptrace.flows.demo.synthetic import generate_portfolio

    console = _console()
    marker = workdir / DEMO_MARKER
    if workdir.exists():
        if not workdir.is_dir():
            raise errors.UsageError(f"--workdir {workdir}: not a folder")
        earlier = marker.is_file() or (workdir / "portfolio" / "portfolio.json").is_file()
        if any(workdir.iterdir()) and not earlier:  # (a demo before the marker: its portfolio)
            raise errors.UsageError(
                f"--workdir {workdir}: not empty and not made by an earlier demo (no "
                f"{DEMO_MARKER}); the demo empties its folder first, so give a new one"
            )
        shutil.rmtree(workdir)  # the demo is reproducible: start from nothing every time
    private_dir(workdir)
    marker.write_text("made by `skiptrace demo`: the next demo empties this folder\n")
    portfolio = generate_portfolio(workdir / "portfolio", accounts=accounts, seed=seed)
    console.print(
        f"[green]Generated[/] {portfolio.n_accounts:,} accounts, "
        f"{portfolio.n_source_records:,} source records in {portfolio.root}"
    )
    out = workdir / "out"
    params = RefreshParams(
        accounts=portfolio.accounts_path, sources=portfolio.sources_path,
        db=workdir / "skiptrace.duckdb", out=out, as_of=portfolio.as_of,
    )  # fmt: skip
    summary = _run(params)
    _print_summary(summary, out)
    run_dir = out / summary["run_id"]
    scores = score_run(run_dir, portfolio.truth_dir)
    _print_scores(scores.as_dict())
    from skiptrace.atomic import atomic_write_text

    atomic_write_text(run_dir / "demo_scores.json", json.dumps(scores.as_dict(), indent=2) + "\n")
    report = _rerender_report(
        workdir / "skiptrace.duckdb", summary["run_id"], run_dir, scores.reliability
    )
    console.print(f"scores: {run_dir / 'demo_scores.json'}\nreport: {report}")


def _rerender_report(
    db: Path, run_id: str, run_dir: Path, reliability: list[dict[str, Any]]
) -> Path:
    """Re-render the run report with the reliability diagram the truth makes possible."""
    from skiptrace import sql
    from skiptrace.flows.report.run_report import write_report

    con = sql.connect(db)
    try:
        return write_report(con, run_id, run_dir, calibration=reliability)
    finally:
        con.close()


def _print_scores(s: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(title="Demo score against the generator's truth")
    t.add_column("measure")
    t.add_column("value", justify="right")
    rows = [
        ("rank-1 address precision", f"{s['address_precision']:.4f}  ({s['address_correct']:,}/{s['address_emitted']:,})"),
        ("rank-1 address recall (findable)", f"{s['address_recall']:.4f}"),
        ("rank-1 address precision @ conf>=0.9", f"{s['address_hc_precision']:.4f}  (n={s['address_hc_emitted']:,})"),
        ("rank-1 phone precision", f"{s['phone_precision']:.4f}  (n={s['phone_emitted']:,})"),
        ("rank-1 phone recall", f"{s['phone_recall']:.4f}"),
        ("debtor match precision / recall / F1", f"{s['match_precision']:.4f} / {s['match_recall']:.4f} / {s['match_f1']:.4f}"),
        ("confidence ECE (all debtor contacts)", f"{s['ece']:.4f}"),
    ]  # fmt: skip
    for r in rows:
        t.add_row(*r)
    _console().print(t)


@app.command()
def rejects(
    run: Annotated[
        str | None,
        typer.Option(
            "--run", help="Only this run's rows (default: every run's, the newest run's first)."
        ),
    ] = None,
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(min=0, help="Rows to show (0 = all).")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    fields: Annotated[
        bool,
        typer.Option(
            "--fields", help="Field issues instead: fields NULLed or repaired in loaded rows."
        ),
    ] = False,
    unmasked: Annotated[
        bool,
        typer.Option(
            "--unmasked",
            help="Show raw lines as received (names, dates of birth, phones, emails). Each use "
            "is recorded in the database (pii_access_log: user, host, time, run, rows).",
        ),
    ] = False,
) -> None:
    """List quarantined rows (file, line, reason, raw line), or with --fields the fields NULLed or repaired.

    The raw line is masked unless --unmasked: letters as '*', digits as '#', punctuation kept.
    """
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from skiptrace import sql
    from skiptrace.sources.ingest import list_field_issues, list_rejects

    path = sql.resolve_db_path(db)
    if not path.is_file():
        raise errors.InputFileError(f"database {path} does not exist (--db, $SKIPTRACE_DB)")
    con = sql.connect(path, read_only=not unmasked)  # an unmasked view writes its audit row
    known = (
        "SELECT 1 FROM runs WHERE run_id = $r UNION ALL SELECT 1 FROM input_files WHERE run_id = $r"
    )
    if run is not None and not con.execute(known, {"r": run}).fetchall():
        con.close()
        raise errors.UsageError(f"run {run!r} not found (--run)")
    df = list_field_issues(con, run) if fields else list_rejects(con, run, unmasked=unmasked)
    if limit:
        df = df.head(limit)
    if unmasked:
        from skiptrace.flows.audit.pii_access import record_pii_access

        record_pii_access(con, "rejects --unmasked", run, df.height)
    if as_json:
        for named in df.iter_rows(named=True):
            typer.echo(json.dumps(named, default=str))
        return
    what = "Field issues" if fields else "Quarantined rows"
    title = f"{what}{f' of run {run}' if run else ''} ({df.height:,} shown)"
    t = Table(title=escape(title))
    for col in df.columns:
        t.add_column(col, overflow="fold")
    for row in df.iter_rows():
        # Text, not str: raw lines and reasons are delivered data, never rich markup.
        t.add_row(*(Text("" if v is None else str(v)) for v in row))
    console = _console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # piped (less, grep, a file): one row per line, not a raw line folded into an 80-column
        # cell character by character; a terminal keeps its own width
        from rich.console import Console

        console = Console(width=100_000)
        t.title_justify = "left"
    console.print(t)


@app.command()
@with_model_options(
    RefreshParams, exclude=("as_of",), defaults={"lock_wait": 600.0}, panel=RUN_PANEL
)
def serve(
    options: dict[str, Any],
    cron: Annotated[str, typer.Option(help="Cron schedule.")] = "0 2 * * *",
    timezone: Annotated[
        str, typer.Option(help="IANA time zone of the schedule.")
    ] = "America/New_York",
    name: Annotated[str, typer.Option(help="Deployment name.")] = "nightly-refresh",
) -> None:
    """Serve `refresh` on a schedule from this process: no work pool or worker needed.

    Needs a Prefect API (`prefect server start`, then PREFECT_API_URL) so the scheduler can create runs; each run treats its start date as today. At most one run at a time. sources.yml, the profile and the rules file are loaded now, so a mistake fails here and not at 2 a.m.; the account export and the database may appear later. The run settings are those of `skiptrace run` (--wait defaults to 600 seconds here); paths are made absolute. Keep --threshold and the block caps the same from night to night: a change forces a full rebuild. --full-rebuild makes every served run a full one, for a second, say weekly, deployment (--name, --cron) next to the nightly one.
    """
    from skiptrace.flows.cli import preflight

    parameters = _served_parameters(options)
    preflight.check_serve(RefreshParams(**parameters["params"]))
    preflight.check_prefect_home()
    from skiptrace.atomic import private_umask

    with private_umask():  # for the served runs' results and a temporary server's database
        _serve(parameters, cron=cron, timezone=timezone, name=name)


def _serve(parameters: dict[str, Any], *, cron: str, timezone: str, name: str) -> None:
    from prefect.schedules import Cron

    from skiptrace.flows.orchestration import prefect_startup, schedule_check
    from skiptrace.flows.orchestration.refresh import refresh_flow

    # the schedule's runs are made by the server's scheduler, which serve cannot see: say so
    # when it is missing (temporary server) or makes no run shortly after start
    if not prefect_startup.uses_running_server():
        typer.echo(schedule_check.TEMPORARY_SERVER_WARNING, err=True)
    else:
        schedule_check.watch_first_scheduled_run(
            refresh_flow.name, name, lambda line: typer.echo(line, err=True)
        )
    refresh_flow.serve(
        name=name,
        schedule=Cron(cron, timezone=timezone),
        parameters=parameters,
        global_limit=1,
        tags=["skiptrace"],
        description="Nightly skip-trace refresh: ingest -> match -> emit.",
    )


def _served_parameters(options: dict[str, Any]) -> dict[str, Any]:
    """The served deployment's flow parameters: RefreshParams as JSON, without `as_of`.

    `as_of` is left out so each scheduled run takes its own start date as today. Paths are made
    absolute here, where the user's working directory is known: runs are started later by the
    serving process. The partition folder keeps its symlinks (`absolute`, not `resolve`): Dask
    workers get that path, and a share may be linked at the same path on every host.
    """
    from skiptrace import sql
    from skiptrace.flows.cli import preflight

    values = given(options)
    values["db"] = sql.resolve_db_path(values.get("db"))
    for key, value in values.items():
        if isinstance(value, Path):
            values[key] = value.absolute() if key == "partition_dir" else value.resolve()
    params = preflight.refresh_params(values)
    return {"params": params.model_dump(mode="json", exclude={"as_of"})}


@app.command()
def calibrate(
    run: Annotated[
        str | None, typer.Option("--run", help="Run to check (default: latest completed).")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Generator truth folder of the run's portfolio.")
    ] = None,
    db: DbOpt = None,
    bins: Annotated[int, typer.Option(help="Confidence bins.")] = 10,
    fit: Annotated[
        bool, typer.Option("--fit", help="Refit the confidence model on a generated portfolio.")
    ] = False,
    accounts: Annotated[
        int, typer.Option(help="With --fit: accounts in the training portfolio.")
    ] = 8000,
    labeled: Annotated[
        list[Path] | None,
        typer.Option(
            "--labeled",
            dir_okay=False,
            help="With --fit: a labeled contact file (parquet, e.g. a benchmark portfolio's "
            "labeled_factors.parquet) to pool with the generated portfolio; repeatable.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            dir_okay=False,
            help="With --fit: where to write the model "
            "(default: the shipped matchers/rules/confidence_model.json).",
        ),
    ] = None,
    outcomes: Annotated[
        bool,
        typer.Option(
            "--outcomes",
            help="Check the run's confidence against collectors' verdicts (contact_outcomes) "
            "recorded after it.",
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="With --outcomes: check every completed run with an as_of on or after this "
            "date (YYYY-MM-DD) together, each against the verdicts of its own window.",
        ),
    ] = None,
    export_labels: Annotated[
        Path | None,
        typer.Option(
            "--export-labels",
            dir_okay=False,
            help="With --outcomes: also write the labeled contacts (parquet, mode 0600) for "
            "--fit --labeled.",
        ),
    ] = None,
) -> None:
    """Check that confidence is a probability (ECE + reliability table), or refit the model.

    With --truth: compares a run's confidence with the generator's truth. With --outcomes:
    compares it with collectors' verdicts: the first right party (1), wrong number or
    disconnected (0, phones), returned mail or moved (0, addresses) recorded on each emitted
    debtor contact after the run's as_of and up to the next completed run's (docs/confidence.md);
    --since pools every completed run from a date (nightly runs: a window is a day);
    --export-labels writes the labels for a refit. With --fit: generates a training portfolio (a seed
    other than the demo's), runs the pipeline, pools its labeled contacts with every --labeled
    file, fits one sign-constrained logistic + isotonic model per contact type, writes
    matchers/rules/confidence_model.json (or --out) with what it was fitted on, and prints ECE
    per data set.
    """
    from skiptrace.flows.demo import calibration as cal

    if labeled and not fit:
        raise typer.BadParameter("--labeled needs --fit", param_hint="--labeled")
    for value, flag in ((export_labels, "--export-labels"), (since, "--since")):
        if value is not None and not outcomes:
            raise typer.BadParameter(f"{flag} needs --outcomes", param_hint=flag)
    if outcomes and (fit or truth is not None):
        raise typer.BadParameter(
            "--outcomes checks a run on its own: not with --fit or --truth", param_hint="--outcomes"
        )
    if outcomes:
        _calibrate_outcomes(db, run, since, bins, export_labels)
        return
    if fit:
        argv = ["fit", "--accounts", str(accounts)]
        argv += [a for f in labeled or [] for a in ("--labeled", str(f))]
        argv += ["--out", str(out)] if out else []
        raise typer.Exit(cal.main(argv))
    from skiptrace import sql

    if truth is None:
        raise typer.BadParameter(
            "give --truth DIR or --outcomes (or --fit to refit)", param_hint="--truth"
        )
    if not all((truth / name).is_file() for name in ("accounts.csv", "records.csv")):
        inner = truth / "truth"
        hint = f"; the portfolio's truth is {inner}" if inner.is_dir() else ""
        raise errors.InputFileError(
            f"--truth {truth}: not a generator truth folder (accounts.csv and records.csv, "
            f"written by skiptrace generate under <portfolio>/truth){hint}"
        )
    from skiptrace.flows.audit.archive import archived_run_views
    from skiptrace.flows.cli.lineage import require_latest_completed_run

    con = sql.connect(db, read_only=True)
    run = run or require_latest_completed_run(con)
    with archived_run_views(con, run):  # an archived run reads from its files
        typer.echo(cal.calibration_report(con, run, truth, bins).render())


def _calibrate_outcomes(
    db: Path | None, run: str | None, since: str | None, bins: int, export: Path | None
) -> None:
    """`calibrate --outcomes`: the run's (or, with --since, the runs') labels from collectors'
    verdicts, the reliability table when there are any, and the labels written for a refit."""
    import polars as pl

    from skiptrace.flows.audit.archive import archived_run_views
    from skiptrace.flows.cli.lineage import _open, require_latest_completed_run
    from skiptrace.matchers import calibrate_outcomes as co

    if export is not None and export.suffix == ".json":
        raise errors.UsageError(
            f"--export-labels {export}: give a .parquet name (its description is written "
            "beside it as .json)"
        )
    if run and since:
        raise errors.UsageError("give --run or --since, not both")
    if export is not None:
        _check_export_folder(export)
    start = None
    if since:
        start = iso_date(since, "--since")
    con = _open(db)
    try:
        if start is None:
            runs = [run or require_latest_completed_run(con)]
        elif not (runs := co.runs_since(con, start)):
            raise errors.UsageError(f"no completed run with an as_of on or after {start} (--since)")
        windows, frames = [], []
        for r in runs:
            with archived_run_views(con, r):  # an archived run reads from its files
                windows.append(co.outcome_window(con, r))
                frames.append(co.outcome_labels(con, windows[-1]))
    finally:
        con.close()
    labeled = pl.concat(frames, how="vertical_relaxed")
    typer.echo(co.describe(windows))
    typer.echo(co.label_summary(labeled))
    if labeled.height:
        typer.echo(co.outcome_report(labeled, windows, bins).render())
    if export is not None:
        info = co.export_labels(labeled, windows, export)
        skipped = info["left_out_earlier_right_party"]
        typer.echo(
            f"wrote {info['rows']} labeled contacts to {export}"
            + (
                f" ({skipped} left out: an earlier right party set their confidence)"
                if skipped
                else ""
            )
            + f" (description: {export.with_suffix('.json')})"
        )
        if not info["rows"]:
            typer.echo("the file holds no labels: nothing to refit with")
            return
        few = [f"{t} {n}" for t, n in sorted(info["by_type"].items()) if n < co.MIN_LABELS]
        if few:
            typer.echo(
                f"warning: fewer than {co.MIN_LABELS} labels of a type ({', '.join(few)}): a "
                f"refit gives such a type n/{co.MIN_LABELS} of the set's share (export a longer "
                "--since window for more)",
                err=True,
            )
        typer.echo(f"refit with: skiptrace calibrate --fit --labeled {export}")


def _check_export_folder(export: Path) -> None:
    """--export-labels can be written: its folder is created and takes a file, and the name is
    not a folder. Checked before any work, by doing it (as refresh checks --out), so that an
    unwritable path is one line and the exit code of an unwritable output folder (3), not a
    traceback after the report."""
    from skiptrace.atomic import writable_dir
    from skiptrace.safety import NotWritableError

    folder = export.parent
    try:
        writable_dir(folder)
    except OSError as exc:
        raise NotWritableError(
            f"--export-labels {export}: folder {folder} cannot be created or written "
            f"({exc.strerror or exc}): choose another path"
        ) from None
    for target in (export, export.with_suffix(".json")):
        if target.is_dir():
            raise NotWritableError(f"--export-labels {export}: {target} is a folder")


class PushOptions(PushSettings):
    """`skiptrace push`'s settings: the waits of PushSettings, and the share a push may retire or
    lift, which is the run's max_shrink (its field, declared in RefreshParams)."""

    max_shrink: float = RefreshParams.model_fields["max_shrink"]  # type: ignore[assignment]


@app.command()
@with_model_options(PushOptions)
def push(
    options: dict[str, Any],
    run_id: Annotated[str, typer.Argument(help="Completed run to push.")],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="PostgreSQL URL (postgresql://user@host/db). Prefer --to-file or "
            "$SKIPTRACE_PUSH_URL for a URL with a password: a command line is visible to "
            "other users of the machine.",
        ),
    ] = None,
    to_file: Annotated[
        Path | None,
        typer.Option("--to-file", dir_okay=False, help="File whose first line is the URL."),
    ] = None,
    db: DbOpt = None,
    allow_older_run: Annotated[
        bool,
        typer.Option(
            "--allow-older-run",
            help="Push the run even though a newer one is already pushed (a later as-of date, "
            "or the same date started later): the collections system's rows go back to this "
            "run's, but what the newer run held or suppressed stays so, and the rollback is "
            "recorded in skiptrace_rollbacks. Without it such a push is refused with exit "
            "status 6.",
        ),
    ] = False,
    replace_owner: Annotated[
        bool,
        typer.Option(
            "--replace-owner",
            help="Push even though another skiptrace database owns the target: this database "
            "becomes its owner and what its run lacks is retired there. Without it such a push "
            "is refused with exit status 6.",
        ),
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Push even though it would retire more than --max-shrink of the target's "
            "active contacts or lift more than that share of its holds (refused with exit "
            "status 6 otherwise).",
        ),
    ] = False,
) -> None:
    """Push a run's contacts, flags and suppressions into PostgreSQL in one transaction.

    Upserts keyed by account, contact type and normalized value; pushing a run twice changes
    nothing; suppressed contacts are written with their reason, never as callable (docs/push.md).
    Exit status: 0 pushed; 8 the server cannot be reached, the connection failed or a lock or
    statement timeout passed (nothing changed there: run again later); 2 no URL or an unknown
    run; 6 a run not completed, archived or older than the last one pushed (an earlier as-of
    date, or the same date started earlier; --allow-older-run pushes it anyway), a target owned
    by another skiptrace database (--replace-owner), or a push that would retire or lift more
    than --max-shrink (--allow-shrink); 3 a refused login, an unreadable URL file, a missing
    grant, or a target whose tables or view differ from what the migrations create; 143 / 130
    stopped by SIGTERM / Ctrl-C (recorded failed, nothing changed there).
    """
    from skiptrace.flows.cli.lineage import _open
    from skiptrace.flows.exports.pg import resolve_url
    from skiptrace.flows.exports.push import push_run
    from skiptrace.resources import noting_signals

    settings = PushOptions(**given(options))
    url = resolve_url(to, to_file)
    if url is None:
        raise errors.UsageError("give --to URL, --to-file FILE or set SKIPTRACE_PUSH_URL")
    con = _open(db, write=True)
    try:
        with noting_signals():  # a SIGTERM records the push failed, then exits 143
            r = push_run(
                con, run_id, url, allow_older_run=allow_older_run, replace_owner=replace_owner,
                allow_shrink=allow_shrink, max_shrink=settings.max_shrink,
                settings=PushSettings(
                    lock_timeout=settings.lock_timeout,
                    statement_timeout=settings.statement_timeout,
                ),
            )  # fmt: skip
    finally:
        con.close()
    lifted = f", {r.holds_lifted:,} holds lifted ({r.holds_lifted_rules})" if r.holds_lifted else ""
    _console().print(
        f"pushed run [bold]{r.run_id}[/] to {r.target}: {r.contacts:,} contacts "
        f"({r.inserted:,} new, {r.updated:,} changed, {r.retired:,} retired), "
        f"{r.flags:,} flags, {r.suppressions:,} suppressions{lifted} in {r.seconds:.1f}s"
    )


def _register_subcommands() -> None:
    from skiptrace.flows.cli import review
    from skiptrace.flows.cli.help_text import reflow_all
    from skiptrace.flows.cli.lineage import register

    register(app)
    review.register(app)
    reflow_all(app)


_register_subcommands()


def main() -> None:
    """The `skiptrace` command: errors a user can cause end as one line and an exit code
    (flows/cli/boundary.py; the safety refusals of skiptrace.safety are among them)."""
    _quiet_prefect_defaults()
    install_masking()  # every log line of the command, before anything logs
    app()


def _quiet_prefect_defaults() -> None:
    """No telemetry calls from an offline machine, and no first-run telemetry notice printed
    over the progress bar (the client checks DO_NOT_TRACK); users can override either."""
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


if __name__ == "__main__":
    main()
