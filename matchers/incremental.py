"""Incremental link runs: re-block and re-compare only the rows that changed, and still write
exactly what a full run with the same parameters would.

Why this is exact, not approximate. A link run's output is a function of (a) the candidate pairs,
(b) each candidate's comparison levels, (c) the model parameters, (d) the term frequencies of the
names, and (e) the global steps over all candidates (guards that look at an account's other
pairs, one debtor per record). An incremental run

- reuses (c): the stored m/u/prior of the last completed run (`MatchSettings.reuse_params_from`);
  the full run it must equal is the one with those parameters;
- rebuilds every block size and derives (a) from the cached state — dirty rows' blocks in full,
  unchanged pairs carried over, pairs in blocks that crossed the cap re-derived
  (`sql/match/incremental_candidates.sql` argues each case);
- takes (b) from the cache for unchanged pairs: levels are a pure function of the two
  standardized rows, and a row is "unchanged" when its fingerprint (hash of every column the
  matcher reads, `sql/match/fingerprints.sql`) is;
- recomputes (d) and (e) over the whole candidate set: one new surname changes every name's
  relative frequency, so every pair is re-scored from its levels (vectorized numpy: about a
  tenth of a full run's match time) and the guards and roles are re-applied to the union.

The cache (migration 010) describes a data state, not a run: it is rewritten by every link run right
after its match_pairs are committed (`write_cache`: its state row, naming the run, is removed first
and written last, so a cache write that stops half way makes the next run a full one), and a run
that dies later (resolve, emit) leaves a cache that is still true of the data it saw. Which runs are full (first run, changed matcher code or
settings, `full_rebuild`) is decided by `plan_run`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.matchers.compare import first_row
from skiptrace.matchers.settings import MatchSettings, matcher_version

#: Temp tables an incremental run creates (dropped with the matcher's other temp tables).
TEMP_TABLES = (
    "_fp_l",
    "_fp_r",
    "_inc_dirty_l",
    "_inc_dirty_r",
    "_inc_removed_l",
    "_inc_removed_r",
    "_inc_carried",
    "_inc_flipped",
    "_inc_affected",
    "_inc_new_pairs",
    "_inc_compare",
)

#: Settings that do not change what a run computes from given parameters and data.
_NOT_COMPARED = ("reuse_params_from",)


@dataclass
class Increment:
    """How a link run was computed (one row of match_increments)."""

    mode: str  # 'full' | 'incremental'
    reason: str
    base_run_id: str | None = None  # run that wrote the cached state used
    accounts_new: int = 0
    accounts_changed: int = 0
    accounts_removed: int = 0
    records_new: int = 0
    records_changed: int = 0
    records_removed: int = 0
    blocks_flipped: int = 0
    pairs_carried: int = 0
    pairs_compared: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class RunPlan:
    """What `skiptrace.flows.orchestration.stages.match` runs: settings (with reused parameters) and whether to use the
    cache, with the reason, so a run's mode is never a surprise in the run summary."""

    settings: MatchSettings
    incremental: bool
    reason: str
    params_from: str | None = None


def settings_key(settings: MatchSettings | dict[str, Any]) -> dict[str, Any]:
    """The settings that must be equal for a run to reuse another's parameters (JSON-normal).
    Settings stored before a field existed compare as that field's default (the behaviour those
    runs had), so adding a setting does not force a full rebuild."""
    if isinstance(settings, dict):
        raw = {**dataclasses.asdict(MatchSettings()), **settings}
    else:
        raw = dataclasses.asdict(settings)
    plain = json.loads(json.dumps(raw, sort_keys=True, default=list))
    return {k: v for k, v in plain.items() if k not in _NOT_COMPARED}


