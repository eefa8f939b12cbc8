"""Confidence is a monotone, calibrated probability; the fitter keeps it that way."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skiptrace.matchers.calibrate import (
    fit_constrained,
    fit_model,
    isotonic_knots,
    pav,
    reliability_table,
    rescore,
)
from skiptrace.matchers.confidence import (
    COMPETITORS_FITTED_MAX,
    FEATURE_BY_NAME,
    FEATURES,
    ConfidenceModel,
    TypeModel,
    load_model,
    model_from_json,
    noisy_or,
    score_rows,
)

BASE: dict[str, Any] = {
    "support": 0.7, "match_max": 0.9, "rel_max": 0.8, "n_sources": 1, "age_years": 1.0,
    "report_lag_years": 0.0,
    "has_support": True, "on_file": False, "valid": True, "vendor_rank1": False,
    "superseded": False, "succeeded": False, "newer_gap_years": 0.0, "moved_from": False,
    "ncoa_no_forward": False,
    "ncoa_forward": False, "shared_third_party": False, "competitors": 1, "rivals": 1,
    "line_type": "mobile",
    "prepaid": False, "latest_sources": 1, "n_records": 2, "latest_contested": False,
    "recent_share": 0.5, "behind_years": 1.0, "rival_close": False, "recent_points": 1,
    "vendor_only": False,
}  # fmt: skip

#: (raw factor, values in the direction that must never lower confidence)
IMPROVING: list[tuple[str, list[Any]]] = [
    ("support", [0.1, 0.3, 0.6, 0.9, 0.99]),
    ("match_max", [0.5, 0.7, 0.9, 0.99]),
    ("rel_max", [0.2, 0.5, 0.8, 1.0]),
    ("n_sources", [1, 2, 3, 5]),
    ("age_years", [9.0, 5.0, 2.0, 0.5, 0.0]),
    ("report_lag_years", [4.0, 1.5, 0.5, 0.0]),
    ("has_support", [False, True]),
    ("on_file", [False, True]),
    ("valid", [False, True]),
    ("vendor_rank1", [False, True]),
    ("ncoa_forward", [False, True]),
    ("superseded", [True, False]),
    ("succeeded", [True, False]),
    ("newer_gap_years", [4.0, 2.0, 0.5, 0.0]),
    ("moved_from", [True, False]),
    ("ncoa_no_forward", [True, False]),
    ("shared_third_party", [True, False]),
    ("competitors", [4, 2, 1, 0]),
    ("rivals", [4, 2, 1, 0]),
    ("latest_sources", [0, 1, 2, 3]),
    ("n_records", [0, 1, 2, 5]),
    ("latest_contested", [True, False]),
    ("recent_share", [0.0, 0.3, 0.7, 1.0]),
    ("behind_years", [4.0, 2.0, 0.5, 0.0]),
    ("rival_close", [True, False]),
    ("recent_points", [4, 2, 1, 0]),
    ("vendor_only", [True, False]),
]


def prior_model() -> ConfidenceModel:
    """Every signed feature with a non-zero coefficient of the right sign, no isotonic map."""
    coef = {f.name: 0.4 * f.sign for f in FEATURES if f.sign}
    return ConfidenceModel(
        version="test",
        models={t: TypeModel(-0.5, dict(coef)) for t in ("address", "phone", "email")},
    )


@pytest.mark.parametrize("contact_type", ["address", "phone", "email"])
@pytest.mark.parametrize("which", ["shipped", "strict"])
def test_confidence_is_monotone_in_every_factor(con, contact_type: str, which: str) -> None:
    model = load_model() if which == "shipped" else prior_model()
    rows, index = [], []
    for factor, values in IMPROVING:
        for v in values:
            rows.append({**BASE, "contact_type": contact_type, factor: v})
            index.append(factor)
    scores = score_rows(con, rows, model)
    by_factor: dict[str, list[float]] = {}
    for factor, s in zip(index, scores, strict=True):
        by_factor.setdefault(factor, []).append(s)
    for factor, seq in by_factor.items():
        assert all(b >= a - 1e-12 for a, b in itertools.pairwise(seq)), (factor, seq)
        applies = any(contact_type in f.types and f.sign for f in FEATURES if _reads(f.sql, factor))
        if which == "strict" and applies:
            assert seq[-1] > seq[0], (factor, seq)
    assert all(0.0 < s < 1.0 for s in scores)


def _reads(feature_sql: str, factor: str) -> bool:
    return f"({factor}" in feature_sql or f" {factor}" in feature_sql or f"{factor}," in feature_sql


def test_shipped_model_is_fitted_sign_consistent_and_monotone_mapped() -> None:
    model = load_model()
    assert model.meta.get("fitted") is True and model.meta.get("seed") != 7  # not the demo seed
    assert model.meta["check"]["ece"] <= 0.03
    # what it was fitted on: every data set with its size and ECE, the commit and the date
    sets = model.meta["datasets"]
    assert model.meta["commit"] and model.meta["fitted_at"] and len(sets) >= 2
    assert all(d["rows"] > 0 and 0 <= d["ece"]["ece"] <= 0.05 for d in sets)
    independent = [d["name"] for d in sets if d.get("seed") in (11, 12, 13) and "noise" in d]
    assert independent and set(independent) <= set(model.meta["address"]["fitted_on"])
    assert not set(independent) & set(model.meta["phone"]["fitted_on"])  # pseudopeople: no phones
    for t, m in model.models.items():
        for name, c in m.coef.items():
            f = FEATURE_BY_NAME[name]
            assert t in f.types
            assert c * f.sign >= 0, (t, name, c)
        cal = m.calibration
        if cal:
            assert all(b > a for a, b in itertools.pairwise(cal["x"]))
            assert all(b >= a for a, b in itertools.pairwise(cal["y"]))


def test_sql_and_python_scoring_agree(con) -> None:
    model = load_model()
    rng = random.Random(3)
    rows = []
    for _ in range(40):
        r = {**BASE, "contact_type": rng.choice(["address", "phone", "email"])}
        r.update(support=rng.random(), match_max=rng.random(), age_years=rng.uniform(0, 12),
                 n_sources=rng.randint(0, 4), moved_from=rng.random() < 0.2,
                 line_type=rng.choice(["mobile", "landline", "voip", "unknown"]))  # fmt: skip
        rows.append(r)
    sql_scores = score_rows(con, rows, model)
    # the Python path needs the features; compute them through SQL once, then predict
    feats = con.execute(
        "SELECT " + ", ".join(f"CAST({f.sql} AS DOUBLE)" for f in FEATURES) + " FROM (SELECT"
        " CAST(? AS DOUBLE) support, CAST(? AS DOUBLE) match_max, CAST(? AS DOUBLE) rel_max,"
        " CAST(? AS DOUBLE) n_sources, CAST(? AS DOUBLE) age_years,"
        " CAST(? AS DOUBLE) report_lag_years, CAST(? AS BOOLEAN) has_support,"
        " CAST(? AS BOOLEAN) on_file, CAST(? AS BOOLEAN) valid, CAST(? AS BOOLEAN) vendor_rank1,"
        " CAST(? AS BOOLEAN) superseded, CAST(? AS BOOLEAN) succeeded,"
        " CAST(? AS DOUBLE) newer_gap_years,"
        " CAST(? AS BOOLEAN) moved_from, CAST(? AS BOOLEAN) ncoa_no_forward,"
        " CAST(? AS BOOLEAN) ncoa_forward, CAST(? AS BOOLEAN) shared_third_party,"
        " CAST(? AS DOUBLE) competitors, CAST(? AS DOUBLE) rivals, CAST(? AS VARCHAR) line_type,"
        " CAST(? AS BOOLEAN) prepaid,"
        " CAST(? AS DOUBLE) latest_sources, CAST(? AS DOUBLE) n_records,"
        " CAST(? AS BOOLEAN) latest_contested, CAST(? AS DOUBLE) recent_share,"
        " CAST(? AS DOUBLE) behind_years, CAST(? AS BOOLEAN) rival_close,"
        " CAST(? AS DOUBLE) recent_points, CAST(? AS BOOLEAN) vendor_only)",
        [rows[0][k] for k in BASE],
    ).fetchone()
    x = {f.name: v for f, v in zip(FEATURES, feats, strict=True)}
    assert model.models[rows[0]["contact_type"]].predict(x) == pytest.approx(
        sql_scores[0], abs=1e-9
    )


def test_model_json_round_trip_and_unknown_feature(tmp_path: Path) -> None:
    m = prior_model()
    m.models["phone"].calibration = {
        "type": "isotonic",
        "x": [-1.0, 0.0, 2.0],
        "y": [0.1, 0.4, 0.9],
    }
    path = m.save(tmp_path / "m.json")
    back = model_from_json(json.loads(path.read_text()))
    assert back.models["phone"].predict({}) == pytest.approx(m.models["phone"].predict({}))
    assert back.models["phone"].p_of_z(1.0) == pytest.approx(0.65)
    bad = json.loads(path.read_text())
    bad["models"]["email"]["coef"]["shoe_size"] = 1.0
    with pytest.raises(ValueError, match="shoe_size"):
        model_from_json(bad)


def test_noisy_or() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([0.9, 0.0]) == pytest.approx(0.9)


def _synthetic(n: int, seed: int) -> pl.DataFrame:
    """Outcomes from a known logistic model: +1.5 x_a, -1.0 x_b, and x_c truly *hurts*."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b, c = rng.gauss(0, 1), rng.random(), rng.random()
        z = 0.3 + 1.5 * a - 1.0 * b - 0.8 * c
        y = rng.random() < 1 / (1 + math.exp(-z))
        rows.append({"account_id": f"A{i}", "x_a": a, "x_b": b, "x_c": c, "y": float(y)})
    return pl.DataFrame(rows)


