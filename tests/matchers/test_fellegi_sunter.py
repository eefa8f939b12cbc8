"""Fellegi-Sunter estimation on synthetic pattern tables with known parameters."""

from __future__ import annotations

import numpy as np
import pytest

from skiptrace.matchers import fellegi_sunter as fs

# three comparisons, levels 1..n (index 0 = level 0 'no data', unused)
TRUE_M = [[np.nan, 0.05, 0.15, 0.80], [np.nan, 0.10, 0.90], [np.nan, 0.02, 0.08, 0.20, 0.70]]
TRUE_U = [[np.nan, 0.90, 0.08, 0.02], [np.nan, 0.95, 0.05], [np.nan, 0.85, 0.10, 0.04, 0.01]]


def _levels(n: int, prior: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n pairs' level vectors (not aggregated) and their true match flags."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < prior
    cols = []
    for m, u in zip(TRUE_M, TRUE_U, strict=True):
        pm, pu = np.array(m[1:]), np.array(u[1:])
        lv_m = rng.choice(np.arange(1, len(m)), size=n, p=pm / pm.sum())
        lv_u = rng.choice(np.arange(1, len(u)), size=n, p=pu / pu.sum())
        cols.append(np.where(match, lv_m, lv_u))
    return np.column_stack(cols), match


def _sample(n: int, prior: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw n pairs from the two-class mixture; return (patterns, counts, is_match)."""
    levels, match = _levels(n, prior, seed)
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    return patterns, counts.astype(float), match


def _start() -> fs.FSParams:
    # a deliberately wrong but ordered start: more agreement = more likely a match
    m0 = [[np.nan, *np.linspace(0.1, 1.0, len(m) - 1)] for m in TRUE_M]
    return fs.FSParams.from_lists(m0, TRUE_U, 0.5)


def test_em_recovers_known_m_and_prior_from_pattern_table() -> None:
    patterns, counts, match = _sample(200_000, prior=0.2, seed=7)
    start = _start()
    result = fs.em(
        patterns,
        counts,
        u_observed=start.u,
        m_start=start.m,
        total_pairs=counts.sum(),
        prior_start=0.05,
        max_iter=500,
        tol=1e-9,
        m_strength=0.0,
        correct_u=False,
    )
    assert result.converged
    assert len(patterns) <= 3 * 2 * 4  # EM ran on at most 24 rows, not 200k pairs
    assert result.params.prior == pytest.approx(match.mean(), abs=0.01)
    for k, m in enumerate(TRUE_M):
        for level in range(1, len(m)):
            assert result.params.m[k, level] == pytest.approx(m[level], abs=0.02)


def test_em_removes_matches_from_u_measured_on_random_pairs() -> None:
    """u measured on random pairs includes the matches; em corrects it with its own m/prior."""
    prior = 0.1
    patterns, counts, _ = _sample(200_000, prior=prior, seed=11)
    observed = [
        [np.nan] + [prior * m[i] + (1 - prior) * u[i] for i in range(1, len(m))]
        for m, u in zip(TRUE_M, TRUE_U, strict=True)
    ]
    start = _start()
    obs = fs.FSParams.from_lists(TRUE_M, observed, prior).u
    result = fs.em(
        patterns,
        counts,
        u_observed=obs,
        m_start=start.m,
        total_pairs=counts.sum(),
        prior_start=0.05,
        max_iter=500,
        tol=1e-9,
        m_strength=0.0,
        correct_u=True,
    )
    for k, u in enumerate(TRUE_U):
        for level in range(1, len(u)):
            assert result.params.u[k, level] == pytest.approx(u[level], abs=0.01)
    assert result.params.prior == pytest.approx(prior, abs=0.01)


def test_prior_is_defined_on_the_full_cross_product() -> None:
    """Blocking keeps pairs by their levels; EM on the candidates alone, with the prior defined
    over all pairs, recovers P(two random records match) and the matches among candidates."""
    levels, match = _levels(400_000, prior=0.01, seed=3)
    blocked = (levels[:, 0] == 3) | (levels[:, 1] == 2)  # "block on" comparisons 0 and 1
    patterns, counts = np.unique(levels[blocked], axis=0, return_counts=True)
    start = _start()
    result = fs.em(
        patterns,
        counts.astype(float),
        u_observed=start.u,
        m_start=start.m,
        total_pairs=float(len(levels)),
        prior_start=0.001,
        max_iter=500,
        m_strength=0.0,
        correct_u=False,
    )
    assert blocked.sum() < 0.1 * len(levels)
    assert result.expected_matches / len(levels) == pytest.approx(result.params.prior, rel=1e-3)
    assert result.expected_matches == pytest.approx((match & blocked).sum(), rel=0.05)
    assert result.params.prior == pytest.approx(match.mean(), rel=0.1)


def test_unseen_level_keeps_finite_weight_with_pseudo_count() -> None:
    patterns = np.array([[3, 2, 4], [1, 1, 1]])
    counts = np.array([100.0, 10_000.0])
    start = _start()
    result = fs.em(
        patterns,
        counts,
        u_observed=start.u,
        m_start=start.m,
        total_pairs=counts.sum(),
        prior_start=0.01,
        m_strength=10.0,
    )
    w = result.params.weights()
    assert np.isfinite(w).all()
    assert (result.params.m[:, 1:][~np.isnan(result.params.m[:, 1:])] > 0).all()


def test_probability_is_stable_and_tf_adjustment_favours_rare_values() -> None:
    p = fs.probability([-2000.0, -1.0, 0.0, 1.0, 2000.0])
    assert p[0] == 0.0 and p[-1] == 1.0
    assert p[2] == pytest.approx(0.5)
    assert p[3] == pytest.approx(2 / 3)
    adj = fs.tf_adjustment(0.01, [0.001, 0.01, 0.1, np.nan])
    assert adj[0] == pytest.approx(np.log2(10)) and adj[1] == pytest.approx(0.0)
    assert adj[2] == pytest.approx(-np.log2(10)) and adj[3] == 0.0


def test_score_partial_weights_add_up() -> None:
    params = fs.FSParams.from_lists(TRUE_M, TRUE_U, 0.01)
    levels = np.array([[3, 2, 4], [0, 1, 2], [1, 0, 0]])
    partial, total, prob = fs.score(levels, params, [(0, 3, [0.001, np.nan, np.nan])])
    assert partial[1, 0] == 0.0  # level 0: no evidence
    assert total == pytest.approx(partial.sum(axis=1) + params.prior_weight)
    assert prob == pytest.approx(fs.probability(total))
    expected_tf = np.log2(TRUE_U[0][3] / 0.001)
    assert partial[0, 0] == pytest.approx(np.log2(TRUE_M[0][3] / TRUE_U[0][3]) + expected_tf)


def test_column_weights_are_the_scores_bit_for_bit() -> None:
    """Scoring reads the levels as a frame's Int32 columns (link._score_frame): the weights,
    totals and probabilities are `score`'s on the same levels, the same bits."""
    params = fs.FSParams.from_lists(TRUE_M, TRUE_U, 0.01)
    levels, _ = _levels(20_000, 0.1, seed=11)
    rng = np.random.default_rng(11)
    levels[rng.random(len(levels)) < 0.1, 1] = 0  # some pairs without data
    freq = np.where(rng.random(len(levels)) < 0.3, np.nan, rng.random(len(levels)) / 50)
    tf = [(2, 4, freq)]
    want = fs.score(levels, params, tf)
    got = fs.column_weights([levels[:, k].astype(np.int32) for k in range(3)], params, tf)
    for w, g in zip(want, got, strict=True):
        assert g.shape == w.shape and g.tobytes() == w.tobytes()
    assert got[0].flags.f_contiguous  # each comparison's weights one column of memory


def test_anchor_pairs_keep_namesakes_from_inflating_m() -> None:
    """A cluster of namesakes (name and ZIP agree, DOB and SSN differ) pulls unsupervised EM's
    match class towards 'an SSN mismatch is a typo'; m measured on anchor pairs does not drift."""
    rng = np.random.default_rng(5)
    comps = ("name", "zip", "dob", "ssn")
    m = {"name": 0.9, "zip": 0.8, "dob": 0.9, "ssn": 0.9}
    u = {"name": 0.01, "zip": 0.01, "dob": 0.001, "ssn": 0.00001}
    n_match, n_non, n_namesake = 3_000, 200_000, 1_500
    match = np.column_stack([1 + (rng.random(n_match) < m[c]) for c in comps])
    non = np.column_stack([1 + (rng.random(n_non) < u[c]) for c in comps])
    namesakes = np.tile([2, 2, 1, 1], (n_namesake, 1))
    patterns, counts = np.unique(np.vstack([match, non, namesakes]), axis=0, return_counts=True)
    counts = counts.astype(float)
    m_start = fs.FSParams.from_lists([[np.nan, 0.2, 0.8]] * 4, [[np.nan, 0.5, 0.5]] * 4, 0.5).m
    u_true = fs.FSParams.from_lists(
        [[np.nan, 0.5, 0.5]] * 4, [[np.nan, 1 - u[c], u[c]] for c in comps], 0.5
    ).u
    by_ssn = patterns[:, 3] == 2
    by_identity = (patterns[:, 0] == 2) & (patterns[:, 2] == 2)
    anchors = [by_ssn, by_ssn, by_ssn, by_identity]
    anchored_m, fixed, used = fs.anchor_m(patterns, counts, anchors, m_start)
    assert fixed.all() and min(used) > 2_000
    kwargs = {"u_observed": u_true, "total_pairs": counts.sum(), "prior_start": 0.01,
              "m_strength": 0.0, "correct_u": False, "max_iter": 300}  # fmt: skip
    free = fs.em(patterns, counts, m_start=m_start, **kwargs)
    anchored = fs.em(patterns, counts, m_start=anchored_m, m_fixed=fixed, **kwargs)
    ssn_different = 1
    assert anchored.params.m[3, ssn_different] == pytest.approx(0.1, abs=0.02)
    assert free.params.m[3, ssn_different] > anchored.params.m[3, ssn_different] + 0.05
    assert free.expected_matches > anchored.expected_matches > n_match  # namesakes leak in


def test_u_from_every_pair_recovers_u_without_subtracting_the_matches() -> None:
    """u estimated at each EM iteration from the candidates (weighted by their posterior of
    being a non-match) plus a sample of the pairs blocking left out, scaled to their number,
    recovers u and m; nothing is decontaminated."""
    rng = np.random.default_rng(13)
    levels, match = _levels(400_000, prior=0.01, seed=17)
    blocked = (levels[:, 0] == 3) | (levels[:, 1] == 2)
    patterns, counts = np.unique(levels[blocked], axis=0, return_counts=True)
    outside = levels[~blocked]
    sample = outside[rng.random(len(outside)) < 0.1]
    sampled_counts = [
        np.bincount(sample[:, k], minlength=len(m)).astype(float).tolist()
        for k, m in enumerate(TRUE_M)
    ]
    shapes = fs.estimate_u(sampled_counts, [[0.0, *u[1:]] for u in TRUE_U])
    u_outside = fs.outside_level_counts(
        shapes, sampled_counts, pairs=float(len(outside)), sampled=len(sample)
    )
    start = _start()
    result = fs.em(
        patterns,
        counts.astype(float),
        u_observed=start.u,
        m_start=start.m,
        total_pairs=float(len(levels)),
        prior_start=0.001,
        max_iter=500,
        m_strength=0.0,
        u_outside=u_outside,
    )
    non = levels[~match]
    for k, u in enumerate(TRUE_U):
        observed = np.bincount(non[:, k], minlength=len(u)) / len(non)
        for level in range(1, len(u)):
            assert result.params.u[k, level] == pytest.approx(observed[level], abs=0.005)
    found = levels[match & blocked]  # m describes the matches blocking proposed
    for k, m in enumerate(TRUE_M):
        observed = np.bincount(found[:, k], minlength=len(m)) / len(found)
        for level in range(1, len(m)):
            assert result.params.m[k, level] == pytest.approx(observed[level], abs=0.03)
    assert result.expected_matches == pytest.approx((match & blocked).sum(), rel=0.05)


def test_u_of_an_agreement_only_matches_have_stays_at_the_floor() -> None:
    """One-to-one data: every pair that agrees on an identifier is a match (a candidate with
    posterior 1), and no sampled outside pair agrees. u of that level is the floor, not the
    difference of a sampled count and an estimate of the matches' share of it."""
    pat = np.array([[2], [1]])
    cnt = np.array([1_000.0, 50.0])
    post = np.array([1.0, 0.0])
    outside = np.array([[np.nan, 1_000_000.0, 0.0]])
    valid = np.array([[False, True, True]])
    u = fs.u_from_candidates(pat, cnt, post, outside, valid, floor=1e-9)
    assert u[0, 2] == pytest.approx(1e-9, rel=0.01)
    assert u[0, 1] == pytest.approx(1.0, abs=1e-6)
    # candidates that are non-matches count in full
    u = fs.u_from_candidates(pat, cnt, np.array([0.5, 0.0]), outside, valid, floor=1e-9)
    assert u[0, 2] == pytest.approx(500 / 1_000_550, rel=1e-6)
