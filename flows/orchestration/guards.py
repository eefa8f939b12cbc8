"""Run-level safety checks: refuse a run that would lose or leak data, before it publishes.

A refresh trusts its deliveries to be complete, but a careless vendor (or an attacker) can send
a header-only account file, a file whose every row is rejected, or nothing at all after a purge.
Run as usual, such a run completes and its delta.csv marks every contact removed; a collections
system applying that delta deletes them. The checks here stop the run instead, with one line
saying what was found and how to override it (`allow_shrink`, `--allow-shrink`):

* `preflight` (before the run starts): the file-mode setting is valid, the output folder and
  the database can be written (a read-only output folder was found only after every stage);
* `refuse_ssn_shaped_names` (before the run starts, and again first thing in the flow, for a
  deployment's parameters): no file name or path the run would store holds an SSN-shaped
  number (skiptrace/ssn_shapes.py);
* `check_key` (before the run starts): the HMAC key is the one the database's SSN hashes were
  made with, by its fingerprint; a fresh database gets a new key file next to it;
* `check_delivery` (after ingest): no current file loaded since the previous completed run has
  a reject rate above its source's `max_reject_rate` (so re-running without a fix is refused
  again, though the file is now skipped as loaded), and the account files still carry at least 1 - `max_shrink` of the previous completed run's
  accounts;
* `check_contacts` (after suppress, before emit): at least 1 - `max_shrink` of the previous
  completed run's contact points are still there.

Both shrink checks also look back over the last `shrink_window` completed runs: the accounts
and contacts may not fall by more than `max_shrink` below the largest of them, so a portfolio
that loses 14% a night for two nights is stopped on the second (`_window_shrink`). An override
(`allow_shrink`) is for one run: what it let through is a run warning (exit 7, in the report),
and that run is where the window starts again. `nothing_new` warns when a night delivered only
files an earlier completed run used (yesterday's export re-sent under a new name).

The errors are in `skiptrace.safety` (exit code 6 for a refusal, 3 for setup).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from skiptrace import sql
from skiptrace.flows.audit.runs import last_completed_run_before, previous_completed_run
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.safety import (
    ALLOW_SHRINK_HINT,
    KeyMismatchError,
    KeyMissingError,
    NotWritableError,
    RejectRateError,
    SetupError,
    ShrinkError,
)
from skiptrace.sources.run_warnings import record_run_warnings
from skiptrace.ssn_shapes import mask_ssn_shapes, ssn_shaped

if TYPE_CHECKING:
    from skiptrace.sources.registry import Registry

log = logging.getLogger("skiptrace")

ACCOUNTS_SOURCE = "accounts"

#: run_warnings.stage of a finding `allow_shrink` let through. A run that has one is where the
#: shrink window starts again: the portfolio an operator accepted is the new baseline.
ALLOWED_STAGE = "allow_shrink"


# --------------------------------------------------------------------------- before the run


def preflight(params: RefreshParams) -> None:
    """Checks that need no database connection; run before the lock and the run row."""
    from skiptrace.atomic import FILE_MODE_ENV, check_file_mode

    try:
        check_file_mode(os.environ.get(FILE_MODE_ENV))
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    check_writable(params.out, params.db)


def refuse_ssn_shaped_names(params: RefreshParams, registry: Registry | None = None) -> None:
    """No setting the run stores (runs.params, Prefect's flow parameters), and no file a source
    reads (input_files, lineage, reports, summaries), holds an SSN-shaped number in its path.

    A file delivered as `accounts_<an SSN>.csv` would put that SSN, unmasked, in the database,
    the report, the run summary and every `explain`; it is refused before anything is stored:
    an input file error (4) for the account export and a source's file, a usage error (2) for
    the other settings. Inbox files are set aside by the intake instead
    (flows/orchestration/inbox.py). The command line checks both halves before Prefect starts;
    the flow checks again first thing, for a deployment's parameters."""
    refuse_ssn_shaped_settings(params)
    if registry is None:
        from skiptrace.sources.registry import load_registry

        registry = load_registry(params.sources)
    refuse_ssn_shaped_files(params, registry)


def refuse_ssn_shaped_settings(
    params: RefreshParams, flag: Callable[[str], str] = lambda name: name
) -> None:
    """The settings' half of `refuse_ssn_shaped_names`; `flag` names a setting (the command
    line passes its option)."""
    from skiptrace.errors import InputFileError, UsageError

    for name in type(params).model_fields:
        value = getattr(params, name)
        text = str(value.absolute()) if isinstance(value, Path) else value
        if isinstance(text, str) and ssn_shaped(text):
            error = InputFileError if name == "accounts" else UsageError
            raise error(f"{flag(name)} {_ssn_path_problem(text)}")


def refuse_ssn_shaped_files(params: RefreshParams, registry: Registry) -> None:
    """The source files' half of `refuse_ssn_shaped_names`: every file a source's path or glob
    matches (in inbox mode the outcomes sources' only: the others come from the inbox)."""
    from skiptrace.errors import InputFileError

    for source in registry.sources:
        if params.inbox is not None and source.kind != "outcomes":
            continue
        for path in source.files():
            if ssn_shaped(str(path.absolute())):
                raise InputFileError(
                    f"source {source.name}: {_ssn_path_problem(str(path.absolute()))}"
                )


def _ssn_path_problem(path: str) -> str:
    """`<path, masked>: its name holds an SSN-shaped number ...` for a refusal message."""
    where = "name" if ssn_shaped(Path(path).name) else "path"
    return (
        f"{mask_ssn_shapes(path)}: its {where} holds an SSN-shaped number, which would be "
        f"stored and shown with the run (database, reports, summaries); rename it and run again"
    )


def check_writable(out: Path, db: Path) -> None:
    """The output root and the database (its file and its folder, where DuckDB writes its WAL)
    can be written; NotWritableError naming the path otherwise.

    Checked by doing it (creating a folder, a probe file, opening the database for writing)
    rather than by permission bits, which say nothing about read-only mounts or ACLs.
    """
    from skiptrace.atomic import writable_dir

    for folder, what in ((Path(out), "output folder"), (Path(db).parent, "database folder")):
        try:
            writable_dir(folder)
        except OSError as exc:
            raise NotWritableError(
                f"{what} {folder} is not writable ({exc.strerror or exc}): fix its permissions "
                "or choose another with " + ("--out" if what == "output folder" else "--db")
            ) from None
    if Path(db).is_file():
        try:
            with open(db, "r+b"):
                pass
        except OSError as exc:
            raise NotWritableError(
                f"database {db} is not writable ({exc.strerror or exc}): fix its permissions "
                "or choose another with --db"
            ) from None


def check_key(con: duckdb.DuckDBPyConnection, db: Path, run_id: str | None = None) -> str:
    """The HMAC key is the one this database's SSN hashes were made with; returns its
    fingerprint.

    The first run records the key's fingerprint. A database without a fingerprint and without
    hashes gets a new key file next to it when no key is configured; one *with* hashes but no
    reachable key is refused: a new key would silently match none of them.
    """
    from skiptrace.sources import pii

    recorded = _recorded_key(con)
    fingerprint = _configured_key_fingerprint(db, recorded)
    if fingerprint is None:
        created = pii.ensure_key_file(pii.key_file(db))
        log.warning("created HMAC key file %s (owner-only): back it up with the database", created)
        fingerprint = pii.key_fingerprint(pii.load_key(db))
    if recorded[0] is None:
        sql.run(con, "guards/key_fingerprint_insert.sql", fingerprint=fingerprint, run_id=run_id)
    return fingerprint


def check_key_before_run(db: Path) -> None:
    """check_key's refusals, read-only and before Prefect starts: the database's recorded key
    against the configured one. Creates nothing (no key file, no database); a database too old
    to say is left to the run's own check."""
    if not db.is_file():
        return
    try:
        con = sql.connect(db, read_only=True)
    except duckdb.Error:
        return
    try:
        recorded = _recorded_key(con)
    except duckdb.Error:
        return
    finally:
        con.close()
    _configured_key_fingerprint(db, recorded)


def _recorded_key(con: duckdb.DuckDBPyConnection) -> tuple[str | None, bool]:
    """(the fingerprint the database recorded, or None; whether it holds SSN hashes)."""
    stored = sql.rows(con, "guards/key_fingerprint.sql")
    has_hashes = bool(sql.rows(con, "guards/ssn_hashes_present.sql")[0]["present"])
    return (stored[0]["fingerprint"] if stored else None), has_hashes


def _configured_key_fingerprint(db: Path, recorded: tuple[str | None, bool]) -> str | None:
    """The configured key's fingerprint, None when no key is configured and the database can
    take a new one; KeyMissingError / KeyMismatchError when it cannot."""
    from skiptrace.sources import pii
    from skiptrace.sources.errors import KeyNotConfiguredError

    stored, has_hashes = recorded
    try:
        key = pii.load_key(db)
    except KeyNotConfiguredError:
        if stored or has_hashes:
            raise KeyMissingError(
                f"database {db} holds SSN hashes but no HMAC key was found at "
                f"{pii.key_file(db)}: put the key file that made them there, or point "
                "SKIPTRACE_KEY_FILE / SKIPTRACE_HMAC_KEY at that key (a new key would match "
                "none of them)"
            ) from None
        return None
    fingerprint = pii.key_fingerprint(key)
    if stored is not None and stored != fingerprint:
        raise KeyMismatchError(
            f"the HMAC key from {pii.key_location(db)} is not the key database {db} hashed its "
            f"SSNs with (fingerprint {fingerprint[:12]}, recorded {stored[:12]}): "
            f"use that key ({pii.key_file(db)}, SKIPTRACE_KEY_FILE or SKIPTRACE_HMAC_KEY); "
            "run refused"
        )
    return fingerprint


# --------------------------------------------------------------------------- during the run


def check_delivery(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str
) -> dict[str, Any]:
    """After ingest: reject rates per file, then the share of accounts removed.

    Returns what was measured (for the log); raises RejectRateError or ShrinkError unless
    `params.allow_shrink`, in which case the finding is logged as a warning.
    """
    limits = _reject_limits(params)
    prev = previous_completed_run(con, run_id)  # (as_of, run_id): the run the delta follows
    found: dict[str, Any] = {"files": []}
    problems: list[str] = []
    since = last_completed_run_before(con, run_id)  # files loaded since, in time
    for f in sql.rows(con, "guards/file_reject_rates.sql", prev_run_id=since):
        limit = limits.get(f["source"], limits[None])
        found["files"].append({**f, "max_reject_rate": limit})
        if f["reject_rate"] > limit:
            problems.append(
                f"{f['source']} file {f['file_name']}: {f['rows_rejected']:,} of "
                f"{f['rows_read']:,} rows rejected ({f['reject_rate']:.1%}), more than its "
                f"max_reject_rate {limit:.0%} (skiptrace rejects --run {f['run_id']})"
            )
    if problems:
        _refuse(con, run_id, RejectRateError, "; ".join(problems), params)
    if prev is not None:
        if hints := _snapshot_hints(con, params, run_id, prev):
            found["snapshot_hints"] = hints
        counts = sql.rows(con, "guards/accounts_removed.sql", prev_run_id=prev)[0]
        found["accounts"] = {**counts, "previous_run_id": prev}
        if _too_many(counts, params.max_shrink):
            _refuse(
                con,
                run_id,
                ShrinkError,
                f"this delivery would remove {counts['removed']:,} of the {counts['previous']:,} "
                f"accounts of run {prev} ({counts['removed'] / counts['previous']:.1%}), more "
                f"than max_shrink {params.max_shrink:.0%}: check the account export",
                params,
            )
        current = int(sql.rows(con, "guards/accounts_current.sql")[0]["n"])
        if window := _window_shrink(con, params, run_id, prev, "accounts", current):
            found["window"] = window
    return found


#: An account file of increments that carries this share of the previous run's accounts looks
#: like a snapshot of the whole portfolio (a file of new and changed accounts rarely does).
SNAPSHOT_HINT_SHARE = 0.5


def _snapshot_hints(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str, prev: str
) -> list[str]:
    """Warn (run warning, exit 7) when the profile reads account files as increments but a new
    one looks like the whole portfolio: the accounts missing from it would silently stay worked
    (docs/architecture.md, "Account deliveries"). Accounts an update file beside it carries (a
    current account file it is no new version of) are not missing: base file + update files is
    increments as meant (sql/guards/account_files_like_snapshots.sql)."""
    from skiptrace.sources.registry import load_profile

    if load_profile(params.profile).delivery != "increments":
        return []
    hints = [
        f"account file {h['file_name']} looks like the whole portfolio: it holds "
        f"{h['carried']:,} of the {h['previous']:,} accounts of run {prev} that are still current "
        f"and in no update file beside it, but not the other {h['missing']:,}, which only "
        f"{', '.join(h['versions_of'] or [])} still carries: they stay current and are worked "
        "(the account profile's delivery is 'increments'); if each account export is the whole "
        "portfolio, set `delivery: snapshot` in the profile (--profile)"
        for h in sql.rows(
            con,
            "guards/account_files_like_snapshots.sql",
            run_id=run_id,
            prev_run_id=prev,
            min_share=SNAPSHOT_HINT_SHARE,
        )
    ]
    record_run_warnings(con, run_id, "ingest", hints)
    return hints


def check_contacts(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str
) -> dict[str, Any]:
    """After suppress, before emit: the share of the previous run's contacts that would be
    marked removed in delta.csv."""
    prev = previous_completed_run(con, run_id)
    if prev is None:
        return {}
    counts = sql.rows(con, "guards/contacts_removed.sql", run_id=run_id, prev_run_id=prev)[0]
    if _too_many(counts, params.max_shrink):
        _refuse(
            con,
            run_id,
            ShrinkError,
            f"this run would remove {counts['removed']:,} of the {counts['previous']:,} contacts "
            f"of run {prev} ({counts['removed'] / counts['previous']:.1%}), more than "
            f"max_shrink {params.max_shrink:.0%}",
            params,
            when_refused="; nothing was exported: check the deliveries",
        )
    found: dict[str, Any] = {**counts, "previous_run_id": prev}
    current = int(sql.rows(con, "guards/contacts_current.sql", run_id=run_id)[0]["n"])
    if window := _window_shrink(con, params, run_id, prev, "contacts", current):
        found["window"] = window
    return found


def _window_shrink(
    con: duckdb.DuckDBPyConnection,
    params: RefreshParams,
    run_id: str,
    prev: str,
    kind: str,
    current: int,
) -> dict[str, Any] | None:
    """The net drop of `kind` ("accounts" or "contacts") from the largest of the last
    `shrink_window` completed runs, refused past `max_shrink` like the previous run's check.

    Net, not the set removed: over a week, accounts paid off and new placements are normal
    turnover; a portfolio that gets smaller every night is not. Only when that run is not the
    previous one, which the set-based check above has already compared with. The window starts
    again at the newest run an override let a shrink through (sql/guards/shrink_baseline.sql).
    """
    if params.shrink_window <= 1:
        return None
    runs = sql.rows(
        con,
        "guards/shrink_baseline.sql",
        run_id=run_id,
        window=params.shrink_window,
        allowed_stage=ALLOWED_STAGE,
    )
    if not runs:
        return None
    base = max(runs, key=lambda r: (int(r[kind] or 0), r["run_id"]))
    largest = int(base[kind] or 0)
    if base["run_id"] == prev or largest == 0:
        return None
    counts = {"previous": largest, "removed": max(largest - current, 0)}
    if _too_many(counts, params.max_shrink):
        what = "delivery" if kind == "accounts" else "run"
        _refuse(
            con,
            run_id,
            ShrinkError,
            f"this {what} would leave {current:,} {kind}, {counts['removed'] / largest:.1%} fewer "
            f"than the {largest:,} of run {base['run_id']}, the largest of the last "
            f"{len(runs)} completed runs (shrink_window {params.shrink_window}), more than "
            f"max_shrink {params.max_shrink:.0%}: it has shrunk a little every night; check "
            + ("the account export" if kind == "accounts" else "the deliveries"),
            params,
            when_refused="" if kind == "accounts" else "; nothing was exported",
        )
    return {**counts, "current": current, "baseline_run_id": base["run_id"], "runs": len(runs)}


def _too_many(counts: dict[str, Any], max_share: float) -> bool:
    previous, removed = int(counts["previous"] or 0), int(counts["removed"] or 0)
    return previous > 0 and removed / previous > max_share


def _refuse(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    error: type[Exception],
    message: str,
    params: RefreshParams,
    *,
    when_refused: str = "",
) -> None:
    """Raise `error` (one line, with the override), or, when this run allows shrink, record the
    finding as a run warning: the run completes with exit 7 and its report and run_summary.json
    say what was let through (two log lines and exit 0 were missed). `when_refused` is said only
    of a refusal (an allowed run does export)."""
    if params.allow_shrink:
        note = f"allowed by allow_shrink (--allow-shrink): {message}"
        record_run_warnings(con, run_id, ALLOWED_STAGE, [note])
        return
    raise error(f"run refused: {message}{when_refused}; {ALLOW_SHRINK_HINT}")


def without_standing_override(
    params: RefreshParams, deployment_params: dict[str, Any] | None
) -> tuple[RefreshParams, str | None]:
    """A deployment whose own parameters set allow_shrink would let every scheduled night's
    shrink through (`serve` refuses the option; a prefect.yaml or a Python deployment could
    still carry it). Such a standing override is ignored, and the run says so in a run warning
    (exit 7, every night until it is removed). A custom run that sets allow_shrink on a
    deployment without it is the one-run override and is kept. `deployment_params`: the
    deployment's stored parameters (None: not a deployment run, or unreadable)."""
    stored = (deployment_params or {}).get("params") or {}
    if not (params.allow_shrink and isinstance(stored, dict) and stored.get("allow_shrink")):
        return params, None
    return params.model_copy(update={"allow_shrink": False}), (
        "allow_shrink is set in the deployment's parameters, so it would let every night's "
        "shrink through: ignored, the shrink checks applied; remove it from the deployment "
        "(an override is for one run: `skiptrace run --allow-shrink` or one custom run)"
    )


def drop_standing_override(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str
) -> RefreshParams:
    """`without_standing_override` for this flow run's deployment, its note a run warning."""
    if not params.allow_shrink:
        return params
    params, note = without_standing_override(params, deployment_parameters())
    if note:
        record_run_warnings(con, run_id, "start", [note])
    return params


def deployment_parameters() -> dict[str, Any] | None:
    """The stored parameters of the deployment this flow run was started from, else None."""
    try:
        from prefect import get_client
        from prefect.runtime import deployment

        deployment_id = deployment.get_id()
        if deployment_id is None:
            return None
        with get_client(sync_client=True) as client:
            return dict(client.read_deployment(deployment_id).parameters or {})
    except Exception:  # no API, no deployment: nothing stored to override
        log.debug("deployment parameters not readable", exc_info=True)
        return None


def nothing_new(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    files: list[dict[str, Any]],
    *,
    inbox: bool,
    left: int = 0,
) -> str | None:
    """A run warning when the night delivered nothing new: every file it was given, account,
    source and outcomes files alike (`files`: stages._file_entry's, outcomes_file_entries'),
    had been used before (yesterday's export re-sent under a new name, or gzipped), or an inbox
    held no file. The run completes, with an empty delta, which is right, but someone must ask
    the senders why. A night on which some sources deliver and others do not is normal: one new
    file is enough.

    A file is new to a night when no earlier *completed* run used it: a file skipped as
    already loaded is new when the run that loaded it (`same_as`, the loaded file with its
    bytes or content) was killed or failed before completing (sql/guards/files_used_before.sql);
    an outcomes file is new when it brought a row no completed run has read (sources/outcomes.py
    outcome_file_entries). `left`: files an inbox run left unread in a source's folder (their
    names match no glob, inbox.unmatched_files): something was delivered then, so the warning
    says that nothing new was *loaded*, and why, instead."""
    skipped = [f for f in files if f["status"] == "skipped_duplicate"]
    if len(skipped) < len(files):
        return None
    unread = (
        f"; {left} file(s) left in the inbox were not read: their names match no source's glob"
        if left
        else ""
    )
    if not files:
        if not inbox:
            return None
        if left:
            return "nothing new was loaded: the inbox held no file its sources read" + unread
        return "nothing new was delivered: the inbox held no file"
    ingested = sorted({int(f["same_as"]) for f in skipped if f.get("same_as") is not None})
    used = {
        r["file_no"]
        for r in sql.rows(con, "guards/files_used_before.sql", run_id=run_id, file_nos=ingested)
    }
    if any(f.get("kind") != "outcomes" and f.get("same_as") not in used for f in skipped):
        return None  # loaded by a run that never completed: tonight is the first to use it
    names = ", ".join(sorted({Path(f["path"]).name for f in files}))
    if left:
        return f"nothing new was loaded: every file read was loaded before ({names}){unread}"
    return f"nothing new was delivered: every file was loaded before ({names})"


def _reject_limits(params: RefreshParams) -> dict[str | None, float]:
    """max_reject_rate per source name (None: the default for files of unknown sources)."""
    from skiptrace.sources.registry import ReadOptions, load_profile, load_registry

    limits: dict[str | None, float] = {
        None: ReadOptions.model_fields["max_reject_rate"].default,
        ACCOUNTS_SOURCE: load_profile(params.profile).max_reject_rate,
    }
    with contextlib.suppress(FileNotFoundError):
        limits.update({s.name: s.max_reject_rate for s in load_registry(params.sources).sources})
    return limits