def test_constrained_fit_recovers_signs_and_refuses_wrong_ones() -> None:
    df = _synthetic(4000, 1)
    b0, coef = fit_constrained(df, ["x_a", "x_b", "x_c"], {"x_a": 1, "x_b": -1, "x_c": 1}, l2=0.1)
    assert coef["x_a"] == pytest.approx(1.5, abs=0.2)
    assert coef["x_b"] == pytest.approx(-1.0, abs=0.3)
    assert "x_c" not in coef  # its data sign contradicts the declared sign: held at zero
    assert b0 == pytest.approx(0.3 - 0.4, abs=0.3)


def test_pav_and_isotonic_knots_are_monotone() -> None:
    assert pav([1, 2, 3, 4], [0.1, 0.5, 0.3, 0.9], [1, 1, 1, 1]) == pytest.approx(
        [0.1, 0.4, 0.4, 0.9]
    )
    rng = random.Random(2)
    z = [rng.uniform(-4, 4) for _ in range(3000)]
    y = [float(rng.random() < 1 / (1 + math.exp(-v))) for v in z]
    knots = isotonic_knots(pl.Series(z), pl.Series(y))
    assert all(b > a for a, b in itertools.pairwise(knots["x"]))
    assert all(b >= a for a, b in itertools.pairwise(knots["y"]))


