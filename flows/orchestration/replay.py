"""Replay: re-derive a past run's contacts from its recorded inputs and parameters, and compare.

"Would you get the same answer again?" is the reproducibility question an auditor (or a
regression hunt) asks of a run. Replay answers it without touching the live database: it
checkpoints the database, copies the file to a private scratch folder beside it, and in the copy

1. marks exactly the run's input files (`run_inputs`) 'loaded' and every other file
   'superseded', so the current_* views show what the run saw;
2. re-runs standardize -> link -> resolve -> suppress under a new run id, the link reusing the
   run's stored matcher parameters and settings (MatchSettings.reuse_params_from), with the run's
   as_of and the suppression rules it recorded (run_config_files, migration 106: the text it
   applied, whatever the file says now);
3. compares every column of the contact points a collector acts on (rank, confidence to 1e-9,
   status, dial mode, hold, reasons, time zone, ...: all but NOT_COMPARED), the suppression
   decisions, the account flags and the scored pairs with the original's.

Differences mean the code or a cache changed since; the result counts them by kind with
examples. A run from before migration 106 recorded only its rules file's path: it is replayed
with the file as it is now, and the result says that this cannot prove what the run applied
(`verified` False) instead of calling it identical. Exports are not rewritten (nothing leaves
the scratch copy).
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
from skiptrace.atomic import make_private, private_umask
from skiptrace.errors import ConfigError, DatabaseBusy, InputFileError, RunRefused, UsageError
from skiptrace.flows.audit.lineage import mask_contact_key
from skiptrace.flows.audit.run_config import ConfigText, read_rules, recorded_config, text_sha256
from skiptrace.masking import mask_text
from skiptrace.resources import noting_signals

#: Name prefix of the private scratch folder made beside the database (a hard kill leaves one).
SCRATCH_PREFIX = ".skiptrace-replay-"
#: Differences listed in the result (the count is always exact).
MAX_LISTED = 50
#: Examples shown per kind of difference.
EXAMPLES_PER_KIND = 3
#: contact_points columns the comparison leaves out, and why. Every other column is compared
#: (a column added later included): the keys join the two runs, the rest is what collectors
#: get or act on (rank, confidence, status, dial_mode, on_hold, reasons, time zone, ...).
NOT_COMPARED: dict[str, str] = {
    "run_id": "the run itself: differs by construction",
    "factors": "the explanation of confidence, compared through confidence itself (to 1e-9); "
    "its floating-point terms may differ in their last bits",
    "model_inputs": "the confidence model's inputs, as factors",
}
#: Join keys of two runs' contact points.
CONTACT_KEYS = ("account_id", "contact_type", "contact_key", "role")
#: Columns whose values a difference may show as they are; any other changed column is shown
#: as changed only (contact data: addresses, numbers, names), or masked (reasons).
SHOWN_VALUES = frozenset(
    {"rank", "confidence", "status", "resolved_status", "dial_mode", "on_hold",
     "consent_autodialer", "phone_type", "time_zone", "tz_area_code", "tz_conflict",
     "relationship", "first_seen", "last_seen", "sources"}
)  # fmt: skip
MASKED_VALUES = frozenset({"reasons", "resolved_reasons"})


class ReplayError(InputFileError):
    """The run cannot be replayed: the database is missing, or the run's inputs were never
    recorded or have been purged (exit code 4)."""


class ReplayBusy(DatabaseBusy, ReplayError):
    """Another process holds the database, so it cannot be checkpointed and copied (exit 5)."""


class ReplayUnknownRun(UsageError, ReplayError):
    """No run with the id given (exit 2)."""


class ReplayRefused(RunRefused, ReplayError):
    """A run that did not complete (failed, refused, abandoned): nothing to compare (exit 6)."""


class ReplayUnverified(ReplayError):
    """The replay matched, but the run recorded no copy of its rules (before migration 106): it
    was replayed with the file as it is now, which proves nothing about the run (exit 4, as a
    run whose inputs were not recorded)."""


@dataclass
class ReplayContext:
    """What the stages need to re-run a run: passed to the stage runner."""

    run_id: str  # the original run
    replay_run_id: str
    as_of: dt.date
    params: dict[str, Any]  # the original run's RefreshParams (JSON)
    match_settings: dict[str, Any]  # the original link's MatchSettings (match_run.settings)
    #: the suppression rules to apply: the run's recorded text, or (a run from before migration
    #: 106) the rules file as it is now
    rules: ConfigText | None = None
    #: where the rules came from, for the result (see `rules_check`)
    rules_check: dict[str, Any] = field(default_factory=dict)


#: Runs the pipeline stages on the prepared copy: (connection, context) -> None.
StageRunner = Callable[[duckdb.DuckDBPyConnection, ReplayContext], None]


@dataclass
class ReplayResult:
    """Whether a replay reproduced the run, and where it did not (contact keys masked)."""

    run_id: str
    replay_run_id: str
    identical: bool  # contacts, suppressions, flags and pairs all reproduced
    contacts_original: int
    contacts_replay: int
    contact_differences: int  # contact points missing, added or changed in any compared column
    pair_differences: int
    suppression_differences: int = 0  # decisions missing from the replay or added by it
    flag_differences: int = 0  # account flags likewise
    #: kind ("contact dial_mode changed", "suppression missing", ...) -> how many
    by_kind: dict[str, int] = field(default_factory=dict)
    #: up to EXAMPLES_PER_KIND examples of each kind (contact keys masked)
    examples: list[dict[str, Any]] = field(default_factory=list)
    #: the first MAX_LISTED differing contact points (keys masked, changed columns named)
    differences: list[dict[str, Any]] = field(default_factory=list)
    #: {"code" | "matcher" | "confidence_model": [original, replay]}: where differences come from
    versions: dict[str, list[str | None]] = field(default_factory=dict)
    #: the rules replayed: recorded by the run, or (verified False) the file as it is now
    rules: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    workdir: str | None = None  # the scratch copy, when kept

    @property
    def verified(self) -> bool:
        """The replay applied the rules the run recorded (False: a run from before 106)."""
        return bool(self.rules.get("verified", True))

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "verified": self.verified}

    def verdict(self) -> str:
        if not self.identical:
            return "DIFFERENT"
        return "IDENTICAL" if self.verified else "UNVERIFIED"

    def summary(self) -> str:
        lines = [
            f"replay of {self.run_id} as {self.replay_run_id}: {self.verdict()} "
            f"({self.contacts_original:,} contacts originally, {self.contacts_replay:,} replayed; "
            f"{self.contact_differences:,} contact, {self.suppression_differences:,} "
            f"suppression, {self.flag_differences:,} flag and {self.pair_differences:,} pair "
            f"differences; {self.seconds:.1f}s)",
        ]
        if self.rules.get("note"):
            lines.append(f"rules: {self.rules['note']}")
        for what, (a, b) in self.versions.items():
            lines.append(f"{what}: {a}" if a == b else f"{what}: {a} -> {b} (changed)")
        if self.by_kind:
            width = max(len(k) for k in self.by_kind)
            lines.append("differences by kind:")
            for kind, n in self.by_kind.items():
                lines.append(f"  {kind:<{width}} {n:>9,}")
                lines.extend(
                    f"      e.g. {_example_text(e)}" for e in self.examples if e["kind"] == kind
                )
        return "\n".join(lines)


def _cut(value: Any, width: int = 60) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _example_text(e: dict[str, Any]) -> str:
    """One example of a difference: which row, and for a changed column its two values."""
    who = " ".join(str(x) for x in (e["account_id"], e.get("contact_type"), e.get("contact_key"))
                   if x)  # fmt: skip
    if e.get("role"):
        who += f" ({e['role']})"
    if e.get("name"):
        who += f" {e['name']}" + (f" → {e['detail']}" if e.get("detail") else "")
    if e.get("field"):
        if "original" in e:
            who += f" {e['field']} {_cut(e['original'])} -> {_cut(e['replay'])}"
        else:
            who += f" {e['field']} changed"
    return who


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

    The copy is the whole database (every debtor's record): it goes into a private folder
    (0700) beside the database, `workdir` when given, never the machine's shared /tmp, and the
    files in it are private (0600, or SKIPTRACE_FILE_MODE); beside the database it is on the
    same volume, so it takes no space where nobody expects it. Removed on the way out, failed
    or interrupted (Ctrl-C, SIGTERM) too, unless `keep`.
    """
    started = time.perf_counter()
    src = Path(db_path)
    if not src.is_file():
        raise ReplayError(f"database {src} not found")
    with noting_signals(), private_umask():  # a SIGTERM raises, so the copy is removed too
        scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=workdir or src.parent))
        try:
            copy = copy_database(src, scratch / "replay.duckdb")
            con = sql.connect(copy)
            try:
                from skiptrace.flows.audit.archive import archive_root

                ctx = prepare_replay(con, run_id, archive_root(src))
                (runner or run_stages)(con, ctx)
                result = compare_runs(con, run_id, ctx.replay_run_id)
                result.rules = ctx.rules_check
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
    with private_umask():
        shutil.copyfile(src, target)
    make_private(target)  # copyfile keeps an existing target's mode
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
    purged = sql.rows(con, "audit/replay_purged_inputs.sql", run_id=run_id)
    if purged:
        files = ", ".join(
            f"{r['file_name'] or 'file ' + str(r['file_no'])} (loaded {_day(r['loaded_at'])}, "
            f"purged {_day(r['purged_at'])})"
            for r in purged
        )
        raise ReplayError(
            f"run {run_id!r} cannot be replayed: the raw rows of its input file(s) {files} "
            "were purged under retention"
        )
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

    rules, rules_check = replay_rules(con, run_id, params)
    start_run(con, replay_id, as_of=run[0], params={**params, "replay_of": run_id})
    return ReplayContext(
        run_id=run_id,
        replay_run_id=replay_id,
        as_of=run[0],
        params=params,
        match_settings=_json_dict(settings),
        rules=rules,
        rules_check=rules_check,
    )


