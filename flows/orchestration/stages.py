"""The refresh's stages as plain functions over an open connection.

Prefect tasks in `flows/orchestration/refresh.py` are thin wrappers around these, so every stage can be tested
directly without starting Prefect, and the flow stays a readable list of steps.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from skiptrace.errors import InputFileError
from skiptrace.flows.audit.runs import StageStats, timed_stage
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.sources.run_warnings import record_run_warnings

if TYPE_CHECKING:
    from skiptrace.flows.audit.run_config import ConfigText
    from skiptrace.matchers.link import MatchSettings
    from skiptrace.matchers.resolve import ResolveResult

log = logging.getLogger("skiptrace")


class MissingSourceFileError(InputFileError):
    """A source of sources.yml has no file and is not marked `optional: true`.

    A run without it would complete and quietly match far fewer records (issue 18: 6,200 fell to
    2,294 with a Completed run), so it fails before anything is loaded.
    """


def check_source_files(registry: Any, *, warn: bool = True) -> list[str]:
    """Fail on required sources without a file, or whose files resolve outside the allowed
    folders; return a warning per optional one (logged unless `warn` is False: the command's
    preflight checks, the run warns).

    Checked before the first file loads, so a failed run leaves nothing half-loaded.
    """
    missing = [s for s in registry.sources if not s.files()]
    required = [s for s in missing if not s.optional]
    if required:
        where = registry.path or "sources.yml"
        listed = "; ".join(f"{s.name}: no file matches {s.base_dir / s.path}" for s in required)
        raise MissingSourceFileError(
            f"{where}: {listed} (deliver the file, or mark the source `optional: true`)"
        )
    warnings = [
        f"source {s.name}: no file matches {s.base_dir / s.path} (optional source skipped)"
        for s in missing
    ]
    for warning in warnings if warn else []:
        log.warning("%s", warning)
    return warnings


def ingest(con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str) -> StageStats:
    """Load the account export and every registered source file; nothing is dropped silently.

    With `params.inbox`, files come from the inbox folders instead, one at a time: a loaded file
    moves to processed/, a file that fails validation moves to quarantine/ with its reason and
    the run goes on. Without an inbox a bad file fails the run, naming the file and the problem.
    """
    from skiptrace.flows.audit.lineage import record_run_inputs
    from skiptrace.flows.audit.run_config import read_profile, read_sources, record_config
    from skiptrace.sources.ingest import ingest_accounts, ingest_source
    from skiptrace.sources.outcomes import load_outcome_source
    from skiptrace.sources.registry import load_profile, load_registry

    registry = load_registry(params.sources)
    profile = load_profile(params.profile)
    # the configuration this run was given, whole (run_config_files): ingest alone reads it
    record_config(con, run_id, read_sources(params.sources))
    if params.profile is not None:
        record_config(con, run_id, read_profile(params.profile))
    with timed_stage(con, run_id, "ingest") as st:
        # collectors' outcomes are evidence about contacts, not person records: read from their
        # own paths (also in inbox mode) into contact_outcomes, before resolve uses them. Their
        # files are checked with every other source's first (an inbox run: theirs alone), so a
        # required outcomes source without a file fails the run before anything loads and an
        # optional one is a warning, as for any source
        outcome_sources = [s for s in registry.sources if s.kind == "outcomes"]
        if params.inbox is None:
            warnings = check_source_files(registry)
        else:
            warnings = check_source_files(registry.model_copy(update={"sources": outcome_sources}))
        registry = registry.model_copy(
            update={"sources": [s for s in registry.sources if s.kind != "outcomes"]}
        )
        # logged by check_source_files
        record_run_warnings(con, run_id, "ingest", warnings, logged=True)
        outcome_files: list[dict[str, Any]] = []  # listed in run_summary.json's files too
        st.details["outcomes"] = {
            s.name: load_outcome_source(con, s, run_id, files=outcome_files)
            for s in outcome_sources
        }
        left: list[str] = []  # inbox folders' files no source's glob matches
        if params.inbox is not None:
            results, failed, left = _ingest_inbox(con, params, run_id, registry, profile)
            st.details["quarantined_files"] = failed
            if left:  # never read, so never loaded nor quarantined: say so every night
                st.details["left_in_inbox"] = left
                record_run_warnings(con, run_id, "ingest", left)
            # a file not loaded is something a nightly operator must not miss: exit 7 (logged
            # as an error when it was quarantined, by _ingest_inbox)
            quarantined = [
                f"{f['source']} file quarantined, not loaded ({f['path']}): {f['reason']}"
                for f in failed
            ]
            record_run_warnings(con, run_id, "ingest", quarantined, logged=True)
        else:
            assert params.accounts is not None  # guaranteed by RefreshParams
            results = [
                ingest_accounts(con, params.accounts, profile, run_id, replace=params.replace)
            ]
            for source in registry.sources:
                results.extend(ingest_source(con, source, run_id, replace=params.replace))
        # a snapshot kept accounts whose rows were quarantined, or closes some it cannot vouch
        # for (sources/ingest.py _snapshot_keep, which logs them): exit 7, in the report and
        # summary
        file_warnings = [w for r in results for w in r.warnings]
        record_run_warnings(con, run_id, "ingest", file_warnings, logged=True)
        from skiptrace.flows.orchestration.guards import nothing_new

        files = [_file_entry(r) for r in results] + outcome_files
        # an inbox whose every file was quarantined has said so already, file by file
        empty_inbox = params.inbox is not None and not st.details.get("quarantined_files")
        if stale := nothing_new(con, run_id, files, inbox=empty_inbox, left=len(left)):
            record_run_warnings(con, run_id, "ingest", [stale])
        st.rows_in = sum(r.rows_read for r in results)
        st.rows_out = sum(r.rows_loaded for r in results)
        st.details["files"] = files
        st.details["rejected"] = sum(r.rows_rejected for r in results)
        record_run_inputs(con, run_id)  # the file set this run used: replay and lineage need it
    return st


def _ingest_inbox(
    con: duckdb.DuckDBPyConnection,
    params: RefreshParams,
    run_id: str,
    registry: Any,
    profile: Any,
) -> tuple[list[Any], list[dict[str, str]], list[str]]:
    """Load every pending inbox file; file it as processed or quarantined. Also returns the
    warnings naming the files left in the inbox because no source's glob matches them."""
    from skiptrace.flows.orchestration import inbox
    from skiptrace.sources.errors import IngestError
    from skiptrace.sources.ingest import ingest_accounts, ingest_source

    assert params.inbox is not None
    root = params.inbox
    inbox.ensure_layout(root, registry)
    pending: list[tuple[Any, Path]] = [(None, p) for p in inbox.pending_accounts(root)]
    for source in registry.sources:
        pending += [(source, p) for p in inbox.pending_for_source(root, source)]
    left = inbox.unmatched_files(root, registry)
    results: list[Any] = []
    failed: list[dict[str, str]] = []
    for source, path in pending:
        item = inbox.InboxFile(inbox.ACCOUNTS if source is None else source.name, path)
        if inbox.ssn_shaped_name(item):  # before its name is read into anything stored
            moved, reason = inbox.quarantine_ssn_named(root, item, run_id)
            log.error("quarantined file %s: %s", moved, reason)
            failed.append({"source": item.source, "path": str(moved), "reason": reason})
            continue
        try:
            if source is None:
                results.append(ingest_accounts(con, path, profile, run_id, replace=params.replace))
            else:
                one = inbox.source_for_file(source, path)
                results.extend(ingest_source(con, one, run_id, replace=params.replace))
        except IngestError as exc:
            moved = inbox.move_quarantined(root, item, str(exc), run_id)
            log.error("quarantined file %s: %s", moved, exc)
            failed.append({"source": item.source, "path": str(moved), "reason": str(exc)})
            continue
        inbox.move_processed(root, item, run_id)
    return results, failed, left


