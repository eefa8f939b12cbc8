"""Run-level safety checks: refuse a run that would lose or leak data, before it publishes.

A refresh trusts its deliveries to be complete, but a careless vendor (or an attacker) can send
a header-only account file, a file whose every row is rejected, or nothing at all after a purge.
Run as usual, such a run completes and its delta.csv marks every contact removed; a collections
system applying that delta deletes them. The checks here stop the run instead, with one line
saying what was found and how to override it (`allow_shrink`, `--allow-shrink`):

* `preflight` (before the run starts): the file-mode setting is valid, the output folder and
  the database can be written (a read-only output folder was found only after every stage);
* `check_key` (before the run starts): the HMAC key is the one the database's SSN hashes were
  made with, by its fingerprint; a fresh database gets a new key file next to it;
* `check_delivery` (after ingest): no current file loaded since the previous completed run has
  a reject rate above its source's `max_reject_rate` (so re-running without a fix is refused
  again, though the file is now skipped as loaded), and the account files still carry at least 1 - `max_shrink` of the previous completed run's
  accounts;
* `check_contacts` (after suppress, before emit): at least 1 - `max_shrink` of the previous
  completed run's contact points are still there.

The errors are in `skiptrace.safety` (exit code 6 for a refusal, 3 for setup).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.flows.audit.runs import previous_completed_run
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

log = logging.getLogger("skiptrace")

ACCOUNTS_SOURCE = "accounts"


# --------------------------------------------------------------------------- before the run


def preflight(params: RefreshParams) -> None:
    """Checks that need no database connection; run before the lock and the run row."""
    from skiptrace.atomic import FILE_MODE_ENV, check_file_mode

    try:
        check_file_mode(os.environ.get(FILE_MODE_ENV))
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    check_writable(params.out, params.db)


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
    prev = previous_completed_run(con, run_id)
    found: dict[str, Any] = {"files": []}
    problems: list[str] = []
    for f in sql.rows(con, "guards/file_reject_rates.sql", prev_run_id=prev):
        limit = limits.get(f["source"], limits[None])
        found["files"].append({**f, "max_reject_rate": limit})
        if f["reject_rate"] > limit:
            problems.append(
                f"{f['source']} file {f['file_name']}: {f['rows_rejected']:,} of "
                f"{f['rows_read']:,} rows rejected ({f['reject_rate']:.1%}), more than its "
                f"max_reject_rate {limit:.0%} (skiptrace rejects --run {f['run_id']})"
            )
    if problems:
        _refuse(RejectRateError, "; ".join(problems), params)
    if prev is not None:
        if hints := _snapshot_hints(con, params, run_id, prev):
            found["snapshot_hints"] = hints
        counts = sql.rows(con, "guards/accounts_removed.sql", prev_run_id=prev)[0]
        found["accounts"] = {**counts, "previous_run_id": prev}
        if _too_many(counts, params.max_shrink):
            _refuse(
                ShrinkError,
                f"this delivery would remove {counts['removed']:,} of the {counts['previous']:,} "
                f"accounts of run {prev} ({counts['removed'] / counts['previous']:.1%}), more "
                f"than max_shrink {params.max_shrink:.0%}: check the account export",
                params,
            )
    return found


#: An account file of increments that carries this share of the previous run's accounts looks
#: like a snapshot of the whole portfolio (a file of new and changed accounts rarely does).
SNAPSHOT_HINT_SHARE = 0.5


def _snapshot_hints(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str, prev: str
) -> list[str]:
    """Warn (run warning, exit 7) when the profile reads account files as increments but a new
    one looks like the whole portfolio: the accounts missing from it would silently stay worked
    (docs/architecture.md, "Account deliveries")."""
    from skiptrace.sources.registry import load_profile

    if load_profile(params.profile).delivery != "increments":
        return []
    hints = [
        f"account file {h['file_name']} holds {h['carried']:,} of the {h['previous']:,} current "
        f"accounts of run {prev} but not the other {h['missing']:,}, which stay current and are worked "
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
    if hints:
        sql.run(
            con, "ingest/run_warnings_insert.sql", run_id=run_id, stage="ingest", messages=hints
        )
        for hint in hints:
            log.warning("%s", hint)
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
            ShrinkError,
            f"this run would remove {counts['removed']:,} of the {counts['previous']:,} contacts "
            f"of run {prev} ({counts['removed'] / counts['previous']:.1%}), more than "
            f"max_shrink {params.max_shrink:.0%}",
            params,
            when_refused="; nothing was exported: check the deliveries",
        )
    return {**counts, "previous_run_id": prev}


def _too_many(counts: dict[str, Any], max_share: float) -> bool:
    previous, removed = int(counts["previous"] or 0), int(counts["removed"] or 0)
    return previous > 0 and removed / previous > max_share


def _refuse(
    error: type[Exception], message: str, params: RefreshParams, *, when_refused: str = ""
) -> None:
    """Raise `error` (one line, with the override), or only warn when the run allows shrink.
    `when_refused` is said only of a refusal (an allowed run does export)."""
    if params.allow_shrink:
        log.warning("allowed by allow_shrink: %s", message)
        return
    raise error(f"run refused: {message}{when_refused}; {ALLOW_SHRINK_HINT}")


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
