"""Link accounts to source records: block, compare, estimate (u by sampling, m by EM), score,
guard against wrong parties, and write match_params / match_model / match_pairs.

This is record linkage, not deduplication: accounts are the left side, source records the right
side, and a record can describe at most one debtor: one account's, or every account of one
person placed several times (one SSN and name on each, sql/match/shared_ssn.sql). Everything heavy is set-based in
DuckDB (`sql/match/*.sql`); numpy only sees the EM pattern table and the candidates' level
matrix. See matchers/compare.py (levels), matchers/fellegi_sunter.py (model), matchers/guards.py
(wrong-party rules) and matchers/explain.py (waterfalls).

Roles written to match_pairs:
- 'debtor': probability >= threshold, no guard fired, and the record's best account (or an
  account of the same identity as the best: match_conflicts outcome 'same_person');
- 'associate': a household guard fired (father/son, spouse, roommate, a relative's phone) —
  never the debtor; kept whatever its probability, so its contacts can be treated as
  third-party contacts;
- 'rejected': stored for review — at or above review_floor but below threshold; above the
  threshold but outscored by (or tied with) another account for the same record (see
  match_conflicts); or a name match nothing personal corroborates (guard
  'uncorroborated_name_match', a possible namesake).
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import polars as pl

from skiptrace import sql
from skiptrace.masking import mask_email
from skiptrace.matchers import compare, fellegi_sunter, incremental, review_decisions
from skiptrace.matchers.blocking import block, blocking_report, build_blocks
from skiptrace.matchers.compare import COMPARISONS, NAMES, first_row
from skiptrace.matchers.explain import PairExplanation, explain_pair
from skiptrace.matchers.guards import BY_NAME as GUARDS_BY_NAME
from skiptrace.matchers.guards import (
    COMMON_NAME,
    CROWDED,
    GENERATION_EVIDENCE,
    MOVE_RECORD,
    OTHER_PERSON,
    ROLE_OF,
    SAME_UNIT,
    apply_guards,
    generation_patterns,
    household_guards,
)
from skiptrace.matchers.settings import MatchSettings, matcher_version

__all__ = [
    "Comparator",
    "LinkResult",
    "MatchSettings",
    "PairExplanation",
    "explain_pair",
    "link",
]

#: Computes comparison levels for the pairs a SELECT returns into the temp table `_match_cmp` and
#: returns their count: `compare.compare_pairs` in-process, or skiptrace.flows.orchestration.partitioned's comparator,
#: which farms the same SQL out to Dask workers over Parquet.
Comparator = Callable[[duckdb.DuckDBPyConnection, str], int]


@dataclass
class LinkResult:
    """Summary of a link run (details are in the match_* tables under run_id)."""

    run_id: str
    candidate_pairs: int
    linked_pairs: int
    associates: int
    blocking_report: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    review_pairs: int = 0
    ties: int = 0
    em_iterations: int = 0
    trained_on: str = "em"
    mode: str = "full"  # 'full' | 'incremental' (see matchers/incremental.py)
    increment: dict[str, Any] = field(default_factory=dict)
    reviewed: dict[str, int] = field(default_factory=dict)  # reviewers' decisions applied
    warnings: list[str] = field(default_factory=list)  # for the run (placeholder SSNs)


# --------------------------------------------------------------------------- estimation


#: u_sample.sql's `candidate`: whether blocking proposed the sampled pair.
_U_CANDIDATE = (
    "EXISTS (SELECT 1 FROM _match_candidates m "
    "WHERE m.account_id = c.account_id AND m.rec_id = c.rec_id)"
)


def _sample_u_counts(
    con: duckdb.DuckDBPyConnection,
    n_left: int,
    n_right: int,
    pairs: int,
    seed: int,
    comparator: Comparator | None = None,
    *,
    split: bool = True,
) -> tuple[list[list[float]], int, list[list[float]], int]:
    """Level counts per comparison over random pairs (all pairs when the product is small),
    then the same counts over the sampled pairs that are not candidates, and their number
    (`split`; without it every sampled pair counts as a candidate and those are zero: only a
    run without guards reads them, `_estimate`).

    In process (the default comparator), the levels of the random pairs are counted straight
    from compare.sql's `_match_levels` on the pairs' row numbers: no pair is stored, and DuckDB
    reads only the columns the levels need (no account or record ids except for the candidate
    test, no term frequencies). Another comparator (the Dask one) computes `_match_cmp` for the
    pairs, which are counted from there. The counts are the same either way."""
    total = n_left * n_right
    sampled = total > pairs
    if sampled:
        rng = np.random.default_rng(seed)
        idx = pl.DataFrame(
            {"lx": rng.integers(0, n_left, pairs), "rx": rng.integers(0, n_right, pairs)}
        )
        con.register("_u_idx", idx)
    else:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _u_idx AS SELECT l.ix AS lx, r.ix AS rx FROM _ml l, _mr r"
        )
    try:
        if comparator is None or comparator is compare.compare_pairs:
            compare.define_levels(con)
            con.execute(
                "CREATE OR REPLACE TEMP VIEW _u_compared AS SELECT * FROM _match_levels('_u_idx')"
            )
        else:
            comparator(
                con,
                "SELECT l.id AS account_id, r.id AS rec_id FROM _u_idx s "
                "JOIN _ml l ON l.ix = s.lx JOIN _mr r ON r.ix = s.rx",
            )
            con.execute("CREATE OR REPLACE TEMP VIEW _u_compared AS SELECT * FROM _match_cmp")
        text = sql.render("match/u_sample.sql", candidate=_U_CANDIDATE if split else "true")
        found = con.execute(text).fetchall()
    finally:
        con.execute("DROP VIEW IF EXISTS _u_compared")
        if sampled:
            con.unregister("_u_idx")
        else:
            con.execute("DROP VIEW _u_idx")
    counts = [[0.0] * c.n_levels for c in COMPARISONS]
    outside = [[0.0] * c.n_levels for c in COMPARISONS]
    pos = {name: k for k, name in enumerate(NAMES)}
    n = 0
    outside_pairs = 0.0
    for name, level, candidate, cnt in found:
        counts[pos[name]][int(level)] += float(cnt)
        if name == NAMES[0]:
            n += int(cnt)
        if not candidate:
            outside[pos[name]][int(level)] += float(cnt)
            if name == NAMES[0]:
                outside_pairs += float(cnt)
    return counts, n, outside, int(outside_pairs)


def _estimate(
    con: duckdb.DuckDBPyConnection,
    n_left: int,
    n_right: int,
    s: MatchSettings,
    comparator: Comparator,
    compare_candidates: Callable[[], None],
) -> tuple[fellegi_sunter.FSParams, fellegi_sunter.EMResult | None, int, dict[str, Any]]:
    """u from random pairs; m from anchor pairs where there are enough, else by EM; the prior
    by EM on the candidates' pattern table (guarded patterns counted as non-matches).

    Compares the random pairs first and then the candidates (`compare_candidates`): both use the
    _match_cmp temp table, which must hold the candidates afterwards.
    """
    u_counts, sampled, outside_counts, outside_sampled = _sample_u_counts(
        con, n_left, n_right, s.u_sample_pairs, s.seed, comparator, split=s.enabled_guards() == ()
    )
    u0 = [[0.0] + [lv.u0 for lv in c.levels] for c in COMPARISONS]
    u_obs = fellegi_sunter.estimate_u(u_counts, u0)
    m0 = [[np.nan] + [lv.m0 for lv in c.levels] for c in COMPARISONS]
    start = fellegi_sunter.FSParams.from_lists(m0, [list(a) for a in u_obs], 0.5)
    compare_candidates()
    pat = con.execute(sql.load("match/patterns.sql")).fetchnumpy()
    patterns = np.column_stack([np.asarray(pat[n], dtype=np.int64) for n in NAMES])
    counts = np.asarray(pat["n"], dtype=np.float64)
    total = float(n_left) * float(n_right)
    prior0 = min(0.5, 0.5 * min(n_left, n_right) / total)
    if len(counts) == 0:
        params = fellegi_sunter.FSParams(start.m, start.u, start.n_levels, prior0)
        return params, None, sampled, {}
    frame = pl.DataFrame({n: patterns[:, k] for k, n in enumerate(NAMES)})
    # household/third-party guards are non-matches by rule; an uncorroborated name match is
    # merely undecided, so only the 'associate' guards are clamped
    guard = apply_guards(frame, s.enabled_guards())
    guarded = (
        guard.replace_strict(ROLE_OF, default=None).eq("associate").fill_null(False).to_numpy()
    )
    u_outside = None
    if s.enabled_guards() == ():
        # Plain deduplication (no guards): the data is declared free of households, so EM's
        # posteriors can be trusted on every candidate.
        # - EM estimates every m. Anchor pairs are a defence against EM drifting towards
        #   fathers, sons and spouses, and a biased sample (records agreeing exactly on name and
        #   DOB have fewer errors, or more, elsewhere): on FEBRL4 without SSN they set the
        #   address m 6 points off the truth and cost 8 links.
        # - u comes from every pair, the candidates weighted by their posterior of being a
        #   non-match (fellegi_sunter.u_from_candidates): a decontaminated sample put u(address
        #   exact) at 5e-6 on FEBRL4, where no two people share an address (7 links). Not in
        #   collections: there the candidates hold the households EM cannot tell apart (a spouse
        #   on the debtor's SSN in a joint 1040), and counting them by EM's own posterior lowers
        #   u(SSN exact) until they link (pseudopeople seed 11: 38 more wrong links).
        m_start, fixed, anchored = start.m, np.zeros(len(NAMES), bool), [0.0] * len(NAMES)
        u_outside = fellegi_sunter.outside_level_counts(
            fellegi_sunter.estimate_u(outside_counts, u0),
            outside_counts,
            pairs=max(total - float(counts.sum()), 0.0),
            sampled=outside_sampled,
        )
    else:
        m_start, fixed, anchored = fellegi_sunter.anchor_m(
            patterns, counts, _anchors(patterns, guarded), start.m
        )
    result = fellegi_sunter.em(
        patterns,
        counts,
        u_observed=start.u,
        m_start=m_start,
        total_pairs=total,
        prior_start=prior0,
        max_iter=s.em_max_iter,
        m_strength=50.0,
        u_floor=0.5 / max(sampled, 1),
        m_fixed=fixed,
        non_match=guarded,
        u_outside=u_outside,
    )
    estimation = {
        "m_from_anchor_pairs": {
            n: round(anchored[k]) for k, n in enumerate(NAMES) if bool(fixed[k])
        },
        "m_from_em": [n for k, n in enumerate(NAMES) if not fixed[k]],
        "guarded_pairs_as_non_matches": int(counts[guarded].sum()),
        "u_sampled_pairs": sampled,
    }
    return result.params, result, sampled, estimation


def _anchors(patterns: np.ndarray, guarded: np.ndarray) -> list[np.ndarray]:
    """Per comparison, the patterns whose pairs are matches on evidence that comparison lacks.

    SSN-hash agreement anchors every comparison but the SSN; exact full name + exact DOB anchors
    the SSN (and, with the SSN anchors, the contact comparisons). Guarded patterns are never
    anchors: a father sharing a mixed-up SSN must not teach the model what a match looks like.
    """
    col = {n: patterns[:, k] for k, n in enumerate(NAMES)}
    by_ssn = (col["ssn"] == compare.SSN_EXACT) & ~guarded
    by_identity = (
        np.isin(col["first_name"], [compare.FIRST_EXACT, compare.FIRST_NICKNAME])
        & (col["last_name"] == compare.LAST_EXACT)
        & (col["dob"] == compare.DOB_EXACT)
        & ~guarded
    )
    anchors = []
    for name in NAMES:
        if name == "ssn":
            anchors.append(by_identity)
        elif name in ("first_name", "last_name", "dob"):
            anchors.append(by_ssn)
        else:
            anchors.append(by_ssn | by_identity)
    return anchors


# --------------------------------------------------------------------------- scoring & roles


#: Candidates scored per chunk. Scoring, guards and roles run in polars/numpy; chunking keeps
#: their memory bounded (~1 GB per chunk) at any portfolio size. Chunks split on the record,
#: and every rule that looks across rows (one debtor identity per record, ties, conflicts)
#: groups by record, so chunked and whole-frame scoring give the same rows.
SCORE_CHUNK_ROWS = 2_000_000


@dataclass
class Scored:
    """The stored pairs of a link run (role not NULL: debtor, associate, rejected for review),
    ordered by (rec_id, account_id), and the sum of every candidate's match probability (the
    expected number of matches when no EM ran)."""

    pairs: pl.DataFrame
    probability_sum: float


def _score_candidates(
    con: duckdb.DuckDBPyConnection, params: fellegi_sunter.FSParams, s: MatchSettings
) -> Scored:
    """Weights, probability, guard and role for every compared candidate (in _match_cmp); the
    pairs below the review floor are dropped chunk by chunk (most candidates at scale)."""
    # only the columns scoring reads (compare.sql's intermediate columns stay in DuckDB); the
    # order makes every float aggregate over the frame reproducible. polars sorts: a DuckDB
    # ORDER BY before the hand-off took 8.8 s of the 1M match stage's chunk reads, a polars sort
    # after it 6.3 s (a candidate is one (rec_id, account_id) pair, so the order is the same)
    cols = _scored_select(con, s)
    total = compare.first_row(con.execute("SELECT count(*) FROM _match_cmp").fetchall())
    chunks = max(1, -(-int(total[0] if total else 0) // SCORE_CHUNK_ROWS))
    identity = sql.query(con, "SELECT account_id, identity FROM _acct_identity")
    shown = _record_generations(con, s)
    if chunks == 1:  # the frame holds every candidate: apply_guards finds the generations in it
        cmp = sql.query(con, f"SELECT {cols}").sort(_PAIR_ORDER)
        stored, probability_sum = _score_frame(cmp, params, s, shown=shown, identity=identity)
        del cmp
        return Scored(stored, probability_sum)
    generation, dated = _generation_accounts(con, s)
    probability_sum = 0.0
    schema: pl.Schema | None = None
    for k in range(chunks):
        cmp = sql.query(con, f"SELECT {cols} WHERE hash(c.rec_id) % {chunks} = {k}").sort(
            _PAIR_ORDER
        )
        frame, chunk_sum = _score_frame(
            cmp, params, s, generation, dated, shown=shown, identity=identity
        )
        del cmp
        probability_sum += chunk_sum
        _keep_in_duckdb(con, frame, first=k == 0)
        schema = frame.schema
        del frame
    pairs = sql.query(con, f"SELECT * FROM {_SCORED}").sort(_PAIR_ORDER)
    con.execute(f"DROP TABLE {_SCORED}")
    assert schema is not None
    pairs = pairs.cast(schema)  # the frame's own types, whatever DuckDB read them back as
    return Scored(pairs, probability_sum)


#: The guards that read `other_person` (sql/match/second_person.sql).
_SECOND_PERSON_GUARDS = (
    "other_given_name_same_address",
    "ssn_conflict_other_given_name",
    "ssn_shared_other_given_name",
)


#: The source kind whose records are NCOA moves (`move_record`, sql/match/move_records.sql).
MOVE_KIND = "ncoa"

#: The guard that reads `common_name` (sql/match/common_name.sql).
COMMON_NAME_GUARD = "common_name_dob_only"

#: The guards that read the dwelling, and with it `crowded` (sql/match/crowded_dwelling.sql).
_DWELLING_GUARDS = ("spouse_pattern", "shared_contact_only", "shared_building_only")


def _scored_select(con: duckdb.DuckDBPyConnection, s: MatchSettings) -> str:
    """The select list and FROM clause scoring reads the candidates with: the columns scoring
    reads, `other_person` (sql/match/second_person.sql), `move_record`
    (sql/match/move_records.sql) and `common_name` (sql/match/common_name.sql) when a guard
    needs them.

    Why before the chunks: the evidence of a second person, and the bearers of a name, are in
    other records, and scoring chunks split on the record."""
    cols = ", ".join(f"c.{c}" for c in compare.SCORED_COLUMNS)
    joins = ""
    if any(_guard_enabled(s, g) for g in _SECOND_PERSON_GUARDS):
        sql.run(
            con,
            "match/second_person.sql",
            last_agrees=compare.LAST_JW92,
            no_data=compare.NO_DATA,
            first_same=compare.FIRST_SWAPPED,
            same_address=compare.ADDR_STREET,
        )
        cols += f", sp.rec_id IS NOT NULL AS {OTHER_PERSON}"
        joins += (
            " LEFT JOIN _second_person sp ON sp.account_id = c.account_id AND sp.rec_id = c.rec_id"
        )
    if _guard_enabled(s, GENERATION_AMBIGUOUS):
        sql.run(con, "match/move_records.sql", kind=MOVE_KIND)
        cols += f", mv.rec_id IS NOT NULL AS {MOVE_RECORD}"
        joins += " LEFT JOIN _move_records mv ON mv.rec_id = c.rec_id"
    if _guard_enabled(s, COMMON_NAME_GUARD):
        sql.run(con, "match/common_name.sql", chance=s.common_name_dob_chance)
        cols += f", cn.account_id IS NOT NULL AS {COMMON_NAME}"
        joins += " LEFT JOIN _common_name cn ON cn.account_id = c.account_id"
    if any(_guard_enabled(s, g) for g in _DWELLING_GUARDS):
        sql.run(
            con,
            "match/crowded_dwelling.sql",
            max_persons=s.household_max_persons,
            surname_chance=s.crowded_surname_chance,
        )
        cols += f", coalesce(cd.crowded, 0) AS {CROWDED}"
        joins += " LEFT JOIN _crowded_dwelling cd ON cd.account_id = c.account_id"
    return f"{cols} FROM _match_cmp c{joins}"


#: The order of the candidates while they are scored, and of the stored pairs scoring returns.
_PAIR_ORDER = ("rec_id", "account_id")

#: The stored pairs of the chunks scored so far (see _keep_in_duckdb).
_SCORED = "_match_scored"


def _keep_in_duckdb(con: duckdb.DuckDBPyConnection, stored: pl.DataFrame, *, first: bool) -> None:
    """Append one chunk's stored pairs to a DuckDB temp table instead of a Python list.

    Why: a filtered polars frame keeps the buffers of the chunk it was filtered from (its string
    columns are views into them), so a list of the chunks' stored pairs held several times
    their size: at 1M accounts (9 chunks of 2M candidates) RSS grew by about 3 GB over the
    scoring loop for 555 MiB of pairs. DuckDB copies the rows into its own buffer pool, under
    its memory limit, and the frame read back at the end is compact."""
    con.register("_scored_chunk", stored)
    try:
        if first:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {_SCORED} AS SELECT * FROM _scored_chunk")
        else:
            con.execute(f"INSERT INTO {_SCORED} SELECT * FROM _scored_chunk")
    finally:
        con.unregister("_scored_chunk")


def _generation_accounts(
    con: duckdb.DuckDBPyConnection, s: MatchSettings
) -> tuple[pl.Series | None, pl.Series | None]:
    """The accounts whose candidates show another same-name generation, over every candidate in
    `_match_cmp`, and those of them where a suffix or a DOB dates it (None, None when no
    household guard is enabled).

    Why before the chunks: scoring chunks split on the record, so an account's pairs fall in
    several chunks, and the household guard ('generation_ambiguous') must see the father found
    in any of them. Worked out on the distinct level patterns (sql/match/guard_patterns.sql)
    and joined back in DuckDB, so it costs two scans of the candidates, not a scoring pass."""
    enabled = s.enabled_guards()
    if not household_guards(enabled):
        return None, None
    evidence = generation_patterns(sql.query(con, "match/guard_patterns.sql"), enabled)
    con.register("_generation_patterns", evidence)
    try:
        accounts = sql.query(con, "match/generation_accounts.sql")
        return accounts["account_id"], accounts.filter(pl.col("dated"))["account_id"]
    finally:
        con.unregister("_generation_patterns")


def _record_generations(con: duckdb.DuckDBPyConnection, s: MatchSettings) -> pl.Series | None:
    """The accounts whose candidate records of the debtor's name at the account's address show
    another generation record against record (two suffixes, or DOBs a generation apart:
    sql/match/generation_records.sql); None when no household guard is enabled.

    Why: the pair guards that show another generation compare a record with the account row,
    and fire on nothing for an account without SSN, DOB or suffix; an NCOA move with a
    one-sided suffix is held only where another generation shows ('generation_ambiguous').
    Worked out over every candidate before the chunks, which split on the record, like
    _generation_accounts."""
    if not household_guards(s.enabled_guards()):
        return None
    return sql.query(
        con,
        "match/generation_records.sql",
        last_close=compare.LAST_JW80,
        first_similar=compare.FIRST_JW80,
        no_data=compare.NO_DATA,
        same_address=compare.ADDR_STREET,
        gap_days=compare.GENERATION_GAP_DAYS,
    )["account_id"]


def _score_frame(
    cmp: pl.DataFrame,
    params: fellegi_sunter.FSParams,
    s: MatchSettings,
    generation: pl.Series | None = None,
    dated: pl.Series | None = None,
    *,
    shown: pl.Series | None = None,
    identity: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, float]:
    """Score one chunk of compared candidates (whole records): weights, guard, role; return the
    pairs that are stored (those with a role) and the sum of every pair's probability.
    `generation`: the accounts showing another generation anywhere, `dated` those where a
    suffix or a DOB dates it (_generation_accounts); `shown` those whose records show one
    record against record (_record_generations); `identity` the accounts that are one person
    (_assign_roles).

    Roles are assigned to the stored pairs only: a pair gets one exactly when its guard makes
    it an associate or its probability reaches the review floor (which is at most the
    threshold), and the per-record ranking reads only pairs above the threshold. On the
    generated 100k seven in ten candidates are neither: ranking every candidate took 0.36-0.42 s
    of about 1.2 s of scoring, ranking the stored pairs takes 0.24 s with the filter."""
    tf = [
        (k, c.tf_level, cmp[c.tf_column].cast(pl.Float64).fill_null(np.nan).to_numpy())
        for k, c in enumerate(COMPARISONS)
        if c.tf_column and c.tf_level is not None
    ]
    # each level column as it is (no N x K int64 copy of them: fresh memory, see column_weights)
    levels = [cmp[n].to_numpy() for n in NAMES]
    partial, total, prob = fellegi_sunter.column_weights(levels, params, tf)
    del levels, tf
    extra = [c for c in (OTHER_PERSON, MOVE_RECORD, COMMON_NAME, CROWDED) if c in cmp.columns]
    cols = ["account_id", "rec_id", "source", "echoed", SAME_UNIT, *extra, *NAMES]
    frame = cmp.select(cols).with_columns(
        pl.Series("match_weight", total),
        pl.Series("match_probability", prob),
        *[pl.Series(f"w_{n}", partial[:, k]) for k, n in enumerate(NAMES)],
    )
    guard = apply_guards(
        frame,
        s.enabled_guards(),
        generation_accounts=generation,
        dated_accounts=dated,
        record_generations=shown,
    )
    frame = frame.with_columns(guard.alias("guard"))
    probability_sum = float(frame["match_probability"].sum()) if frame.height else 0.0
    associate = pl.col("guard").replace_strict(ROLE_OF, default=None).eq("associate")
    stored = frame.filter(
        associate.fill_null(False) | (pl.col("match_probability") >= s.review_floor)
    )
    return _assign_roles(stored, s, identity), probability_sum


def _assign_roles(
    frame: pl.DataFrame, s: MatchSettings, identity: pl.DataFrame | None = None
) -> pl.DataFrame:
    """debtor / associate / rejected for the pairs that are stored (_score_frame): each of them
    gets a role. A record is the debtor of one person at most: of one account, or of every
    account of one identity (`identity`: account_id -> identity, the accounts that are one
    person placed several times, sql/match/shared_ssn.sql; an account not listed is its own).

    The record goes to the identity of its best eligible pair; each eligible pair of that
    identity is a debtor link, whatever its own weight (conflict 'same_person' when the record
    is shared by several of its accounts, 'kept' when one account holds it among rivals). Why:
    a person placed by two creditors is the debtor of both placements; with one account per
    record, the two tied and the record, its bankruptcy stay or death with it, was nobody's.
    The eligible pairs of other identities are 'outscored'; when the best pairs are of several
    identities the record is nobody's ('tie'), as before.

    Ranking uses the weight, not the probability: beyond ~53 bits both round to 1.0. The echoed
    account key breaks a tie in weight between identities (the vendor told us which account it
    searched for).
    """
    if identity is None:
        identity = pl.DataFrame(schema={"account_id": pl.String, "identity": pl.String})
    eligible = pl.col("guard").is_null() & (pl.col("match_probability") >= s.threshold)
    # the ranking runs on the columns it reads, and its two columns are added to the stored
    # pairs at the end: each join below copied every column of the pairs (levels, weights,
    # names), fresh memory at every step (maintain_order keeps the rows aligned for that)
    work = (
        frame.select(_ROLE_READS)
        .join(
            identity.select("account_id", pl.col("identity").alias("_identity")),
            on="account_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            eligible.alias("_eligible"),
            pl.col("guard").replace_strict(ROLE_OF, default=None).alias("_guard_role"),
            pl.coalesce("_identity", "account_id").alias("_identity"),
        )
    )
    best = (
        work.filter(pl.col("_eligible"))
        .group_by("rec_id")
        .agg(
            pl.len().alias("_n_eligible"),
            pl.col("match_weight").max().alias("_best_w"),
        )
    )
    work = work.join(best, on="rec_id", how="left", maintain_order="left")
    best_w = pl.col("_eligible") & (pl.col("match_weight") == pl.col("_best_w"))
    best_echo = (
        work.filter(best_w).group_by("rec_id").agg(pl.col("echoed").max().alias("_best_echo"))
    )
    work = work.join(best_echo, on="rec_id", how="left", maintain_order="left")
    top = best_w & (pl.col("echoed") == pl.col("_best_echo"))
    # the identity the record goes to: the only one among its top pairs, else none (a tie)
    winner = (
        work.filter(top)
        .group_by("rec_id")
        .agg(
            pl.col("_identity").n_unique().alias("_n_top"),
            pl.col("_identity").first().alias("_winner"),
        )
    )
    work = work.join(winner, on="rec_id", how="left", maintain_order="left")
    won = pl.col("_eligible") & (pl.col("_n_top") == 1) & (pl.col("_identity") == pl.col("_winner"))
    shared = work.filter(won).group_by("rec_id").agg(pl.len().alias("_n_won"))
    work = work.join(shared, on="rec_id", how="left", maintain_order="left")
    conflict = (
        pl.when(~pl.col("_eligible") | (pl.col("_n_eligible") < 2))
        .then(pl.lit(None, dtype=pl.String))
        .when(won & (pl.col("_n_won") > 1))
        .then(pl.lit("same_person"))
        .when(won)
        .then(pl.lit("kept"))
        .when(top)
        .then(pl.lit("tie"))
        .otherwise(pl.lit("outscored"))
    )
    work = work.with_columns(conflict.alias("conflict"))
    role = (
        pl.when(pl.col("guard").is_not_null() & (pl.col("_guard_role") == "associate"))
        .then(pl.lit("associate"))
        .when(
            pl.col("_eligible")
            & (pl.col("conflict").is_null() | pl.col("conflict").is_in(["kept", "same_person"]))
        )
        .then(pl.lit("debtor"))
        .when(pl.col("_eligible") | (pl.col("match_probability") >= s.review_floor))
        .then(pl.lit("rejected"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    roles = work.select("conflict", role.alias("role"))
    return frame.with_columns(roles["conflict"], roles["role"])


#: The columns of the stored pairs _assign_roles reads.
_ROLE_READS = ("rec_id", "account_id", "guard", "match_weight", "match_probability", "echoed")


#: The guard a corroborating linked record can lift (see corroborate_by_linked_records).
UNCORROBORATED = "uncorroborated_name_match"
#: The guard a borrowed SSN can lift (see release_borrowed_ssn).
SSN_CONFLICT = "ssn_conflict_same_address"


def _guard_enabled(s: MatchSettings, name: str) -> bool:
    enabled = s.enabled_guards()
    return name in (GUARDS_BY_NAME if enabled is None else enabled)


def _released(
    con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, rule: str, guard: str, **params: Any
) -> pl.DataFrame:
    """Pairs (account_id, rec_id) that `sql/match/<rule>.sql` releases from `guard`."""
    stored = pairs.select(
        "account_id", "rec_id", "role", "guard", "match_weight", "match_probability",
        "w_address", "w_ssn", *NAMES,
    )  # fmt: skip
    con.register("_stored_pairs", stored)
    try:
        return sql.query(
            con,
            f"match/{rule}.sql",
            guard=guard,
            generation_guards=list(GENERATION_EVIDENCE),
            **params,
        )
    finally:
        con.unregister("_stored_pairs")


def _set_role(
    pairs: pl.DataFrame, chosen: pl.DataFrame, role: str, guard: str | None
) -> pl.DataFrame:
    """`role` and `guard` for the (account_id, rec_id) pairs in `chosen`; the rest unchanged."""
    if chosen.is_empty():
        return pairs
    hit = pl.struct("account_id", "rec_id").is_in(
        chosen.select(pl.struct("account_id", "rec_id")).to_series().implode()
    )
    return pairs.with_columns(
        pl.when(hit).then(pl.lit(role)).otherwise(pl.col("role")).alias("role"),
        pl.when(hit).then(pl.lit(guard, dtype=pl.String)).otherwise(pl.col("guard")).alias("guard"),
    )


def _make_debtor(pairs: pl.DataFrame, released: pl.DataFrame) -> pl.DataFrame:
    """Role 'debtor' and no guard for the released pairs."""
    return _set_role(pairs, released, "debtor", None)


def corroborate_by_linked_records(
    con: duckdb.DuckDBPyConnection,
    pairs: pl.DataFrame,
    s: MatchSettings,
    params: fellegi_sunter.FSParams,
) -> pl.DataFrame:
    """Link name matches whose corroboration is one of the account's own linked records.

    Why: an account is one snapshot (a placement address, maybe no SSN); the debtor's later
    records carry what it lacks, a newer address or an SSN. A record with the debtor's name
    and nothing in common with the account but the newer address of another record already
    linked to it (or that record's SSN) is corroborated as much as the guard
    'uncorroborated_name_match' asks, just not by the account row itself; it is scored again
    as if the account row held that address (or SSN), with the model's own weights. The rule's
    limits (that score reaches the threshold, no DOB/SSN conflict, no other generation seen,
    one account only, one step) are in sql/match/corroborate_linked.sql. Released pairs become
    role 'debtor' with no guard, like any pair whose corroboration the account row holds.
    So are the pairs of a very common name that only the DOB corroborated
    ('common_name_dob_only'): the street address or the SSN of the debtor's own linked record
    is the evidence that guard found missing on the account row.
    """
    if pairs.is_empty() or not (
        _guard_enabled(s, UNCORROBORATED) or _guard_enabled(s, COMMON_NAME_GUARD)
    ):
        return pairs
    weights = params.weights()
    k = {name: i for i, name in enumerate(NAMES)}
    released = _released(
        con,
        pairs,
        "corroborate_linked",
        UNCORROBORATED,
        common_name=COMMON_NAME_GUARD,
        ambiguous=GENERATION_AMBIGUOUS,
        street_weight=float(weights[k["address"], compare.ADDR_STREET]),
        ssn_weight=float(weights[k["ssn"], compare.SSN_EXACT]),
        threshold_weight=float(np.log2(s.threshold / (1.0 - s.threshold)))
        if s.threshold < 1.0
        else float("inf"),
    )
    return _make_debtor(pairs, released)


#: The guard a debtor link on the minority side of a split account is held under (see
#: hold_split_identities).
GENERATION_AMBIGUOUS = "generation_ambiguous"


def hold_split_identities(
    con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, s: MatchSettings
) -> pl.DataFrame:
    """Hold the debtor links on the minority side of an account whose records carry two
    people's SSNs or DOBs (role 'rejected', guard 'generation_ambiguous').

    Why: the guards read each pair against the account row; with no SSN or DOB on the account
    the father's credit-header row and the son's agree on the same name and address, and both
    were linked, the father's death record then riding on his SSN (the auditor's nossn,
    nameaddr and placeholder runs). Their SSNs or DOBs, compared with each other, show the two
    people. Which links are held, and why those, is in sql/match/split_identities.sql. Runs
    before the borrowed-SSN release (a copied SSN is not a second person) and before the
    corroboration by linked records, so a held record corroborates nothing.
    """
    if pairs.is_empty() or not _guard_enabled(s, GENERATION_AMBIGUOUS):
        return pairs
    con.register(
        "_stored_pairs",
        pairs.select("account_id", "rec_id", "role", "guard", "match_probability", *NAMES),
    )
    try:
        held = sql.query(
            con,
            "match/split_identities.sql",
            ambiguous=GENERATION_AMBIGUOUS,
            threshold=s.threshold,
            gap_days=compare.GENERATION_GAP_DAYS,
        )
    finally:
        con.unregister("_stored_pairs")
    return _set_role(pairs, held, "rejected", GENERATION_AMBIGUOUS)


def release_borrowed_ssn(
    con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, s: MatchSettings
) -> pl.DataFrame:
    """Link same-name pairs that 'ssn_conflict_same_address' held back only because the record
    carries an SSN of somebody else in the household.

    Why: SSNs are copied within households (a spouse's number on a joint return or a W-2); such
    a number is no evidence of another generation. The father's own SSN is recognisable: his
    other records carry it under his given name, the debtor's; a copied one is carried mostly
    by a person of another given name. Limits in sql/match/borrowed_ssn.sql.
    """
    if pairs.is_empty() or not _guard_enabled(s, SSN_CONFLICT):
        return pairs
    return _make_debtor(
        pairs, _released(con, pairs, "borrowed_ssn", SSN_CONFLICT, threshold=s.threshold)
    )


#: The guards that read the record's given name as another person's (see
#: release_named_by_linked_records).
GIVEN_NAME_GUARDS = (
    "ssn_shared_other_given_name",
    "spouse_pattern",
    "other_given_name_same_address",
    "ssn_conflict_other_given_name",
    "shared_contact_only",
)


def release_named_by_linked_records(
    con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, s: MatchSettings
) -> pl.DataFrame:
    """Link pairs a given-name guard held whose given name, surname and SSN are those of a
    record already linked to the account as the debtor.

    Why: the given-name guards read the record's given name against the account row's. When
    the account's given name is the odd one (a placeholder such as FEMALE keyed by the
    creditor, or a nickname the table does not fold), the debtor's own records all carry
    "another" given name; those with an agreeing middle initial or DOB link anyway, and the
    rest were held as a relative's, the linked ones even counting as the "second person"
    (pseudopeople seed 11: 6 true links held, no wrong one among the pairs this releases). A
    record with the full name and the full SSN of a debtor link is that link's person. A
    spouse credited with the debtor's SSN has no debtor link under her own name, so she stays
    held. Limits in sql/match/named_by_linked.sql. Returns the released (account_id, rec_id).
    """
    enabled = [g for g in GIVEN_NAME_GUARDS if _guard_enabled(s, g)]
    if pairs.is_empty() or not enabled:
        return pairs.select("account_id", "rec_id").clear()
    con.register(
        "_stored_pairs",
        pairs.select("account_id", "rec_id", "role", "guard", "match_probability", *NAMES),
    )
    try:
        return sql.query(
            con,
            "match/named_by_linked.sql",
            guards=enabled,
            generation_guards=list(GENERATION_EVIDENCE),
            ambiguous=GENERATION_AMBIGUOUS,
            threshold=s.threshold,
        )
    finally:
        con.unregister("_stored_pairs")


# --------------------------------------------------------------------------- writing


def _settings_json(s: MatchSettings) -> str:
    return json.dumps(dataclasses.asdict(s), sort_keys=True, default=list)


#: Stored pairs appended to match_pairs per INSERT. DuckDB renders the levels/weights JSON of a
#: registered frame and polars hands it over as Arrow (string columns copied), so one INSERT of
#: every stored pair (3.15M at 1M accounts) held a second copy of the frame plus the rendered
#: rows at once: the match stage's peak. Chunks bound both at ~0.2 GB whatever the portfolio
#: size; rows are appended in the frame's order, so the table holds exactly the same rows.
WRITE_CHUNK_ROWS = 250_000

#: The stored-pair columns write_pairs.sql reads (conflict, echoed etc. stay in Python).
_WRITTEN_COLUMNS = (
    "account_id",
    "rec_id",
    "source",
    "match_weight",
    "match_probability",
    "role",
    "guard",
    *NAMES,
    *(f"w_{n}" for n in NAMES),
)


def _write_pairs(con: duckdb.DuckDBPyConnection, run_id: str, stored: pl.DataFrame) -> None:
    """Append the stored pairs to match_pairs in chunks of WRITE_CHUNK_ROWS (see there).

    In (account, record) order, each chunk inserted in that order: the table ends up clustered
    by account (explain and the review workbench read one account, and row-group min/max skip
    the rest) and in the same order whatever the chunk size. Only the sort's row order is
    computed for the whole frame (4 bytes a row); each chunk's rows are gathered from it when
    the chunk is written, so no sorted copy of the stored pairs (~0.6 GB at 1M accounts) is
    alive beside the frame."""
    order = stored.select(pl.arg_sort_by("account_id", "rec_id").alias("i")).to_series()
    columns = stored.select(_WRITTEN_COLUMNS)
    for start in range(0, stored.height, WRITE_CHUNK_ROWS):
        con.register("_scored", columns[order.slice(start, WRITE_CHUNK_ROWS)])
        try:
            sql.run(con, "match/write_pairs.sql", run_id=run_id)
        finally:
            con.unregister("_scored")


def _write(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    s: MatchSettings,
    params: fellegi_sunter.FSParams,
    scored: Scored,
    *,
    candidates: int,
    report: list[dict[str, Any]],
    n_left: int,
    n_right: int,
    sampled: int,
    em_result: fellegi_sunter.EMResult | None,
    trained_on: str,
    estimation: dict[str, Any],
    also: Callable[[], None] | None = None,
) -> None:
    """Replace this run_id's rows in every matcher table, in one transaction.

    `also` runs inside the same transaction (reviewers' decisions and match_increments). The
    incremental cache is written after this commits (incremental.write_cache), so it can never
    describe a state whose pairs were not written.
    """
    stored = scored.pairs
    conflicts = stored.filter(pl.col("conflict").is_not_null()).select(
        "rec_id",
        "account_id",
        "match_weight",
        "match_probability",
        "echoed",
        pl.col("conflict").alias("outcome"),
    )
    expected = float(em_result.expected_matches) if em_result else scored.probability_sum
    with sql.transaction(con):
        for table in ("match_params", "match_model", "match_run", "match_pairs", "match_conflicts"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
        con.executemany(
            "INSERT INTO match_params VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, *row) for row in fellegi_sunter.params_rows(params)],
        )
        con.execute(
            "INSERT INTO match_model VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                params.prior,
                s.threshold,
                matcher_version(),
                em_result.iterations if em_result else 0,
                candidates,
                trained_on,
                json.dumps(report),
            ],
        )
        con.execute(
            "INSERT INTO match_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                run_id,
                expected / candidates if candidates else None,
                params.prior_weight,
                n_left,
                n_right,
                sampled,
                expected,
                em_result.converged if em_result else None,
                _settings_json(s),
                json.dumps(estimation),
            ],
        )
        _write_pairs(con, run_id, stored)
        if conflicts.height:
            con.register("_conflicts", conflicts)
            try:
                con.execute(
                    "INSERT INTO match_conflicts SELECT ?, rec_id, account_id, match_weight, "
                    "match_probability, echoed, outcome FROM _conflicts",
                    [run_id],
                )
            finally:
                con.unregister("_conflicts")
        if also is not None:
            also()


#: DuckDB's memory limit while the candidates are scored and the match tables and the cache are
#: written (at most: a lower limit the connection already has is kept). Why: those steps need
#: little of DuckDB's memory (a 2M-row sort, 250k-row inserts, a 4M-pair join) while Python
#: holds the scored frames, and a 1M run went over 8 GB there with DuckDB keeping up to the
#: whole run's limit (5GB) of buffers; resolve, the next stage, needs that whole limit (at 4GB
#: its evidence step runs out of memory), so the limit is lowered for these steps only and
#: restored after them.
SCORE_AND_WRITE_MEMORY_LIMIT = "3GB"

_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


def _limit_bytes(text: str) -> tuple[float, float, str]:
    """(bytes, number, unit) of a memory_limit as DuckDB prints or accepts it ('4.6 GiB')."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", text)
    if m is None or m.group(2).lower() not in _UNITS:
        raise ValueError(f"unreadable DuckDB memory_limit {text!r}")
    number = float(m.group(1))
    return number * _UNITS[m.group(2).lower()], number, m.group(2)