def check_delivery(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str
) -> dict[str, Any]:
    """After ingest, before anything is derived from it: refuse a delivery whose files are
    mostly rejected or that drops more than `max_shrink` of the accounts (guards.py)."""
    from skiptrace.flows.orchestration.guards import check_delivery as guard

    return guard(con, params, run_id)


def check_contacts(
    con: duckdb.DuckDBPyConnection, params: RefreshParams, run_id: str
) -> dict[str, Any]:
    """After suppress, before emit: refuse a run that would mark more than `max_shrink` of the
    previous run's contacts removed (guards.py)."""
    from skiptrace.flows.orchestration.guards import check_contacts as guard

    return guard(con, params, run_id)


def standardize(
    con: duckdb.DuckDBPyConnection, run_id: str, *, full_rebuild: bool = False
) -> StageStats:
    """Parse new addresses, names and phones into the caches; rebuild the account identities and
    bring the record identities up to date (all of them with `full_rebuild`)."""
    from skiptrace.matchers.address import standardize_addresses
    from skiptrace.matchers.names import standardize_names
    from skiptrace.matchers.phones import standardize_phones
    from skiptrace.matchers.standardize import build_std_tables

    with timed_stage(con, run_id, "standardize") as st:
        st.details["new_addresses"] = standardize_addresses(con)
        st.details["new_names"] = standardize_names(con)
        st.details["new_phones"] = standardize_phones(con)
        built = build_std_tables(con, full=full_rebuild)
        st.details["built"] = built.counts
        st.details["record_identities"] = {
            "mode": built.records,
            "reason": built.reason,
            "built": built.records_built,
            "dropped": built.records_dropped,
        }
        st.rows_in = _count(con, "current_accounts") + _count(con, "current_source_records")
        st.rows_out = int(built.counts.get("acct_std", 0)) + int(built.counts.get("rec_std", 0))
    return st