def replay_rules(
    con: duckdb.DuckDBPyConnection, run_id: str, params: dict[str, Any]
) -> tuple[ConfigText, dict[str, Any]]:
    """The suppression rules to replay `run_id` with, and what the result says about them.

    The text the run recorded when it has one (checked against its sha256), with whether the
    file it came from has changed since; else (a run from before migration 106) the file its
    params name as it is now, marked unverified: nothing shows it is what the run applied.
    """
    rec = recorded_config(con, run_id, "rules")
    if rec is not None:
        if text_sha256(rec["content"]) != rec["sha256"]:
            raise ReplayError(
                f"run {run_id!r}: its recorded rules do not match their recorded sha256 "
                "(run_config_files altered?)"
            )
        config = ConfigText("rules", rec["given"], Path(rec["path"]), bool(rec["shipped"]),
                            rec["content"])  # fmt: skip
        now = _current_sha256(config)
        what = "the shipped default rules" if config.shipped else f"rules file {config.given}"
        if now == rec["sha256"]:
            since = "unchanged since"
        elif now is None:
            since = f"{config.path} is gone since"
        elif config.shipped:
            since = f"this version's default rules differ (sha256 {now[:12]})"
        else:
            since = f"{config.path} has changed since (sha256 {now[:12]})"
        note = f"re-applied {what} as the run recorded them (sha256 {rec['sha256'][:12]}); {since}"
        return config, {
            "source": "recorded", "verified": True, "given": config.given,
            "path": str(config.path), "sha256": rec["sha256"], "sha256_now": now, "note": note,
        }  # fmt: skip
    given = params.get("rules")
    try:
        config = read_rules(given)
    except ConfigError:
        raise ReplayError(
            f"run {run_id!r} recorded no copy of its rules (it ran before migration 106) and "
            f"{given or 'the default rules file'} cannot be read now: its suppressions cannot "
            "be replayed"
        ) from None
    what = f"rules file {given}" if given else "this version's default rules"
    note = (
        f"NOT VERIFIED: the run recorded no copy of its rules (it ran before migration 106); "
        f"re-applied {what} as it is now (sha256 {config.sha256[:12]}), which nothing shows "
        "to be what the run applied"
    )
    return config, {
        "source": "current file", "verified": False, "given": given, "path": str(config.path),
        "sha256": None, "sha256_now": config.sha256, "note": note,
    }  # fmt: skip