@contextmanager
def _duckdb_memory_at_most(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Lower DuckDB's memory_limit to `limit` inside the block (evicting buffers above it), and
    put the connection's own limit back afterwards.

    DuckDB prints the limit cut to one decimal ('5GB' reads '4.6 GiB'), so it is put back as
    that figure plus half a step (4.65 GiB, which prints '4.6 GiB' again): at most 0.05 of the
    unit below the original, and the same value however many runs use the connection."""
    before = str(first_row(con.execute("SELECT current_setting('memory_limit')").fetchall())[0])
    current, number, unit = _limit_bytes(before)
    if current <= _limit_bytes(limit)[0]:
        yield
        return
    con.execute("SET memory_limit = ?", [limit])
    try:
        yield
    finally:
        con.execute("SET memory_limit = ?", [f"{number + 0.05:.2f} {unit}"])


#: Blocking's per-key tables (~100M keys at 1M accounts): nothing after the candidate pairs
#: and the blocking report reads them (the cache keeps only _blk_oversized), so they are dropped
#: there instead of at the end, and estimation, scoring and writing run without them in
#: DuckDB's memory.
_BLOCKING_TABLES = ("_blk_l", "_blk_r", "_blk_sizes")


def _drop_tables(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> None:
    """Drop temp tables as soon as nothing reads them: DuckDB then reuses their memory for the
    next phase instead of growing (the match stage's peak is the sum of what is alive).
    `_match_pairs_in` (compare.py's input copy, one row per candidate) goes once the candidates
    are compared."""
    for t in tables:
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for t in (
        "_ml",
        "_mr",
        "_tf_first_name",
        "_tf_last_name",
        "_blk_l",
        "_blk_r",
        "_blk_sizes",
        "_blk_oversized",
        "_match_candidates",
        "_match_pairs_in",
        "_match_cmp",
        "_second_person",
        "_common_name",
        "_crowded_dwelling",
        "_ssn_placeholder",
        "_contact_placeholder",
        "_acct_identity",
        _SCORED,  # left behind only by a scoring step that raised
        *incremental.TEMP_TABLES,
    ):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _placeholder_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A run warning per SSN read as a placeholder (sql/match/shared_ssn.sql): how many
    accounts and records carried it, and the first account ids, so the system that keys it can
    be found and fixed. Never the SSN or its last four."""
    found = sql.rows(
        con, "SELECT accounts, records, examples FROM _ssn_placeholder ORDER BY accounts DESC"
    )
    return [
        f"an SSN carried by {r['accounts']:,} accounts under names that disagree (and by "
        f"{r['records']:,} source records) is read as a placeholder, not a person's number: "
        f"the matcher treats it as missing on all of them (accounts {', '.join(r['examples'])}"
        f"{', ...' if r['accounts'] > len(r['examples']) else ''}); have the system that "
        "keys it send the SSN blank"
        for r in found
    ]


def _contact_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A run warning per phone number or email read as a placeholder
    (sql/match/shared_contacts.sql): the value, how many accounts, debtors and records carried
    it and the first account ids, so the system that keys it can be found and fixed. A phone is
    shown (a filler or a switchboard; log lines mask it to its last four anyway), an email only
    as its first letter and domain, in case the rule ever reads a real person's."""
    found = sql.rows(
        con,
        "SELECT kind, value, accounts, debtors, records, examples FROM _contact_placeholder "
        "ORDER BY kind DESC, debtors DESC, value",
    )
    return [
        f"{_contact_shown(r['kind'], r['value'])} on {r['accounts']:,} accounts of "
        f"{r['debtors']:,} different debtors (and on {r['records']:,} source records) is read "
        "as a placeholder, not a contact of theirs: the matcher treats it as missing on all of "
        f"them (accounts {', '.join(r['examples'])}"
        f"{', ...' if r['accounts'] > len(r['examples']) else ''}); have the system that keys "
        "it send the field blank (MatchSettings.contact_placeholder_debtors)"
        for r in found
    ]


def _contact_shown(kind: str, value: str) -> str:
    """How a placeholder contact is named in the run warning (see `_contact_warnings`)."""
    if kind == "email":
        return f"the email {mask_email(value)}"
    nanp = value[2:] if value.startswith("+1") and len(value) == 12 else None
    return f"the phone number {f'{nanp[:3]}-{nanp[3:6]}-{nanp[6:]}' if nanp else value}"


# --------------------------------------------------------------------------- entry point


def link(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    settings: MatchSettings | None = None,
    incremental_run: bool = False,
    reason: str | None = None,
    comparator: Comparator | None = None,
) -> LinkResult:
    """Match acct_std x rec_std and write this run's match_params, match_model and match_pairs.

    Re-running a run_id replaces its matcher rows. With `reuse_params_from`, m/u and the prior
    come from that run (no sampling, no EM) and only the term frequencies are recomputed from the
    current data — identical inputs then give identical probabilities.

    `incremental_run`: take the unchanged pairs' candidacy and comparison levels from the cache
    (matchers/incremental.py) when it is usable, and compare only the rest; the pairs written are
    the same as without it. Which runs may be incremental is `incremental.plan_run`'s decision
    (skiptrace.flows.orchestration.stages.match); `reason` is recorded with the run. `comparator` computes comparison
    levels (default in-process; skiptrace.flows.orchestration.partitioned spreads them over Dask workers).
    """
    s = settings or MatchSettings()
    s.validate()
    t0 = time.perf_counter()
    comparator = comparator or compare.compare_pairs
    # reviewers' decisions queued since the last run
    imported_decisions = review_decisions.import_queued(con, run_id)
    version = matcher_version()
    n_left, n_right = compare.prepare_sides(
        con,
        ssn_placeholder_accounts=s.ssn_placeholder_accounts,
        contact_placeholder_debtors=s.contact_placeholder_debtors,
    )
    warnings = _placeholder_warnings(con) + _contact_warnings(con)
    incremental.fingerprint_sides(con)
    usable, why, base = (
        incremental.cache_status(
            con, block_cap=s.block_cap, name_block_cap=s.name_block_cap, version=version
        )
        if incremental_run
        else (False, "", None)
    )
    if usable:
        build_blocks(con, block_cap=s.block_cap, name_block_cap=s.name_block_cap)
        inc = incremental.incremental_candidates(
            con, base_run_id=base, reason=reason or "incremental"
        )
        blocking = blocking_report(con)
        _drop_tables(con, _BLOCKING_TABLES)

        def compare_candidates() -> None:
            comparator(con, "SELECT account_id, rec_id FROM _inc_compare")
            _drop_tables(con, ("_match_pairs_in",))
            incremental.assemble_cmp(con)

    else:
        blocking = block(con, block_cap=s.block_cap, name_block_cap=s.name_block_cap)
        _drop_tables(con, _BLOCKING_TABLES)
        incremental.empty_increment(con)
        inc = incremental.Increment(
            mode="full",
            reason=why or reason or "full run",
            pairs_compared=blocking.candidate_pairs,
        )

        def compare_candidates() -> None:
            comparator(con, "SELECT account_id, rec_id FROM _match_candidates")
            _drop_tables(con, ("_match_pairs_in",))

    em_result: fellegi_sunter.EMResult | None = None
    sampled = 0
    estimation: dict[str, Any] = {}
    if s.reuse_params_from:
        params = fellegi_sunter.load_params(con, s.reuse_params_from)
        trained_on = f"reused:{s.reuse_params_from}"
        estimation = {"reused_from": s.reuse_params_from}
        compare_candidates()
    elif n_left == 0 or n_right == 0:
        m0 = [[np.nan] + [lv.m0 for lv in c.levels] for c in COMPARISONS]
        u0 = [[np.nan] + [lv.u0 for lv in c.levels] for c in COMPARISONS]
        params = fellegi_sunter.FSParams.from_lists(m0, u0, 1e-6)
        trained_on = "defaults"
        compare_candidates()
    else:
        params, em_result, sampled, estimation = _estimate(
            con, n_left, n_right, s, comparator, compare_candidates
        )
        trained_on = "em" if em_result is not None else "defaults"
    with _duckdb_memory_at_most(con, SCORE_AND_WRITE_MEMORY_LIMIT):
        scored = _score_candidates(con, params, s)
        # two people among an account's links first (a copied SSN is not a second person, so
        # before the borrowed-SSN release); a borrowed SSN before corroboration: a pair it
        # releases is no sign of another generation any more
        # the given-name release reads the links as scored (and as released from a borrowed
        # SSN), not the corroboration's: one step each, neither building on the other
        held = release_borrowed_ssn(con, hold_split_identities(con, scored.pairs, s), s)
        named = release_named_by_linked_records(con, held, s)
        corroborated = corroborate_by_linked_records(con, held, s, params)
        taken = corroborated.filter(pl.col("role") == "debtor").select("rec_id")
        scored.pairs = _make_debtor(corroborated, named.join(taken, on="rec_id", how="anti"))

        reviewed: dict[str, int] = {}

        def with_the_pairs() -> None:
            # reviewers' decisions override the model's roles (approve -> debtor, reject -> never)
            reviewed.update(review_decisions.apply_decisions(con, run_id))
            if imported_decisions:  # ... and say which of those just imported did nothing
                warnings.extend(review_decisions.unapplied_warnings(con, run_id))
            incremental.record_increment(
                con,
                run_id,
                inc,
                params_from=s.reuse_params_from,
                partitions=int(getattr(comparator, "partitions", 1)),
                seconds=time.perf_counter() - t0,
            )

        _write(
            con,
            run_id,
            s,
            params,
            scored,
            candidates=blocking.candidate_pairs,
            report=blocking.report,
            n_left=n_left,
            n_right=n_right,
            sampled=sampled,
            em_result=em_result,
            trained_on=trained_on,
            estimation=estimation,
            also=with_the_pairs,
        )
        stored = scored.pairs
        roles = stored["role"].value_counts()
        count = {r: int(n) for r, n in roles.iter_rows() if r is not None}
        review_pairs = int(
            stored.filter((pl.col("role") == "rejected") & pl.col("conflict").is_null()).height
        )
        ties = int(stored.filter(pl.col("conflict") == "tie")["rec_id"].n_unique())
        del stored, roles
        scored.pairs = scored.pairs.clear()  # the cache write below runs without the stored pairs
        incremental.write_cache(
            con,
            run_id,
            full=not usable,
            block_cap=s.block_cap,
            name_block_cap=s.name_block_cap,
            version=version,
        )
    _drop_temp(con)
    if any(reviewed.values()):  # decisions moved pairs between roles: count what was written
        count = {
            r: int(n)
            for r, n in con.execute(
                "SELECT role, count(*) FROM match_pairs WHERE run_id = ? GROUP BY role", [run_id]
            ).fetchall()
        }
    return LinkResult(
        run_id=run_id,
        candidate_pairs=blocking.candidate_pairs,
        linked_pairs=count.get("debtor", 0),
        associates=count.get("associate", 0),
        blocking_report=blocking.report,
        seconds=time.perf_counter() - t0,
        review_pairs=review_pairs,
        ties=ties,
        em_iterations=em_result.iterations if em_result else 0,
        trained_on=trained_on,
        mode=inc.mode,
        increment=inc.as_dict(),
        reviewed=reviewed,
        warnings=warnings,
    )
