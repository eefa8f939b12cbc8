"""Replay: re-derive a past run's contacts from its recorded inputs and parameters, and compare.

"Would you get the same answer again?" is the reproducibility question an auditor (or a
regression hunt) asks of a run. Replay answers it without touching the live database: it
checkpoints the database, copies the file to a scratch folder, and in the copy

1. marks exactly the run's input files (`run_inputs`) 'loaded' and every other file
   'superseded', so the current_* views show what the run saw;
2. re-runs standardize -> link -> resolve -> suppress under a new run id, the link reusing the
   run's stored matcher parameters and settings (MatchSettings.reuse_params_from), with the run's
   as_of and suppression rules;
3. compares contact points (account, type, key, role, rank, confidence to 1e-9, status) and
   scored pairs with the original's.

Differences mean the code, the rules file or a cache changed since; the result says which rows.
Exports are not rewritten (nothing leaves the scratch copy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.errors import DatabaseBusy, InputFileError, RunRefused, UsageError
from skiptrace.flows.audit.lineage import mask_contact_key

#: Differences listed in the result (the count is always exact).
MAX_LISTED = 50


class ReplayError(InputFileError):
    """The run cannot be replayed: the database is missing, or the run's inputs were never
    recorded or have been purged (exit code 4)."""


class ReplayBusy(DatabaseBusy, ReplayError):
    """Another process holds the database, so it cannot be checkpointed and copied (exit 5)."""


class ReplayUnknownRun(UsageError, ReplayError):
    """No run with the id given (exit 2)."""


class ReplayRefused(RunRefused, ReplayError):
    """A run that did not complete (failed, refused, abandoned): nothing to compare (exit 6)."""


@dataclass
class ReplayContext:
    """What the stages need to re-run a run: passed to the stage runner."""

    run_id: str  # the original run
    replay_run_id: str
    as_of: dt.date
    params: dict[str, Any]  # the original run's RefreshParams (JSON)
    match_settings: dict[str, Any]  # the original link's MatchSettings (match_run.settings)


#: Runs the pipeline stages on the prepared copy: (connection, context) -> None.
StageRunner = Callable[[duckdb.DuckDBPyConnection, ReplayContext], None]


@dataclass
class ReplayResult:
    """Whether a replay reproduced the run, and where it did not (contact keys masked)."""

    run_id: str
    replay_run_id: str
    identical: bool
    contacts_original: int
    contacts_replay: int
    contact_differences: int
    pair_differences: int
    differences: list[dict[str, Any]] = field(default_factory=list)
    #: {"code" | "matcher" | "confidence_model": [original, replay]}: where differences come from
    versions: dict[str, list[str | None]] = field(default_factory=dict)
    seconds: float = 0.0
    workdir: str | None = None  # the scratch copy, when kept

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def summary(self) -> str:
        verdict = "IDENTICAL" if self.identical else "DIFFERENT"
        lines = [
            f"replay of {self.run_id} as {self.replay_run_id}: {verdict} "
            f"({self.contacts_original:,} contacts originally, {self.contacts_replay:,} replayed; "
            f"{self.contact_differences:,} contact and {self.pair_differences:,} pair differences; "
            f"{self.seconds:.1f}s)",
        ]
        for what, (a, b) in self.versions.items():
            lines.append(f"{what}: {a}" if a == b else f"{what}: {a} -> {b} (changed)")
        for d in self.differences:
            changed = [
                f"{f} {d[f + '_original']} -> {d[f + '_replay']}"
                for f in ("rank", "confidence", "status")
                if d["change"] == "changed" and d[f + "_original"] != d[f + "_replay"]
            ]
            lines.append(
                f"  {d['change']:<8} {d['account_id']} {d['contact_type']} {d['contact_key']} "
                f"({d['role']}) {'; '.join(changed)}"
            )
        if self.contact_differences > len(self.differences):
            lines.append(f"  … {self.contact_differences - len(self.differences):,} more")
        return "\n".join(lines)


def replay_run(
    db_path: str | Path,
    run_id: str,
    *,
    runner: StageRunner | None = None,
    keep: bool = False,
    workdir: str | Path | None = None,
) -> ReplayResult:
    """Replay `run_id` of the database at `db_path` in a scratch copy and compare.

    `runner` replaces the pipeline stages (tests); `keep` leaves the scratch copy for inspection
    (its path is in the result). The live database is only checkpointed, never modified.
    """
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="skiptrace-replay-", dir=workdir))
    try:
        copy = copy_database(db_path, scratch / "replay.duckdb")
        con = sql.connect(copy)
        try:
            from skiptrace.flows.audit.archive import archive_root

            ctx = prepare_replay(con, run_id, archive_root(Path(db_path)))
            (runner or run_stages)(con, ctx)
            result = compare_runs(con, run_id, ctx.replay_run_id)
        finally:
            con.close()
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = round(time.perf_counter() - started, 3)
    result.workdir = str(scratch) if keep else None
    return result


def copy_database(db_path: str | Path, target: Path) -> Path:
    """CHECKPOINT the database (so the file alone holds everything) and copy it to `target`."""
    src = Path(db_path)
    if not src.is_file():
        raise ReplayError(f"database {src} not found")
    try:
        con = duckdb.connect(str(src))
    except duckdb.IOException as exc:  # another process holds the write lock
        raise ReplayBusy(f"cannot open {src} to checkpoint it (in use?): {exc}") from exc
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    return target


def prepare_replay(
    con: duckdb.DuckDBPyConnection, run_id: str, archive_root: Path | None = None
) -> ReplayContext:
    """In the (copied) database: check the run can be replayed, restore its input set (and its
    rows, from the live database's `archive_root`, when `skiptrace archive` moved them) and open
    the replay run. Never call this on the live database: it rewrites input_files.status."""
    found = con.execute(
        "SELECT as_of, params, status FROM runs WHERE run_id = ?", [run_id]
    ).fetchall()
    if not found:
        raise ReplayUnknownRun(f"run {run_id!r} not found")
    run = found[0]
    if run[2] != "completed":
        raise ReplayRefused(
            f"run {run_id!r} is {run[2]}, not completed: it emitted nothing to reproduce"
        )
    from skiptrace.flows.audit.archive import ArchiveError, is_archived, restore_run

    if is_archived(con, run_id):  # its rows back into this copy; the live archive stays
        try:
            restore_run(con, run_id, root=archive_root, keep_files=True)
        except ArchiveError as exc:
            raise ReplayError(str(exc)) from exc
    inputs = [
        r[0]
        for r in con.execute(
            "SELECT file_no FROM run_inputs WHERE run_id = ? ORDER BY file_no", [run_id]
        ).fetchall()
    ]
    if not inputs:
        raise ReplayError(
            f"run {run_id!r} has no recorded inputs (run_inputs): it ran before "
            "record_run_inputs was wired, so its exact input set is unknown"
        )
    purged = con.execute(
        "SELECT DISTINCT file_no FROM purge_log WHERE list_contains(?::BIGINT[], file_no)",
        [inputs],
    ).fetchall()
    if purged:
        files = ", ".join(str(r[0]) for r in purged)
        raise ReplayError(f"raw rows of input file(s) {files} were purged under retention")
    settings = sql.scalar(
        con, "SELECT settings FROM match_run WHERE run_id = $run_id LIMIT 1", run_id=run_id
    )
    con.execute(
        "UPDATE input_files SET status = CASE WHEN list_contains(?::BIGINT[], file_no)"
        " THEN 'loaded' ELSE 'superseded' END",
        [inputs],
    )
    replay_id = f"{run_id}-replay-{secrets.token_hex(2)}"
    params = json.loads(run[1]) if isinstance(run[1], str) else dict(run[1] or {})
    from skiptrace.flows.audit.runs import start_run

    start_run(con, replay_id, as_of=run[0], params={**params, "replay_of": run_id})
    return ReplayContext(
        run_id=run_id,
        replay_run_id=replay_id,
        as_of=run[0],
        params=params,
        match_settings=_json_dict(settings),
    )


def run_stages(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
    """standardize -> link (reusing the run's parameters and settings) -> resolve -> suppress.

    Link is called directly because skiptrace.flows.orchestration.stages.match builds its own MatchSettings and cannot
    be told to reuse parameters (proposed: a `settings=` argument there).
    """
    from skiptrace.flows.audit.runs import finish_run, timed_stage
    from skiptrace.flows.orchestration import stages
    from skiptrace.matchers.link import MatchSettings, link

    rid = ctx.replay_run_id
    known = {f.name for f in dataclasses.fields(MatchSettings)}
    kw = {k: v for k, v in ctx.match_settings.items() if k in known}
    if isinstance(kw.get("guards"), list):
        kw["guards"] = tuple(kw["guards"])
    settings = MatchSettings(**{**kw, "reuse_params_from": ctx.run_id})
    rules = ctx.params.get("rules")
    stages.standardize(con, rid)
    with timed_stage(con, rid, "match") as st:
        st.rows_out = link(con, rid, settings=settings).linked_pairs
    # in full, not from the evidence cache: the cache describes the newest state, and a replay
    # that reused it would repeat whatever an incremental resolve got wrong instead of testing it
    stages.resolve(con, rid, ctx.as_of, full_rebuild=True)
    stages.suppress(con, rid, ctx.as_of, Path(rules) if rules else None)
    finish_run(con, rid, "completed")


def compare_runs(
    con: duckdb.DuckDBPyConnection, original: str, replay: str, limit: int = MAX_LISTED
) -> ReplayResult:
    """Compare the contact points and scored pairs of two runs in one database."""
    params = {"original": original, "replay": replay}
    diffs = sql.rows(con, "audit/replay_diff_contacts.sql", **params)
    for d in diffs:
        d["contact_key"] = mask_contact_key(d["contact_type"], d["contact_key"])
    n_pairs = int(sql.scalar(con, "audit/replay_diff_pairs.sql", **params) or 0)
    counts = dict(
        con.execute(
            "SELECT run_id, count(*) FROM contact_points"
            " WHERE run_id IN ($original, $replay) GROUP BY run_id",
            params,
        ).fetchall()
    )
    found = sql.rows(con, "audit/replay_versions.sql", **params)
    by_run = {row[0]: row[1:] for row in (tuple(r.values()) for r in found)}
    versions = {
        what: [by_run.get(original, (None,) * 3)[i], by_run.get(replay, (None,) * 3)[i]]
        for i, what in enumerate(("code", "matcher", "confidence_model"))
    }
    return ReplayResult(
        run_id=original,
        replay_run_id=replay,
        identical=not diffs and n_pairs == 0,
        contacts_original=int(counts.get(original, 0)),
        contacts_replay=int(counts.get(replay, 0)),
        contact_differences=len(diffs),
        pair_differences=n_pairs,
        differences=diffs[:limit],
        versions=versions,
    )


def _json_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(json.loads(value)) if isinstance(value, str) else dict(value)