def test_fit_model_is_calibrated_on_held_out_data() -> None:
    rng = random.Random(5)
    rows = []
    for i in range(6000):
        t = ("address", "phone", "email")[i % 3]
        support, age = rng.random(), rng.uniform(0, 8)
        z = -1 + 3 * support - 0.5 * age + (1.0 if t == "phone" else 0.0)
        p = 1 / (1 + math.exp(-z))
        x = {f"x_{f.name}": 0.0 for f in FEATURES}
        x["x_support_logit"] = math.log(
            min(max(support, 0.02), 0.98) / (1 - min(max(support, 0.02), 0.98))
        )
        x["x_age"] = age
        rows.append(
            {"account_id": f"A{i // 3}", "contact_type": t, "correct": rng.random() < p, **x}
        )
    df = pl.DataFrame(rows)
    train, test = (
        df.filter(pl.col("account_id").str.slice(1).cast(pl.Int64) % 2 == 0),
        df.filter(pl.col("account_id").str.slice(1).cast(pl.Int64) % 2 == 1),
    )
    model = fit_model(train, version="t")
    assert (
        model.models["address"].coef["age"] < 0 and model.models["phone"].coef["support_logit"] > 0
    )
    ece, table = reliability_table(rescore(test, model), test["correct"])
    assert ece < 0.04 and sum(r["n"] for r in table) == test.height


def test_competition_beyond_the_fitted_range_counts_only_rivals(con) -> None:
    """Up to COMPETITORS_FITTED_MAX every competitor counts (the input is the fitted one on
    every row of the data the model was fitted on); beyond it only the rivals at least as well
    supported do: 300 weaker numbers beside a vendor's first candidate weigh as 5, and each of
    those 300 still has its 300 rivals."""
    model = load_model()
    few = [{**BASE, "contact_type": "phone", "competitors": c, "rivals": r}
           for c, r in ((3, 0), (3, 3), (COMPETITORS_FITTED_MAX, 0))]  # fmt: skip
    a, b, c = score_rows(con, few, model)
    assert a == b  # within the fitted range the rivals change nothing
    many = [{**BASE, "contact_type": "phone", "competitors": 300, "rivals": r} for r in (0, 300)]
    best, weak = score_rows(con, many, model)
    assert best == c > 0.5 > 0.05 > weak


def test_the_fitted_range_of_competitors_belongs_to_the_shipped_model() -> None:
    """COMPETITORS_FITTED_MAX was measured on the data of this fit; a refit must re-measure it
    (the most competitors a contact of the refit's data has) and update this version."""
    assert load_model().version.startswith("fit-seed20240611-n8000+3labeled-2026-12-04")
