"""Fellegi-Sunter parameter estimation and scoring on comparison-level arrays (numpy only).

Model. Every pair (account, record) has a level per comparison. Under conditional independence
the Bayes factor of a pattern is the product over comparisons of m(level)/u(level), where
m = P(level | match) and u = P(level | non-match); level 0 (no data) contributes 1. The prior
is `prior` = P(two random records match), i.e. defined on the full cross product of accounts x
records, as Splink's `probability_two_random_records_match`. Because the comparisons include
every field a blocking pass keys on, the posterior of a pair given its full comparison vector does
not depend on which blocking pass proposed it, so one prior serves every candidate.

Estimation (why this shape):
- u is measured, not fitted: the level frequencies among uniformly random pairs, which are almost
  all non-matches. "Almost" matters for identifiers: with n one-to-one matches among n x n pairs,
  a random pair agrees on the SSN hash with probability ~ m/n even if no two people share an SSN,
  which would cap the SSN weight at ~log2(n). `em` therefore removes the matches' share from the
  observed u (u = (u_obs - prior * m) / (1 - prior)) using its current m and prior.
- m and the prior are fitted by EM over the *pattern table* (distinct level vectors and their
  counts), not over pairs: a few thousand rows whatever the number of candidates, so EM is fast.
  Pairs outside the candidate set are taken as non-matches (posterior ~0), which makes the
  M-step for the prior sum(count * posterior) / (n_left * n_right).
- A small Dirichlet pseudo-count centred on the starting m (strength `m_strength` pairs) keeps a
  level never seen among matches at a finite weight and lets tiny inputs fall back to the
  documented starting values instead of to 0/1 extremes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LOG2 = float(np.log(2.0))


def _pad(rows: Sequence[Sequence[float] | FloatArray], fill: float) -> FloatArray:
    """Stack per-comparison level vectors (index 0 = level 0) into a K x Lmax array."""
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), fill, dtype=np.float64)
    for k, r in enumerate(rows):
        out[k, : len(r)] = r
    return out


@dataclass
class FSParams:
    """m and u per comparison and level (K x Lmax; column 0 = level 0, unused), plus the prior."""

    m: FloatArray
    u: FloatArray
    n_levels: IntArray  # levels per comparison including level 0
    prior: float

    @classmethod
    def from_lists(
        cls, m: Sequence[Sequence[float]], u: Sequence[Sequence[float]], prior: float
    ) -> FSParams:
        """Build from ragged per-comparison lists whose index 0 is level 0 (value ignored)."""
        if [len(a) for a in m] != [len(a) for a in u]:
            raise ValueError("m and u must have the same levels per comparison")
        return cls(
            m=_pad(m, np.nan),
            u=_pad(u, np.nan),
            n_levels=np.array([len(a) for a in m], dtype=np.int64),
            prior=float(prior),
        )

    def weights(self) -> FloatArray:
        """log2(m/u) per comparison and level; level 0 and padding are 0 (no evidence)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.log2(self.m / self.u)
        w[:, 0] = 0.0
        w[~np.isfinite(w)] = 0.0
        return w

    @property
    def prior_weight(self) -> float:
        """log2 prior odds: the starting point every pair's weight is added to."""
        return float(np.log2(self.prior / (1.0 - self.prior)))


@dataclass
class EMResult:
    """Outcome of `em`: fitted parameters and how the fit went."""

    params: FSParams
    iterations: int
    converged: bool
    expected_matches: float  # sum over candidates of count * posterior
    history: list[float]  # prior after each iteration (for diagnostics)


def probability(weight: npt.ArrayLike) -> FloatArray:
    """Posterior probability from a log2 odds weight; numerically stable for large |weight|."""
    w = np.asarray(weight, dtype=np.float64)
    # 0.5 * (1.0 + tanh(w * LOG2 / 2.0)), each step in one buffer (the same bits): at 1.2M
    # candidates the four temporaries were fresh memory, faulted in page by page
    p = np.multiply(w, LOG2)
    p /= 2.0
    np.tanh(p, out=p)
    p += 1.0
    p *= 0.5
    return p


def pattern_weights(patterns: npt.ArrayLike, weights: FloatArray) -> FloatArray:
    """Partial weights per row and comparison: weights[k, patterns[:, k]] (N x K)."""
    pat = np.asarray(patterns, dtype=np.int64)
    k = np.arange(weights.shape[0])
    return weights[k[None, :], pat]