def _current_sha256(config: ConfigText) -> str | None:
    """The sha256 of the recorded rules' file as it is now (this version's, for the shipped
    default rules); None when it is gone."""
    from skiptrace.matchers.rules import DEFAULT_RULES

    path = DEFAULT_RULES if config.shipped else config.path
    try:
        return text_sha256(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _day(value: Any) -> str:
    return str(value)[:10] if value is not None else "?"


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
    stages.standardize(con, rid)
    with timed_stage(con, rid, "match") as st:
        st.rows_out = link(con, rid, settings=settings).linked_pairs
    # in full, not from the evidence cache: the cache describes the newest state, and a replay
    # that reused it would repeat whatever an incremental resolve got wrong instead of testing it
    stages.resolve(con, rid, ctx.as_of, full_rebuild=True)
    suppress_as_recorded(con, ctx)
    finish_run(con, rid, "completed")


def suppress_as_recorded(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
    """The replay's suppress stage, with the rules the run recorded (or, for a run from before
    migration 106, the file as it is now: the result says so)."""
    from skiptrace.flows.orchestration import stages

    rules = ctx.params.get("rules")
    stages.suppress(
        con, ctx.replay_run_id, ctx.as_of, Path(rules) if rules else None, recorded=ctx.rules
    )


def compare_runs(
    con: duckdb.DuckDBPyConnection, original: str, replay: str, limit: int = MAX_LISTED
) -> ReplayResult:
    """Compare two runs of one database: contact points (every column but NOT_COMPARED),
    suppression decisions, account flags and scored pairs; differences counted by kind, with
    examples (contact keys masked)."""
    params = {"original": original, "replay": replay}
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'contact_points'"
            " AND schema_name = 'main' ORDER BY column_index"
        ).fetchall()
    ]
    compared = [c for c in columns if c not in NOT_COMPARED and c not in CONTACT_KEYS]
    sql.run(
        con,
        sql.render(
            "audit/replay_diff_contacts.sql",
            not_compared=", ".join(c for c in NOT_COMPARED if c in columns),
            changed=", ".join(
                f"CASE WHEN o.{c} IS DISTINCT FROM r.{c} THEN '{c}' END" for c in compared
            ),
        ),
        **params,
    )
    sql.run(con, "audit/replay_diff_rows.sql", **params)
    by_kind = {r["kind"]: int(r["n"]) for r in sql.rows(con, "audit/replay_diff_kinds.sql")}
    examples = [
        _example(e)
        for e in sql.rows(con, "audit/replay_diff_examples.sql", per_kind=EXAMPLES_PER_KIND)
    ]
    diffs = [
        _difference(d)
        for d in sql.rows(
            con,
            "SELECT * FROM replay_contact_diffs ORDER BY account_id, contact_type, role,"
            " contact_key LIMIT $limit",
            limit=limit,
        )
    ]
    n_contacts = int(sql.scalar(con, "SELECT count(*) FROM replay_contact_diffs") or 0)
    n_rows = dict(
        con.execute("SELECT what, count(*) FROM replay_row_diffs GROUP BY what").fetchall()
    )
    con.execute("DROP TABLE IF EXISTS replay_contact_diffs")
    con.execute("DROP TABLE IF EXISTS replay_row_diffs")
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
    if n_pairs:
        by_kind["scored pair changed"] = n_pairs
    n_supp, n_flags = int(n_rows.get("suppression", 0)), int(n_rows.get("flag", 0))
    return ReplayResult(
        run_id=original,
        replay_run_id=replay,
        identical=not (n_contacts or n_pairs or n_supp or n_flags),
        contacts_original=int(counts.get(original, 0)),
        contacts_replay=int(counts.get(replay, 0)),
        contact_differences=n_contacts,
        pair_differences=n_pairs,
        suppression_differences=n_supp,
        flag_differences=n_flags,
        by_kind=by_kind,
        examples=examples,
        differences=diffs,
        versions=versions,
    )


