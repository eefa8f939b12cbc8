"""Fitting confidence on labelled contacts of any source, pooled with the generator (issue 16)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import polars as pl
import pytest

from skiptrace import errors
from skiptrace.matchers.calibrate import (
    DATASET,
    MIN_LABELS,
    WEIGHT,
    LabeledFrameError,
    ece_by_dataset,
    few_labels,
    fit_logistic,
    fit_model,
    pool,
    read_labeled,
)
from skiptrace.matchers.confidence import FEATURES


def _frame(n: int, seed: int, types: tuple[str, ...], shift: float = 0.0) -> pl.DataFrame:
    """Labelled contacts whose truth follows support (and, with `shift`, a data set's offset)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        t = types[i % len(types)]
        support = rng.random()
        valid = float(rng.random() < 0.8)
        z = -1.5 + 4 * support + 1.5 * valid + shift
        x = {f"x_{f.name}": 0.0 for f in FEATURES}
        s = min(max(support, 0.02), 0.98)
        x["x_support_logit"] = math.log(s / (1 - s))
        x["x_valid"] = valid
        rows.append({"account_id": f"A{i // len(types)}", "contact_type": t,
                     "correct": rng.random() < 1 / (1 + math.exp(-z)), **x})  # fmt: skip
    return pl.DataFrame(rows)


def test_read_labeled_takes_a_file_and_its_description(tmp_path: Path) -> None:
    path = tmp_path / "seed1" / "labeled_factors.parquet"
    path.parent.mkdir()
    _frame(90, 1, ("address",)).write_parquet(path)
    frame, info = read_labeled(path)
    assert frame.height == 90 and info["name"] == "seed1/labeled_factors" and info["rows"] == 90
    path.with_suffix(".json").write_text(json.dumps({"name": "pp seed 1", "noise": "default"}))
    _, info = read_labeled(path)
    assert info["name"] == "pp seed 1" and info["noise"] == "default"


def test_read_labeled_refuses_a_missing_or_incomplete_file_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(LabeledFrameError, match="no file") as exc:
        read_labeled(tmp_path / "nope.parquet")
    assert exc.value.exit_code == errors.INPUT
    bad = tmp_path / "bad.parquet"
    _frame(30, 1, ("address",)).drop("x_valid", "correct").write_parquet(bad)
    with pytest.raises(LabeledFrameError, match="lacks correct, x_valid") as exc:
        read_labeled(bad)
    assert "\n" not in exc.value.one_line()
    (tmp_path / "text.parquet").write_text("not parquet")
    with pytest.raises(LabeledFrameError, match="not a parquet file"):
        read_labeled(tmp_path / "text.parquet")


def test_pool_weighs_data_sets_not_rows_per_contact_type() -> None:
    big = _frame(3000, 1, ("address", "phone", "email"))  # 1,000 of each type
    small = _frame(300, 2, ("address",))

    def totals(pooled: pl.DataFrame, t: str) -> list[float]:
        sub = pooled.filter(pl.col("contact_type") == t)
        return sub.group_by(DATASET).agg(pl.col(WEIGHT).sum()).sort(DATASET)[WEIGHT].to_list()

    equal = pool([(big, "generator"), (small, "independent")], first_share=None)
    assert totals(equal, "address") == pytest.approx([650.0, 650.0])  # total kept: 1,300 rows
    shared = pool([(big, "generator"), (small, "independent")], first_share=0.6)
    assert totals(shared, "address") == pytest.approx([780.0, 520.0])
    assert totals(shared, "phone") == pytest.approx([1000.0])  # only the generator has phones
    assert pool([(big, "g"), (small, "i")], balance=False)[WEIGHT].unique().to_list() == [1.0]
    assert shared.height == 3300 and shared["account_id"].to_list()[:3] == ["A0", "A0", "A0"]


def test_a_weight_counts_as_repeated_rows() -> None:
    df = _frame(600, 3, ("address",)).with_columns(pl.col("correct").cast(pl.Float64).alias("y"))
    twice = pl.concat([df, df.head(200)])
    weighted = df.with_columns(
        pl.when(pl.int_range(0, pl.len()) < 200).then(2.0).otherwise(1.0).alias(WEIGHT)
    )
    a = fit_logistic(twice, ["x_support_logit", "x_valid"], l2=0.0)
    b = fit_logistic(weighted, ["x_support_logit", "x_valid"], l2=0.0)
    assert a[0] == pytest.approx(b[0], abs=1e-6)
    assert a[1] == pytest.approx(b[1], abs=1e-6)


def test_per_type_models_record_their_data_sets_and_fit_each() -> None:
    """An independent data set with addresses only shifts the address model, not the phone one."""
    gen = _frame(3000, 4, ("address", "phone", "email"))
    indep = _frame(2000, 5, ("address",), shift=-2.0)  # the same evidence is right less often
    pooled = pool([(gen, "generator"), (indep, "independent")])
    model = fit_model(pooled, version="t")
    assert model.meta["address"]["fitted_on"] == ["generator", "independent"]
    assert model.meta["phone"]["fitted_on"] == ["generator"]
    alone = fit_model(pool([(gen, "generator")]), version="g")
    x = {"support_logit": 2.0, "valid": 1.0}
    assert model.models["address"].predict(x) < alone.models["address"].predict(x) - 0.05
    assert model.models["phone"].predict(x) == pytest.approx(alone.models["phone"].predict(x))
    per_set = ece_by_dataset(pooled, model)
    assert set(per_set) == {"generator", "independent"}
    assert "ece_phone" not in per_set["independent"] and per_set["generator"]["n"] == 3000


def test_a_set_with_few_labels_of_a_type_keeps_only_n_over_min_labels_of_its_share() -> None:
    """One label used to take 30% of a type's weight (the demo's phone ECE 0.014 -> 0.134)."""
    big = _frame(3000, 1, ("address", "phone", "email"))  # 1,000 of each type
    one = _frame(1, 2, ("phone",))
    half = _frame(MIN_LABELS // 2, 3, ("address",))

    def total(pooled: pl.DataFrame, t: str, name: str) -> float:
        sub = pooled.filter((pl.col("contact_type") == t) & (pl.col(DATASET) == name))
        return float(sub[WEIGHT].sum())

    pooled = pool([(big, "generator"), (one, "tiny"), (half, "half")])
    # phones: 0.7 and 0.3 * 1/100 renormalized, of 1,001 rows
    assert total(pooled, "phone", "tiny") == pytest.approx(1001 * 0.003 / 0.703)
    assert total(pooled, "phone", "generator") == pytest.approx(1001 * 0.7 / 0.703)
    # addresses: 0.7 and 0.3 * 1/2
    n = 1000 + MIN_LABELS // 2
    assert total(pooled, "address", "half") == pytest.approx(n * 0.15 / 0.85)
    assert total(pooled, "email", "generator") == pytest.approx(1000.0)
    lines = few_labels([(one, "tiny"), (half, "half"), (big.head(0), "empty")])
    assert lines == [
        f"labeled set tiny: 1 phone labels, fewer than {MIN_LABELS}: it keeps 1/{MIN_LABELS}"
        " of its share of the phone weight",
        f"labeled set half: {MIN_LABELS // 2} address labels, fewer than {MIN_LABELS}: it keeps"
        f" {MIN_LABELS // 2}/{MIN_LABELS} of its share of the address weight",
        "labeled set empty: no labels, it takes no part in the fit",
    ]
    assert few_labels([(big, "generator")]) == []


def test_a_fit_warns_of_a_set_with_few_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skiptrace.flows.demo.calibration import fit_pooled

    gen = _frame(3000, 4, ("address", "phone", "email"))
    res = fit_pooled(
        [(gen, {"name": "generator", "seed": 1, "accounts": 1000}),
         (_frame(1, 5, ("phone",)), {"name": "outcomes run R1"})],
        tmp_path, out=None, check_seed=None,
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"warning: {res['warnings'][0]}"]
    assert "outcomes run R1: 1 phone labels" in err[0]
    assert res["model_object"].meta["warnings"] == res["warnings"]