def plan_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    settings: MatchSettings,
    *,
    full_rebuild: bool = False,
) -> RunPlan:
    """Full or incremental, and whose parameters.

    Full (parameters estimated afresh, every pair compared) when asked (`full_rebuild`), on the
    first run, or when the last completed run's model no longer applies: its matcher code
    version or its settings (threshold, review floor, block cap, guards, sampling) differ from
    this run's. Otherwise incremental, reusing that run's parameters. Explicit
    `settings.reuse_params_from` (replay) is honoured as given.
    """

    if full_rebuild:
        return RunPlan(settings, False, "full rebuild requested")
    if settings.reuse_params_from:
        return RunPlan(
            settings, True, "parameters given explicitly", params_from=settings.reuse_params_from
        )
    row = first_row(
        con.execute(
            "SELECT r.run_id, m.matcher_version, mr.settings FROM runs r "
            "JOIN match_model m USING (run_id) JOIN match_run mr USING (run_id) "
            "WHERE r.status = 'completed' AND r.run_id < ? ORDER BY r.run_id DESC LIMIT 1",
            [run_id],
        ).fetchall()
    )
    if row is None:
        return RunPlan(settings, False, "first run: no completed run with a model")
    base, version, stored = row
    if version != matcher_version():
        return RunPlan(settings, False, f"matcher code changed since {base} ({version})")
    before = settings_key(json.loads(stored) if isinstance(stored, str) else dict(stored))
    now = settings_key(settings)
    changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if changed:
        return RunPlan(settings, False, f"settings changed since {base}: {', '.join(changed)}")
    reused = dataclasses.replace(settings, reuse_params_from=base)
    return RunPlan(reused, True, f"incremental, parameters of {base}", params_from=base)


def cache_status(
    con: duckdb.DuckDBPyConnection, *, block_cap: int, name_block_cap: int, version: str
) -> tuple[bool, str, str | None]:
    """(usable, why not, run that wrote it). The cached levels need this matcher version; the
    cached candidate set and oversized blocks need these block caps."""
    row = first_row(
        con.execute(
            "SELECT matcher_version, block_cap, name_block_cap, run_id "
            "FROM match_cache_state LIMIT 1"
        ).fetchall()
    )
    if row is None:
        return False, "no cached state (full run)", None
    cached_version, cached_cap, cached_name_cap, base = row
    if cached_version != version:
        return False, f"cache from matcher {cached_version}: full run", base
    if (cached_cap, cached_name_cap) != (int(block_cap), int(name_block_cap)):
        return (
            False,
            f"cache built with block_cap {cached_cap}, name_block_cap {cached_name_cap}: full run",
            base,
        )
    return True, "", base


def fingerprint_sides(con: duckdb.DuckDBPyConnection) -> None:
    """`_fp_l`/`_fp_r`: fingerprints of the current `_ml`/`_mr` rows (needs prepare_sides)."""
    sql.run(con, "match/fingerprints.sql")


def incremental_candidates(
    con: duckdb.DuckDBPyConnection, *, base_run_id: str | None, reason: str
) -> Increment:
    """Build `_match_candidates` (as a full run would) and `_inc_compare` (the pairs without
    cached levels) from the cache; needs the sides, fingerprints and build_blocks' tables (which
    decided, with the caps, which blocks are kept)."""
    sql.run(con, "match/incremental_candidates.sql")
    counts = first_row(
        con.execute(
            "SELECT (SELECT count(*) FILTER (WHERE is_new) FROM _inc_dirty_l), "
            "(SELECT count(*) FILTER (WHERE NOT is_new) FROM _inc_dirty_l), "
            "(SELECT count(*) FROM _inc_removed_l), "
            "(SELECT count(*) FILTER (WHERE is_new) FROM _inc_dirty_r), "
            "(SELECT count(*) FILTER (WHERE NOT is_new) FROM _inc_dirty_r), "
            "(SELECT count(*) FROM _inc_removed_r), "
            "(SELECT count(*) FROM _inc_flipped), "
            "(SELECT count(*) FROM _match_candidates), "
            "(SELECT count(*) FROM _inc_compare)"
        ).fetchall()
    )
    assert counts is not None
    a_new, a_chg, a_rm, r_new, r_chg, r_rm, flipped, total, compared = (int(x) for x in counts)
    return Increment(
        mode="incremental",
        reason=reason,
        base_run_id=base_run_id,
        accounts_new=a_new,
        accounts_changed=a_chg,
        accounts_removed=a_rm,
        records_new=r_new,
        records_changed=r_chg,
        records_removed=r_rm,
        blocks_flipped=flipped,
        pairs_carried=total - compared,
        pairs_compared=compared,
    )