def match(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    threshold: float | None = None,
    block_cap: int | None = None,
    name_block_cap: int | None = None,
    settings: MatchSettings | None = None,
    full_rebuild: bool = False,
    partitions: int = 1,
    dask_address: str | None = None,
    partition_dir: Path | None = None,
) -> StageStats:
    """Block, compare, score and guard: accounts x source records -> match_pairs.

    `settings` wins over `threshold` and the block caps; replay passes
    `MatchSettings(reuse_params_from=...)`.

    Incremental unless `full_rebuild`: when the last completed run's model still applies (same
    matcher code and settings), its parameters are reused and only new or changed accounts and
    records are re-blocked and re-compared; the pairs written equal a full run's with those
    parameters (matchers/incremental.py). The first run, changed code or settings, and
    `full_rebuild` re-estimate the model and compare everything.

    `partitions` > 1 computes the comparison levels in that many partitions on a Dask cluster
    (`dask_address`, else a local one) through Parquet under `partition_dir` (default: next to
    the database); this process stays the only one writing the database (flows/orchestration/partitioned.py).
    Every match, partitioned or not, first removes the work folders that killed runs left under
    that folder (`remove_stale_partition_folders`).
    """
    from skiptrace.flows.orchestration.unmatched_files import warn_unmatched_files
    from skiptrace.matchers.incremental import plan_run
    from skiptrace.matchers.link import MatchSettings, link

    if settings is None:
        chosen: dict[str, Any] = {
            "threshold": threshold,
            "block_cap": block_cap,
            "name_block_cap": name_block_cap,
        }
        settings = MatchSettings(**{k: v for k, v in chosen.items() if v is not None})
    with timed_stage(con, run_id, "match") as st:
        remove_stale_partition_folders(con, run_id, partition_dir)
        plan = plan_run(con, run_id, settings, full_rebuild=full_rebuild)
        with _comparator(con, run_id, partitions, dask_address, partition_dir) as comparator:
            result = link(
                con,
                run_id,
                settings=plan.settings,
                incremental_run=plan.incremental,
                reason=plan.reason,
                comparator=comparator,
            )
        st.rows_in = result.candidate_pairs
        st.rows_out = result.linked_pairs
        # a placeholder SSN (matchers/link.py): exit 7
        record_run_warnings(con, run_id, "match", result.warnings)
        if unmatched := warn_unmatched_files(con, run_id):
            st.details["files_without_links"] = len(unmatched)
        st.details.update(
            candidate_pairs=result.candidate_pairs,
            linked_pairs=result.linked_pairs,
            associates=result.associates,
            mode=result.mode,
            trained_on=result.trained_on,
            increment=result.increment,
            partitions=partitions,
        )
        log.info(
            "match: %s run (%s); %s pairs compared, %s carried over",
            result.mode,
            result.increment.get("reason"),
            result.increment.get("pairs_compared"),
            result.increment.get("pairs_carried"),
        )
    return st


def partition_root(con: duckdb.DuckDBPyConnection, partition_dir: Path | None) -> Path:
    """The folder holding the runs' partition work folders, as an absolute path: it is sent to
    Dask workers, whose working directory is not this process's. Symlinks are kept, not
    resolved: a share linked at the same path on every host must reach workers by that path."""
    from skiptrace.flows.orchestration.partitioned import default_partition_dir

    return (partition_dir or default_partition_dir(con)).absolute()


def remove_stale_partition_folders(
    con: duckdb.DuckDBPyConnection, run_id: str, partition_dir: Path | None
) -> list[Path]:
    """Remove the partition work folders of runs that ended without removing them (killed).

    Run in every match, not only partitioned ones, so going back to in-process matching after a
    killed partitioned run still frees the space. The rule of what may go is in
    `skiptrace.flows.orchestration.partitioned.remove_stale_run_folders` (only runs this database marks ended).
    """
    from skiptrace.flows.orchestration.partitioned import remove_stale_run_folders

    removed = remove_stale_run_folders(con, partition_root(con, partition_dir), run_id)
    if removed:
        log.info(
            "removed %s partition work folder(s) of ended runs: %s",
            len(removed),
            ", ".join(str(f) for f in removed),
        )
    return removed


def _comparator(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    partitions: int,
    dask_address: str | None,
    partition_dir: Path | None,
) -> Any:
    """In-process comparisons (None: link's default), or the Dask-partitioned comparator."""
    from contextlib import nullcontext

    if partitions <= 1:
        return nullcontext(None)
    from skiptrace.flows.orchestration.partitioned import DaskComparator

    workdir = partition_root(con, partition_dir) / run_id
    return DaskComparator(workdir, partitions, address=dask_address)