def column_weights(
    levels: Sequence[npt.ArrayLike],
    params: FSParams,
    tf: Sequence[tuple[int, int, npt.ArrayLike]] = (),
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Partial weights (N x K, column-major), total weights and probabilities for levels given
    one array per comparison (any integer type); `score` is this over a matrix's columns.

    Why columns: scoring's levels are a frame's Int32 columns. As one N x K int64 matrix they
    were two copies of the levels (44 + 88 MB at 1.2M candidates) on fresh memory; here each
    column's weights are looked up straight into its column of the result."""
    weights = params.weights()
    cols = [np.asarray(c) for c in levels]
    partial = np.empty((len(cols[0]) if cols else 0, len(cols)), dtype=np.float64, order="F")
    for k, col in enumerate(cols):
        np.take(weights[k], col, out=partial[:, k])
    for k, level, freq in tf:
        f = np.where(cols[k] == level, np.asarray(freq, dtype=np.float64), np.nan)
        partial[:, k] += tf_adjustment(float(params.u[k, level]), f)
    total = partial.sum(axis=1)
    total += params.prior_weight
    return partial, total, probability(total)


def estimate_u(
    level_counts: Sequence[Sequence[float]],
    u0: Sequence[Sequence[float]],
    strength: float = 100.0,
) -> list[FloatArray]:
    """u per comparison from level counts over random pairs (index 0 = level 0, ignored).

    u_l = (count_l + strength * u0_l) / (N + strength), N = non-null pairs: with 10^5..10^6
    sampled pairs the prior is negligible; on a 20-row test it keeps u sane.
    """
    out = []
    for counts, base in zip(level_counts, u0, strict=True):
        c = np.asarray(counts, dtype=np.float64).copy()
        b = np.asarray(base, dtype=np.float64).copy()
        c[0] = 0.0
        b[0] = 0.0
        b = b / b.sum()
        u = (c + strength * b) / (c.sum() + strength)
        u[0] = np.nan
        out.append(u)
    return out


def anchor_m(
    patterns: npt.ArrayLike,
    counts: npt.ArrayLike,
    anchors: Sequence[npt.ArrayLike],
    m_start: FloatArray,
    *,
    min_pairs: float = 30.0,
    strength: float = 2.0,
) -> tuple[FloatArray, npt.NDArray[np.bool_], list[float]]:
    """m per comparison measured on anchor pairs: patterns that are matches on other evidence.

    Why: unsupervised EM lets its "match" class drift towards whatever is over-represented among
    near-agreements — namesakes, fathers and sons — which inflates m of 'different' levels (an SSN
    or DOB mismatch starts to look like a typo). Pairs that agree exactly on an identifier the
    comparison does not use (the SSN hash, for names/DOB/address; full name + DOB, for the SSN)
    are matches whatever the household looks like, and under conditional independence their
    levels on the other comparisons follow m. anchors[k] is a boolean per pattern; a comparison
    with fewer than `min_pairs` non-null anchor pairs keeps m_start and is left to EM.
    Returns (m, fixed mask, anchor pair count per comparison).
    """
    pat = np.asarray(patterns, dtype=np.int64)
    cnt = np.asarray(counts, dtype=np.float64)
    m = m_start.copy()
    n_comp, width = m_start.shape
    valid = ~np.isnan(m_start)
    valid[:, 0] = False
    fixed = np.zeros(n_comp, bool)
    used: list[float] = []
    for k in range(n_comp):
        mask = np.asarray(anchors[k], bool) & (pat[:, k] > 0)
        c = np.bincount(pat[mask, k], weights=cnt[mask], minlength=width)[:width]
        c[0] = 0.0
        used.append(float(c.sum()))
        if c.sum() < min_pairs:
            continue
        base = np.where(valid[k], m_start[k], 0.0)
        base = base / base.sum()
        m[k] = np.where(valid[k], (c + strength * base) / (c.sum() + strength), np.nan)
        fixed[k] = True
    return m, fixed, used


def decontaminate_u(u_obs: FloatArray, m: FloatArray, prior: float, floor: float) -> FloatArray:
    """Remove the matches' share from u measured on random pairs, renormalized per comparison."""
    u = (u_obs - prior * m) / (1.0 - prior)
    u = np.where(np.isnan(u_obs), np.nan, np.maximum(u, floor))
    u[:, 0] = np.nan
    return u / np.nansum(u, axis=1, keepdims=True)


def outside_level_counts(
    shapes: Sequence[FloatArray],
    sampled_counts: Sequence[Sequence[float]],
    *,
    pairs: float,
    sampled: int,
) -> FloatArray:
    """Level counts (K x Lmax) of the `pairs` pairs outside the candidate set, from the
    `sampled` of them in the random sample: each comparison's smoothed level shape (`shapes`,
    from `estimate_u`) times its non-null count in the sample, scaled to all outside pairs.
    A comparison with no data in the sample keeps its starting shape at a weight of one pair."""
    scale = pairs / max(sampled, 1)
    rows = [
        np.nan_to_num(np.asarray(shape, dtype=np.float64)) * max(float(sum(c[1:])), 1.0) * scale
        for shape, c in zip(shapes, sampled_counts, strict=True)
    ]
    return _pad(rows, np.nan)


def u_from_candidates(
    pat: IntArray,
    cnt: FloatArray,
    post: FloatArray,
    outside: FloatArray,
    valid: npt.NDArray[np.bool_],
    floor: float,
) -> FloatArray:
    """u per comparison from every pair: the candidates counted exactly, each weighted by its
    posterior of being a non-match, plus the pairs blocking did not propose (`outside`: their
    level counts, estimated from the random sample and scaled to their number).

    Why not `decontaminate_u`: there the matches' share of a rare agreement level is an EM
    estimate subtracted from a sampled count of about the same size. When nearly every random
    pair agreeing on a whole address or an SSN is a match (one record per person and side, as
    in a deduplicated file), u becomes the difference of two noisy numbers: on FEBRL4 a 1M-pair
    sample put u(address exact) at 5e-6 where no two different people share an address, and
    the links that rest on the address came out a few bits short. Here the candidates' share is
    exact and the sample only measures the pairs no blocking key joins, which are non-matches.
    """
    k_count, width = outside.shape
    u = np.where(valid, outside, 0.0).copy()
    weights = cnt * (1.0 - post)
    for k in range(k_count):
        u[k] += np.bincount(pat[:, k], weights=weights, minlength=width)[:width]
    u[:, 0] = 0.0
    u = np.where(valid, u, 0.0)
    u = u / np.maximum(u.sum(axis=1, keepdims=True), 1e-300)
    u = np.where(valid, np.maximum(u, floor), np.nan)
    return u / np.nansum(u, axis=1, keepdims=True)


def em(
    patterns: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    u_observed: FloatArray,
    m_start: FloatArray,
    total_pairs: float,
    prior_start: float,
    max_iter: int = 100,
    tol: float = 1e-7,
    m_strength: float = 1.0,
    u_floor: float = 1e-7,
    correct_u: bool = True,
    m_fixed: npt.ArrayLike | None = None,
    non_match: npt.ArrayLike | None = None,
    u_outside: FloatArray | None = None,
) -> EMResult:
    """Fit m and the prior by EM on a pattern table, u fixed (apart from decontamination).

    patterns: P x K integer levels; counts: P pair counts; u_observed / m_start: K x Lmax arrays
    (column 0 unused, NaN padding beyond a comparison's levels); total_pairs: n_left * n_right.
    m_fixed: K booleans, comparisons whose m stays at m_start (estimated elsewhere, e.g. from
    anchor pairs); non_match: P booleans, patterns known not to be matches (posterior 0).
    u_outside: K x Lmax level counts of the pairs outside the candidate set (see
    `u_from_candidates`); when given, u is re-estimated from them and the candidates' posteriors
    at every iteration instead of decontaminated from `u_observed` (which then only starts EM).
    """
    pat = np.asarray(patterns, dtype=np.int64)
    cnt = np.asarray(counts, dtype=np.float64)
    n_comp, width = m_start.shape
    fixed = np.zeros(n_comp, bool) if m_fixed is None else np.asarray(m_fixed, bool)
    known_u = np.zeros(len(cnt), bool) if non_match is None else np.asarray(non_match, bool)
    valid = ~np.isnan(m_start)
    valid[:, 0] = False
    m0 = np.where(valid, m_start, 0.0)
    m0 = m0 / m0.sum(axis=1, keepdims=True)
    m = np.where(valid, m0, np.nan)
    prior = float(prior_start)
    u = np.where(valid, u_observed, np.nan)
    if correct_u and u_outside is None:
        u = decontaminate_u(np.where(valid, u_observed, np.nan), m, prior, u_floor)
    history: list[float] = []
    converged = False
    iterations = 0
    expected = 0.0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - iterations is reported
        params = FSParams(m=m, u=u, n_levels=valid.sum(axis=1) + 1, prior=prior)
        w = pattern_weights(pat, params.weights()).sum(axis=1) + params.prior_weight
        post = np.where(known_u, 0.0, probability(w))
        wp = cnt * post
        expected = float(wp.sum())
        new_m = np.zeros_like(m0)
        for k in range(n_comp):
            if fixed[k]:
                new_m[k] = m0[k]
                continue
            s = np.bincount(pat[:, k], weights=wp, minlength=width)[:width]
            s[0] = 0.0
            new_m[k] = (s + m_strength * m0[k]) / (s.sum() + m_strength)
        new_m = np.where(valid, new_m, np.nan)
        new_prior = min(max(expected / float(total_pairs), 1e-12), 0.5)
        delta = max(float(np.nanmax(np.abs(new_m - m))), abs(new_prior - prior) / prior)
        m, prior = new_m, new_prior
        if u_outside is not None:
            new_u = u_from_candidates(pat, cnt, post, u_outside, valid, u_floor)
            delta = max(delta, float(np.nanmax(np.abs(new_u - u))))
            u = new_u
        elif correct_u:
            u = decontaminate_u(np.where(valid, u_observed, np.nan), m, prior, u_floor)
        history.append(prior)
        if delta < tol:
            converged = True
            break
    params = FSParams(m=m, u=u, n_levels=valid.sum(axis=1) + 1, prior=prior)
    return EMResult(params, iterations, converged, expected, history)


def tf_adjustment(u_level: float, freq: npt.ArrayLike, floor: float = 1e-9) -> FloatArray:
    """Term-frequency adjustment of an exact agreement: log2(u_exact / frequency of the value).

    Splink's form: the average u of the exact level is replaced by the agreed value's own
    frequency, so a common surname adds less than the average exact match, a rare one more.
    NaN frequency (not an exact agreement) gives 0.
    """
    f = np.asarray(freq, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.log2(u_level / np.maximum(f, floor))
    return np.where(np.isnan(f), 0.0, adj)


def score(
    levels: npt.ArrayLike,
    params: FSParams,
    tf: Sequence[tuple[int, int, npt.ArrayLike]] = (),
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Partial weights (N x K), total weights and probabilities for rows of levels (one row per
    pair; `column_weights` does the work, on the matrix's columns).

    tf: (comparison index, tf level, frequencies per row) for term-frequency adjusted comparisons;
    the adjustment applies where the row is at that level and has a frequency.
    """
    lv = np.asarray(levels, dtype=np.int64)
    return column_weights([lv[:, k] for k in range(lv.shape[1])], params, tf)


# --------------------------------------------------------------------------- stored form
# match_params holds one row per (comparison, level) with m, u and log2(m/u); match_model.prior
# holds the prior. Together they are the whole model: a run can be re-scored or explained from
# them (term frequencies are recomputed from the data being scored, as in Splink).


def params_rows(params: FSParams) -> list[tuple[str, int, str, float | None, float | None, float]]:
    """(comparison, level, label, m, u, weight) for every level of every comparison."""
    from skiptrace.matchers.compare import COMPARISONS

    w = params.weights()
    rows: list[tuple[str, int, str, float | None, float | None, float]] = []
    for k, comp in enumerate(COMPARISONS):
        rows.append((comp.name, 0, comp.labels[0], None, None, 0.0))
        for lv in comp.levels:
            rows.append(
                (
                    comp.name,
                    lv.level,
                    lv.label,
                    float(params.m[k, lv.level]),
                    float(params.u[k, lv.level]),
                    float(w[k, lv.level]),
                )
            )
    return rows


def load_params(con: Any, run_id: str) -> FSParams:
    """Rebuild a run's FSParams from match_params + match_model; raises LookupError if absent.

    Refuses parameters whose comparisons/levels differ from this matcher's (a reused model must
    mean the same levels, or its weights would be applied to the wrong agreements).
    """
    from skiptrace.matchers.compare import COMPARISONS, first_row

    model = first_row(
        con.execute("SELECT prior FROM match_model WHERE run_id = ? LIMIT 1", [run_id]).fetchall()
    )
    rows = con.execute(
        "SELECT comparison, level, m, u FROM match_params WHERE run_id = ? AND level > 0",
        [run_id],
    ).fetchall()
    if model is None or not rows:
        raise LookupError(f"no matcher parameters stored for run {run_id!r}")
    found = {(c, int(lv)): (m, u) for c, lv, m, u in rows}
    expected = {(c.name, lv.level) for c in COMPARISONS for lv in c.levels}
    if set(found) != expected:
        raise ValueError(
            f"run {run_id!r} was scored with different comparison levels; cannot reuse it"
        )
    m = [[np.nan] + [found[(c.name, lv.level)][0] for lv in c.levels] for c in COMPARISONS]
    u = [[np.nan] + [found[(c.name, lv.level)][1] for lv in c.levels] for c in COMPARISONS]
    return FSParams.from_lists(m, u, float(model[0]))