def _shown(column: str, value: Any) -> Any:
    """A compared column's value as a difference may show it."""
    if column in SHOWN_VALUES:
        return value
    if column in MASKED_VALUES:
        return mask_text(str(value)) if value is not None else None
    return "…"  # contact data: that it changed, not what it was


def _example(e: dict[str, Any]) -> dict[str, Any]:
    """An example of a kind of difference, masked; a changed column with its two values when
    they may be shown."""
    out = {
        "kind": e["kind"],
        "account_id": e["account_id"],
        "contact_type": e["contact_type"],
        "contact_key": mask_contact_key(e["contact_type"], e["contact_key"])
        if e["contact_key"]
        else None,
        "role": e["role"],
        "name": e["name"],
        "detail": e["detail"],
        "field": e["field"],
    }
    f = e["field"]
    if f and (f in SHOWN_VALUES or f in MASKED_VALUES):
        out["original"] = _shown(f, (e["original"] or {}).get(f))
        out["replay"] = _shown(f, (e["replay"] or {}).get(f))
    return out


def _difference(d: dict[str, Any]) -> dict[str, Any]:
    """A differing contact point: its keys (masked), the change, the columns that changed and,
    for rank, confidence, status and every changed column that may be shown, both values."""
    o, r = d["original"] or {}, d["replay"] or {}
    out: dict[str, Any] = {
        "account_id": d["account_id"],
        "contact_type": d["contact_type"],
        "contact_key": mask_contact_key(d["contact_type"], d["contact_key"]),
        "role": d["role"],
        "change": d["change"],
        "fields": list(d["fields"]),
    }
    for f in dict.fromkeys(("rank", "confidence", "status", *d["fields"])):
        out[f"{f}_original"] = _shown(f, o.get(f))
        out[f"{f}_replay"] = _shown(f, r.get(f))
    return out


def _json_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(json.loads(value)) if isinstance(value, str) else dict(value)