def resolve(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    *,
    full_rebuild: bool = False,
    rules: Path | None = None,
) -> StageStats:
    """Consolidate matched contacts into scored contact points and account flags.

    Incremental unless `full_rebuild` (or the evidence cache does not apply: first run, changed
    settings, model, resolve SQL, matcher or standardizer version, or `rules` file): only the
    accounts whose links, records or on-file contacts changed get their evidence recomputed;
    every account is scored (matchers/resolve_cache.py, docs/scaling.md).
    """
    from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
    from skiptrace.sources.outcomes import report_unmatched

    settings = ResolveSettings()
    with timed_stage(con, run_id, "resolve") as st:
        result = resolve_contacts(
            con, run_id, as_of, settings=settings, rules=rules, full_rebuild=full_rebuild
        )
        # collectors' outcomes on accounts or contacts the run does not have: a run warning
        st.details["outcomes_unmatched"] = report_unmatched(con, run_id)
        if placeholders := placeholder_warning(result, settings.placeholder_debtors):
            record_run_warnings(con, run_id, "resolve", [placeholders])
        st.rows_in = _count(con, "match_pairs", run_id)
        st.rows_out = _count(con, "contact_points", run_id)
        st.details["result"] = _plain(result)
        st.details["mode"] = result.mode
        st.details["reason"] = result.mode_reason
        st.details["steps"] = result.step_seconds
    return st


def placeholder_warning(result: ResolveResult, limit: int) -> str | None:
    """The run warning for the phones and emails resolve withheld as placeholders (held by more
    than `limit` debtors, ResolveSettings.placeholder_debtors), None when there were none.

    Why a warning: a number reported for dozens of debtors is a source's filler (a bureau's
    713-555-5555 on every row) or a shared line; the run withholds it, but the source keeps
    sending it, and whoever buys the data should know how much of it is filler."""
    phones, emails = result.placeholder_phones, result.placeholder_emails
    if not phones and not emails:
        return None
    what = " and ".join(
        f"{n:,} {word}{'' if n == 1 else 's'}"
        for n, word in ((phones, "phone number"), (emails, "email"))
        if n
    )
    return (
        f"{what} reported for more than {limit} different debtors "
        f"(up to {result.placeholder_max_debtors:,}) withheld as placeholders on "
        f"{result.placeholder_accounts:,} accounts: a source's filler or a shared line, not the "
        "debtor's own (skiptrace explain shows them; ResolveSettings.placeholder_debtors)"
    )


def suppress(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    rules: Path | None = None,
    *,
    recorded: ConfigText | None = None,
) -> StageStats:
    """Apply compliance rules before anything is exported.

    The rules file (None: the shipped default rules) is read once, recorded whole for the run
    (run_config_files, migration 106) and the recorded text is what is applied, so replay can
    apply the same rules after the file changed. `recorded`: rules text to apply instead of
    reading a file (replay passes the original run's).
    """
    from skiptrace.flows.audit.run_config import read_rules, record_config
    from skiptrace.matchers.suppress import apply_suppressions, parse_rules

    config = recorded or read_rules(rules)
    ruleset = parse_rules(config.text)
    record_config(con, run_id, config)
    with timed_stage(con, run_id, "suppress") as st:
        st.rows_in = _count(con, "contact_points", run_id)
        st.rows_out = apply_suppressions(con, run_id, as_of, ruleset)
    return st


def emit(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    out_dir: Path,
    rules: Path | None = None,
    zip_format: str = "zip5",
) -> StageStats:
    """Write the exports atomically and record them (import bands from the same rules file)."""
    from skiptrace.flows.exports.emit import emit as write_exports

    with timed_stage(con, run_id, "emit") as st:
        files = write_exports(con, run_id, out_dir, rules=rules, zip_format=zip_format)
        st.rows_in = _count(con, "contact_points", run_id)
        st.rows_out = sum(int(getattr(f, "rows", 0) or 0) for f in files)
        st.details["files"] = [str(getattr(f, "path", f)) for f in files]
    return st


def _file_entry(r: Any) -> dict[str, Any]:
    return {
        "path": str(r.path),
        "source": r.source,
        "sha256": r.sha256,
        "status": r.status,
        "same_as": r.same_as,
        "rows_read": r.rows_read,
        "rows_loaded": r.rows_loaded,
        "rows_rejected": r.rows_rejected,
        "message": r.message,
    }


def _count(con: duckdb.DuckDBPyConnection, table: str, run_id: str | None = None) -> int:
    if run_id is None:
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    else:
        rows = con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]).fetchall()
    return int(rows[0][0]) if rows else 0


def _plain(obj: Any) -> Any:
    """Dataclass results -> JSON-able dicts for the summary."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: v for k, v in asdict(obj).items() if isinstance(v, int | float | str | bool)}
    return obj