def assemble_cmp(con: duckdb.DuckDBPyConnection) -> None:
    """`_match_cmp` for every candidate: fresh levels (in `_match_cmp`, for `_inc_compare`) plus
    cached ones, with source, echo flag and term frequencies recomputed (incremental_cmp.sql)."""
    sql.run(con, "match/incremental_cmp.sql")


def empty_increment(con: duckdb.DuckDBPyConnection) -> None:
    """Empty stand-ins for the increment tables cache_write.sql reads, for a full run."""
    for table, cols in (
        ("_inc_dirty_l", "id VARCHAR, is_new BOOLEAN"),
        ("_inc_dirty_r", "id BIGINT, is_new BOOLEAN"),
        ("_inc_removed_l", "id VARCHAR"),
        ("_inc_removed_r", "id BIGINT"),
        ("_inc_affected", "account_id VARCHAR, rec_id BIGINT"),
        ("_inc_new_pairs", "account_id VARCHAR, rec_id BIGINT, pass_mask INTEGER"),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({cols})")


#: Cache pairs written per transaction (cache_write_pairs.sql): a full run at 1M accounts writes
#: 17.4M. In the pairs' transaction their join and commit set the match stage's peak; in their own
#: transaction, under link()'s lowered DuckDB limit, one slice of all 17.4M peaked no higher than
#: 4M-pair slices (6.49 against 6.48 GB) and took 20.5 s instead of 42.6 s, each slice scanning
#: both 17.4M-row tables (bench/match_phases.py at 1M, docs/performance.md). So one slice up to
#: about 1.2M accounts; larger portfolios still write in slices.
CACHE_CHUNK_ROWS = 20_000_000


def write_cache(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    full: bool,
    block_cap: int,
    name_block_cap: int,
    version: str,
) -> None:
    """Make the cache describe this run's state, after the run's pairs are committed and in
    transactions of its own (`_match_cmp` must still hold every candidate's levels).

    Why not in the pairs' transaction: one commit of the pairs and 17.4M cache rows was the
    1M run's memory peak. Why it is still safe: cache_clear.sql removes the state row first and
    cache_write.sql writes it last, so between the two the cache is unusable (`cache_status`:
    full run) and never half-read; and a run that stops before cache_clear.sql leaves the
    previous state whole, which is still true of the data it describes (levels are a function
    of the two rows' fingerprints). The state row names this run, whose pairs are committed.
    """
    state = {
        "run_id": run_id,
        "matcher_version": version,
        "block_cap": int(block_cap),
        "name_block_cap": int(name_block_cap),
    }
    with sql.transaction(con):
        sql.run(con, "match/cache_clear.sql", full=bool(full))
    new_pairs = first_row(
        con.execute(
            "SELECT count(*) FROM _match_candidates"
            if full
            else "SELECT count(*) FROM _inc_new_pairs"
        ).fetchall()
    )
    chunks = max(1, -(-int(new_pairs[0] if new_pairs else 0) // CACHE_CHUNK_ROWS))
    for chunk in range(chunks):
        with sql.transaction(con):
            sql.run(con, "match/cache_write_pairs.sql", full=bool(full), chunk=chunk, chunks=chunks)
    with sql.transaction(con):
        sql.run(con, "match/cache_write.sql", full=bool(full), **state)


def record_increment(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    inc: Increment,
    *,
    params_from: str | None,
    partitions: int,
    seconds: float,
) -> None:
    """One match_increments row (inside the run's write transaction; replaces a rerun's)."""
    con.execute("DELETE FROM match_increments WHERE run_id = ?", [run_id])
    con.execute(
        "INSERT INTO match_increments VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            run_id,
            inc.mode,
            inc.reason,
            inc.base_run_id,
            params_from,
            inc.accounts_new,
            inc.accounts_changed,
            inc.accounts_removed,
            inc.records_new,
            inc.records_changed,
            inc.records_removed,
            inc.blocks_flipped,
            inc.pairs_carried,
            inc.pairs_compared,
            int(partitions),
            float(seconds),
        ],
    )
