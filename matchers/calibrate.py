"""Calibration of the confidence model: the measures and the fitting, given labeled contacts.

A confidence is only useful if it is a probability: of all contacts given 0.8, about 80% must
reach the account holder. This module holds the mathematics, with no knowledge of where labels
come from:

* `contact_frame`: a run's debtor contact points with their feature vector, from the database;
* `reliability_table` / `report_from_labeled`: expected calibration error (ECE) and the
  reliability table behind it, per equal-width bin, per contact type and per import band;
* `fit_model`: per contact type, a logistic regression over the features of
  `matchers/confidence.py` by Newton's method (ridge-regularized, sign-constrained by an active
  set so confidence stays monotone in every factor), then an isotonic map of the score fitted on
  out-of-fold scores (2-fold by account) to remove what the linear form cannot capture.

Labeling against a generator's truth and running the pipeline to fit on it are the demo's job
(`skiptrace.flows.demo.calibration`, behind `skiptrace calibrate --fit`).
Labeling against collectors' outcomes is `matchers/calibrate_outcomes.py` (`skiptrace
calibrate --outcomes`).

Fitting uses polars for the sums (no numpy/scikit-learn dependency at run time or fit time).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.errors import InputFileError
from skiptrace.matchers.confidence import (
    CONTACT_TYPES,
    FEATURES,
    ConfidenceModel,
    TypeModel,
    features_for,
)


def _mean(series: pl.Series, empty: float) -> float:
    """`float(series.mean() or empty)`, typed: `empty` for an empty, all-null or zero mean."""
    value = series.mean()
    return float(value) if isinstance(value, int | float) and value else empty


DEMO_SEED = 7
#: Default training seed: anything but the demo's.
FIT_SEED = 20_240_611
#: Optional row weight of a labeled frame (pooled data sets weighted by data set, not size).
WEIGHT = "w"
#: Names the data set a labeled row came from, when several are pooled.
DATASET = "dataset"
#: What a labeled contact frame must carry besides one `x_<feature>` column per model feature.
LABELED_COLUMNS: tuple[str, ...] = ("account_id", "contact_type", "correct")


class LabeledFrameError(InputFileError):
    """A labeled contact file that cannot be fitted on (a user's mistake: one line, no trace)."""


def read_labeled(path: Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """A labeled contact frame from any source, and what it says about itself.

    The file is parquet with `LABELED_COLUMNS` and one `x_<feature>` column per feature of
    `matchers/confidence.py` (what `contact_frame` reads from a run, plus `correct`). Whoever
    labels it (a benchmark on independent data, a collector's verified outcomes) writes a
    description beside it, `<name>.json` (data set, seeds, noise, sizes), which the fitted
    model records; without one the file's name describes it.
    """
    if not path.is_file():
        raise LabeledFrameError(f"labeled contacts: no file {path}")
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.ComputeError) as exc:
        raise LabeledFrameError(f"labeled contacts: {path} is not a parquet file ({exc})") from None
    need = [*LABELED_COLUMNS, *(f"x_{f.name}" for f in FEATURES)]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise LabeledFrameError(
            f"labeled contacts: {path} lacks {', '.join(missing[:5])}"
            + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            + " (write it from a run of this version: see docs/benchmarks.md, confidence)"
        )
    side = path.with_suffix(".json")
    info: dict[str, Any] = {}
    if side.is_file():
        try:
            info = dict(json.loads(side.read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            raise LabeledFrameError(f"labeled contacts: {side} is not a JSON object") from None
    info.setdefault("name", path.parent.name + "/" + path.stem)
    info["rows"] = frame.height
    info["file"] = str(path)
    keep = [*LABELED_COLUMNS, *(c for c in frame.columns if c.startswith("x_"))]
    keep += [c for c in ("rank", "confidence", "street_number", "street_name", "address_line1",
                         "last_seen", "contact_key") if c in frame.columns]  # fmt: skip
    return frame.select(keep), info


#: Share of each contact type's weight the generated portfolio keeps when pooled with other
#: data sets (which split the rest equally). Chosen by leaving one pseudopeople tuning seed
#: out (docs/benchmarks.md, "Class 5"): at 0.7 the left-out seeds' ECE stays under 0.03 and
#: the demo's rank-1 addresses move least; below it the demo ranks worse, above it the
#: independent data's ECE passes 0.04.
GENERATOR_SHARE = 0.7

#: Labels a data set needs, per contact type, to take its full share of that type's weight in
#: a pooled fit (and for a check's ECE to mean much: with ten bins, a hundred labels leave
#: about ten per bin, where one contact moves a bin by 0.1). Below it the share scales with
#: n / MIN_LABELS, the rest going to the other sets in proportion to theirs: one label must not
#: weigh 30% of a contact type, as it did (the demo's phone ECE went from 0.014 to 0.134).
MIN_LABELS = 100


def pool(
    frames: Sequence[tuple[pl.DataFrame, str]],
    *,
    balance: bool = True,
    first_share: float | None = GENERATOR_SHARE,
) -> pl.DataFrame:
    """Stack labeled frames, each tagged with its data set, weighted by data set, not size.

    With `balance`, per contact type the first frame (the generated portfolio) weighs
    `first_share` of the total and the others split the rest equally (`first_share=None`:
    every data set weighs the same). A large portfolio cannot drown a small one, and a contact
    type only one data set has (phones: pseudopeople has none) is fitted on that one alone.
    A set with fewer than MIN_LABELS rows of a type keeps only n / MIN_LABELS of its share of
    that type, the others' shares growing in proportion (`few_labels` names such sets).
    Weights are scaled to average 1 per row, so the ridge penalty means the same as unweighted.
    """
    if not frames:
        raise ValueError("nothing to pool")
    parts = []
    for frame, name in frames:
        parts.append(
            frame.with_columns(
                pl.lit(name).alias(DATASET), pl.col("account_id").cast(pl.String),
                pl.col("correct").cast(pl.Boolean),
                *[pl.col(c).cast(pl.Float64) for c in frame.columns if c.startswith("x_")],
            )
        )  # fmt: skip
    cols = [c for c in parts[0].columns if all(c in p.columns for p in parts)]
    pooled = pl.concat([p.select(cols) for p in parts], how="vertical_relaxed")
    if not balance:
        return pooled.with_columns(pl.lit(1.0).alias(WEIGHT))
    first = frames[0][1]
    counts = pooled.group_by(DATASET, "contact_type").len()
    per_type = counts.group_by("contact_type").agg(
        pl.len().alias("__sets"),
        pl.col(DATASET).eq(first).any().alias("__has_first"),
        pl.col("len").sum().alias("__rows"),
    )
    share = (
        pl.when(pl.col("__sets") == 1)
        .then(1.0)
        .when(pl.lit(first_share is None) | ~pl.col("__has_first"))
        .then(1.0 / pl.col("__sets"))
        .when(pl.col(DATASET) == first)
        .then(pl.lit(first_share or 0.0))
        .otherwise((1.0 - pl.lit(first_share or 0.0)) / (pl.col("__sets") - 1))
    )
    # a set with few labels of a type keeps n / MIN_LABELS of its share, and that type's shares
    # are renormalized; a type where every set has MIN_LABELS keeps the shares above exactly
    few = (pl.col("len") < MIN_LABELS).any().over("contact_type")
    scaled = pl.col("__share") * pl.min_horizontal(pl.lit(1.0), pl.col("len") / MIN_LABELS)
    weights = (
        counts.join(per_type, on="contact_type")
        .with_columns(share.alias("__share"))
        .with_columns(
            pl.when(few)
            .then(scaled / scaled.sum().over("contact_type"))
            .otherwise(pl.col("__share"))
            .alias("__share")
        )
        .with_columns(
            (pl.col("__share") * pl.col("__rows") / pl.col("len")).cast(pl.Float64).alias(WEIGHT)
        )
    )
    return pooled.join(
        weights.select(DATASET, "contact_type", WEIGHT),
        on=[DATASET, "contact_type"],
        how="left",
        maintain_order="left",
    )


def few_labels(frames: Sequence[tuple[pl.DataFrame, str]]) -> list[str]:
    """One line per data set and contact type with fewer than MIN_LABELS labels (a set with
    none at all: one line for the set), saying how little it weighs in a pooled fit."""
    lines = []
    for frame, name in frames:
        if frame.height == 0:
            lines.append(f"labeled set {name}: no labels, it takes no part in the fit")
            continue
        for t, n in frame.group_by("contact_type").len().sort("contact_type").iter_rows():
            if n < MIN_LABELS:
                lines.append(
                    f"labeled set {name}: {n} {t} labels, fewer than {MIN_LABELS}: it keeps "
                    f"{n}/{MIN_LABELS} of its share of the {t} weight"
                )
    return lines


def ece_by_dataset(labeled: pl.DataFrame, model: ConfidenceModel) -> dict[str, dict[str, Any]]:
    """ECE of `model` on each pooled data set, overall and per contact type (in-sample)."""
    scored = labeled.with_columns(rescore(labeled, model).alias("__p"))
    out: dict[str, dict[str, Any]] = {}
    names = (
        scored[DATASET].unique(maintain_order=True).to_list()
        if DATASET in scored.columns
        else [None]
    )
    for name in names:
        sub = scored if name is None else scored.filter(pl.col(DATASET) == name)
        ece, _ = reliability_table(sub["__p"], sub["correct"])
        row: dict[str, Any] = {"n": sub.height, "ece": round(ece, 4)}
        for t in CONTACT_TYPES:
            st = sub.filter(pl.col("contact_type") == t)
            if st.height:
                row[f"ece_{t}"] = round(reliability_table(st["__p"], st["correct"])[0], 4)
        out[str(name)] = row
    return out


# --- labels ---------------------------------------------------------------------------------


def contact_frame(
    con: duckdb.DuckDBPyConnection, run_id: str, *, emitted_only: bool = True
) -> pl.DataFrame:
    """The run's debtor contact points with their feature vector (x_*) as columns.

    `emitted_only` keeps what contacts.csv holds (not suppressed): the population the demo's
    ECE is measured on.
    """
    xcols = ", ".join(
        f"coalesce(cp.model_inputs[list_position(mi.names, '{f.name}')],"
        f" CAST(json_extract(cp.factors, '$.x.{f.name}') AS DOUBLE)) AS x_{f.name}"
        for f in FEATURES
    )
    text = sql.render("calibrate/debtor_contacts.sql", feature_columns=xcols)
    return sql.query(con, text, run_id=run_id, emitted_only=bool(emitted_only))


# --- calibration measures --------------------------------------------------------------------


def reliability_table(
    p: pl.Series, y: pl.Series, bins: int = 10
) -> tuple[float, list[dict[str, Any]]]:
    """ECE over `bins` equal-width bins and the per-bin table (n, mean confidence, accuracy)."""
    df = pl.DataFrame({"p": p.cast(pl.Float64), "y": y.cast(pl.Float64)}).drop_nulls()
    if df.height == 0:
        return 0.0, []
    df = df.with_columns((pl.col("p") * bins).floor().clip(0, bins - 1).cast(pl.Int32).alias("bin"))
    t = (
        df.group_by("bin")
        .agg(
            pl.len().alias("n"),
            pl.col("p").mean().alias("mean_confidence"),
            pl.col("y").mean().alias("accuracy"),
        )
        .sort("bin")
    )
    rows = []
    ece = 0.0
    for r in t.iter_rows(named=True):
        gap = r["mean_confidence"] - r["accuracy"]
        ece += r["n"] / df.height * abs(gap)
        rows.append(
            {
                "lo": r["bin"] / bins,
                "hi": (r["bin"] + 1) / bins,
                "n": int(r["n"]),
                "mean_confidence": round(float(r["mean_confidence"]), 4),
                "accuracy": round(float(r["accuracy"]), 4),
                "gap": round(float(gap), 4),
            }
        )
    return float(ece), rows


@dataclass
class CalibrationReport:
    """How well confidence matches outcomes for one run."""

    run_id: str
    model_version: str
    n: int
    ece: float
    brier: float
    base_rate: float
    mean_confidence: float
    bins: int
    reliability: list[dict[str, Any]] = field(default_factory=list)
    by_type: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_band: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        """A plain-text reliability table for logs and the CLI."""
        lines = [
            f"run {self.run_id}  model {self.model_version}  n={self.n}  ECE={self.ece:.4f}"
            f"  Brier={self.brier:.4f}  base rate={self.base_rate:.3f}  mean conf={self.mean_confidence:.3f}",
            f"{'bin':>11} {'n':>7} {'conf':>7} {'acc':>7} {'gap':>7}",
        ]
        for r in self.reliability:
            lines.append(
                f"[{r['lo']:.1f}, {r['hi']:.1f}) {r['n']:>7} {r['mean_confidence']:>7.3f}"
                f" {r['accuracy']:>7.3f} {r['gap']:>+7.3f}"
            )
        for t, s in self.by_type.items():
            lines.append(
                f"{t:>8}: n={s['n']:<6} ECE={s['ece']:.4f} conf={s['mean_confidence']:.3f} acc={s['accuracy']:.3f}"
            )
        for b in self.by_band:
            lines.append(
                f"band {b['band']:>8}: n={b['n']:<6} conf={b['mean_confidence']:.3f} acc={b['accuracy']:.3f}"
            )
        return "\n".join(lines)


def report_from_labeled(
    labeled: pl.DataFrame, run_id: str, model_version: str, bins: int = 10
) -> CalibrationReport:
    from skiptrace.matchers.suppress import load_rules

    p, y = labeled["confidence"].cast(pl.Float64), labeled["correct"].cast(pl.Float64)
    ece, table = reliability_table(p, y, bins)
    n = labeled.height
    by_type: dict[str, dict[str, Any]] = {}
    for t in CONTACT_TYPES:
        sub = labeled.filter(pl.col("contact_type") == t)
        if sub.height:
            e, _ = reliability_table(sub["confidence"], sub["correct"], bins)
            by_type[t] = {
                "n": sub.height,
                "ece": round(e, 4),
                "mean_confidence": _mean(sub["confidence"], 0.0),
                "accuracy": _mean(sub["correct"].cast(pl.Float64), 0.0),
            }
    bands = load_rules().bands
    band_rows = []
    for name, lo, hi in (
        ("good", bands.good, 1.01),
        ("verify", bands.verify, bands.good),
        ("hold", 0.0, bands.verify),
    ):
        sub = labeled.filter((pl.col("confidence") >= lo) & (pl.col("confidence") < hi))
        if sub.height:
            band_rows.append(
                {
                    "band": name,
                    "n": sub.height,
                    "mean_confidence": _mean(sub["confidence"], 0.0),
                    "accuracy": _mean(sub["correct"].cast(pl.Float64), 0.0),
                }
            )
    return CalibrationReport(
        run_id=run_id,
        model_version=model_version,
        n=n,
        ece=round(ece, 5),
        brier=round(_mean((p - y) ** 2, 0.0), 5) if n else 0.0,
        base_rate=_mean(y, 0.0) if n else 0.0,
        mean_confidence=_mean(p, 0.0) if n else 0.0,
        bins=bins,
        reliability=table,
        by_type=by_type,
        by_band=band_rows,
    )


# --- fitting ---------------------------------------------------------------------------------


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (systems are ~20x20)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        piv = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[piv][c]) < 1e-12:
            raise ZeroDivisionError("singular system")
        m[c], m[piv] = m[piv], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            if f:
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def fit_logistic(
    df: pl.DataFrame,
    cols: list[str],
    y: str = "y",
    *,
    l2: float = 1.0,
    iters: int = 30,
    tol: float = 1e-7,
) -> tuple[float, list[float]]:
    """Ridge logistic regression by Newton's method; returns (intercept, coefficients).

    The intercept is not penalized. Gradient and Hessian are polars column sums, so a fit on
    tens of thousands of rows takes well under a second per iteration. A `w` column, when the
    frame has one, weights each row (pooled data sets count by data set, not by size).
    """
    names = ["__one", *cols]
    weight = pl.col(WEIGHT).cast(pl.Float64) if WEIGHT in df.columns else pl.lit(1.0)
    data = df.select(pl.lit(1.0).alias("__one"), *[pl.col(c).cast(pl.Float64) for c in cols],
                     pl.col(y).cast(pl.Float64).alias("__y"), weight.alias("__rw"))  # fmt: skip
    beta = [0.0] * len(names)
    weighted_y = float((data["__y"] * data["__rw"]).sum())
    mean_y = weighted_y / max(float(data["__rw"].sum()), 1e-12)
    beta[0] = math.log(max(mean_y, 1e-3) / max(1 - mean_y, 1e-3))
    for _ in range(iters):
        eta = sum((pl.col(n) * b for n, b in zip(names, beta, strict=True)), pl.lit(0.0))
        work = data.with_columns((1.0 / (1.0 + (-eta.clip(-35, 35)).exp())).alias("__p"))
        work = work.with_columns(
            (pl.col("__rw") * pl.col("__p") * (1 - pl.col("__p"))).alias("__w")
        )
        sums = work.select(
            *[
                (pl.col("__rw") * (pl.col("__y") - pl.col("__p")) * pl.col(n)).sum().alias(f"g_{i}")
                for i, n in enumerate(names)
            ],
            *[
                (pl.col("__w") * pl.col(a) * pl.col(b)).sum().alias(f"h_{i}_{j}")
                for i, a in enumerate(names)
                for j, b in enumerate(names)
                if j >= i
            ],
        ).row(0, named=True)
        k = len(names)
        grad = [sums[f"g_{i}"] - (l2 * beta[i] if i else 0.0) for i in range(k)]
        hess = [[0.0] * k for _ in range(k)]
        for i in range(k):
            for j in range(i, k):
                hess[i][j] = hess[j][i] = sums[f"h_{i}_{j}"]
            if i:
                hess[i][i] += l2
        step = _solve(hess, grad)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < tol:
            break
    return beta[0], beta[1:]


def fit_constrained(
    df: pl.DataFrame,
    features: list[str],
    signs: dict[str, int],
    *,
    l2: float = 1.0,
    y: str = "y",
) -> tuple[float, dict[str, float]]:
    """Logistic regression whose coefficients respect the features' signs (active set).

    Fit; drop (fix at zero) the feature whose coefficient most violates its sign; refit until
    none does. Then check the dropped features' optimality condition: a feature fixed at zero
    whose log-likelihood gradient points into its allowed direction would improve the fit,
    so the most promising one re-enters and the loop repeats. Dropping alone is greedy: with
    correlated features (support, sources, on-file, match) one wrong-signed coefficient early on
    can push out a feature that the constrained optimum uses (this re-entry found a fit with a
    visibly higher likelihood on the address model). The problem is convex, so a point meeting
    these conditions is the constrained optimum. Constant features are never used.
    """
    usable = [f for f in features if df[f].n_unique() > 1]
    active = list(usable)
    dropped: list[str] = []
    seen: set[tuple[str, ...]] = set()
    total = float(df[WEIGHT].sum()) if WEIGHT in df.columns else df.height
    tol = 1e-3 * max(total, 1.0)  # gradient (log-likelihood units) worth re-entering for

    def violator(coefs: list[float]) -> str | None:
        worst, worst_v = None, 0.0
        for f, c in zip(active, coefs, strict=True):
            v = -c * signs.get(f, 0) if signs.get(f, 0) else 0.0
            if v > worst_v:
                worst, worst_v = f, v
        return worst

    b0, coefs = fit_logistic(df, active, y, l2=l2)
    for _ in range(4 * len(usable) + 4):
        worst = violator(coefs)
        if worst is not None:
            active.remove(worst)
            dropped.append(worst)
        else:
            key = tuple(sorted(active))
            if key in seen or not dropped:
                break
            seen.add(key)
            eta = sum((pl.col(f) * c for f, c in zip(active, coefs, strict=True)), pl.lit(b0))
            resid = pl.col(y).cast(pl.Float64) - 1.0 / (1.0 + (-eta.clip(-35, 35)).exp())
            if WEIGHT in df.columns:
                resid = resid * pl.col(WEIGHT)
            grad = df.select([(resid * pl.col(f)).sum().alias(f) for f in dropped]).row(
                0, named=True
            )
            gain, best = max((signs.get(f, 0) * grad[f], f) for f in dropped)
            if gain <= tol:
                break
            dropped.remove(best)
            active.append(best)
        b0, coefs = fit_logistic(df, active, y, l2=l2)
    while (worst := violator(coefs)) is not None:  # only if the loop ran out: stay feasible
        active.remove(worst)
        b0, coefs = fit_logistic(df, active, y, l2=l2)
    return b0, {f: round(c, 6) for f, c in zip(active, coefs, strict=True)}


def pav(xs: list[float], ys: list[float], ws: list[float]) -> list[float]:
    """Pool-adjacent-violators: the non-decreasing fit of ys (sorted by xs) with weights ws."""
    blocks: list[list[float]] = []  # [sum_wy, sum_w, count]
    for y, w in zip(ys, ws, strict=True):
        blocks.append([y * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            wy, ww, c = blocks.pop()
            blocks[-1][0] += wy
            blocks[-1][1] += ww
            blocks[-1][2] += c
    out: list[float] = []
    for wy, ww, c in blocks:
        out.extend([wy / ww] * int(c))
    return out


def isotonic_knots(
    z: pl.Series, y: pl.Series, n_bins: int = 30, w: pl.Series | None = None
) -> dict[str, Any]:
    """Binned isotonic regression of y on z: knots at bin mean-z, values non-decreasing.

    Equal-count bins first (smooths the step function and bounds the number of knots), then PAV
    over the bin means weighted by bin size (by the rows' weights `w`, when given).
    """
    weights = w.cast(pl.Float64) if w is not None else pl.Series([1.0] * len(z))
    df = (
        pl.DataFrame({"z": z.cast(pl.Float64), "y": y.cast(pl.Float64), "w": weights})
        .drop_nulls()
        .filter(pl.col("w") > 0)  # a data set given no weight does not shape the map
        .sort("z")
    )
    n = df.height
    n_bins = max(2, min(n_bins, n // 40 if n >= 80 else 2))
    df = df.with_columns((pl.int_range(0, n) * n_bins // n).alias("b"))
    g = (
        df.group_by("b")
        .agg(
            ((pl.col("z") * pl.col("w")).sum() / pl.col("w").sum()).alias("z"),
            ((pl.col("y") * pl.col("w")).sum() / pl.col("w").sum()).alias("y"),
            pl.col("w").sum().alias("w"),
        )
        .sort("b")
    )
    xs, ys, ws = g["z"].to_list(), g["y"].to_list(), [float(w) for w in g["w"].to_list()]
    fitted = pav(xs, ys, ws)
    # a run of equal fitted values needs only its two ends (same function, fewer knots)
    keep = [
        i
        for i in range(len(xs))
        if i in (0, len(xs) - 1) or fitted[i] != fitted[i - 1] or fitted[i] != fitted[i + 1]
    ]
    out_x: list[float] = []
    out_y: list[float] = []
    for i in keep:
        x, v = round(xs[i], 6), round(fitted[i], 6)
        if not out_x or x > out_x[-1]:
            out_x.append(x)
            out_y.append(max(v, out_y[-1]) if out_y else v)
    return {"type": "isotonic", "x": out_x, "y": out_y}


def _z(df: pl.DataFrame, b0: float, coef: dict[str, float]) -> pl.Series:
    expr = sum((pl.col(f) * c for f, c in coef.items()), pl.lit(b0))
    return df.select(expr.alias("z"))["z"]


def fit_model(
    labeled: pl.DataFrame,
    *,
    version: str,
    l2: float = 1.0,
    isotonic: bool = True,
    meta: dict[str, Any] | None = None,
) -> ConfidenceModel:
    """Fit every contact type's model from a labeled contact frame (x_* columns + correct).

    Each contact type gets its own logistic model and isotonic map, fitted on the rows of that
    type only, so a data set that has no phones (pseudopeople) leaves the phone model to the
    data sets that have them. Rows may carry a weight (`w`, see `pool`) and a data set name.
    """
    models: dict[str, TypeModel] = {}
    info: dict[str, Any] = dict(meta or {})
    for t in CONTACT_TYPES:
        sub = labeled.filter(pl.col("contact_type") == t).with_columns(
            pl.col("correct").cast(pl.Float64).alias("y")
        )
        fitted_on = (
            sorted(sub[DATASET].unique().to_list()) if DATASET in sub.columns else ["labeled"]
        )
        feats = [f"x_{f.name}" for f in features_for(t)]
        signs = {f"x_{f.name}": f.sign for f in features_for(t)}
        if sub.height < 30 or sub["y"].n_unique() < 2:
            rate = _mean(sub["y"], 0.5) if sub.height else 0.5
            rate = min(max(rate, 0.02), 0.98)
            models[t] = TypeModel(intercept=math.log(rate / (1 - rate)), coef={})
            info[t] = {"n": sub.height, "note": "too few labeled contacts: base rate only"}
            continue
        b0, coef = fit_constrained(sub, feats, signs, l2=l2)
        cal = None
        if isotonic:
            # out-of-fold scores (2 folds by account) so the map is not fitted on its own fit
            key = [DATASET, "account_id"] if DATASET in sub.columns else ["account_id"]
            fold = sub.with_columns((pl.struct(key).hash(17) % 2).alias("fold"))
            zs: list[pl.DataFrame] = []
            for k in (0, 1):
                train, test = fold.filter(pl.col("fold") != k), fold.filter(pl.col("fold") == k)
                if train.height < 30 or train["y"].n_unique() < 2:
                    zs = []
                    break
                bk, ck = fit_constrained(train, feats, signs, l2=l2)
                wcol = pl.col(WEIGHT) if WEIGHT in test.columns else pl.lit(1.0)
                zs.append(
                    test.select("y", wcol.cast(pl.Float64).alias(WEIGHT)).with_columns(
                        _z(test, bk, ck).alias("z")
                    )
                )
            if zs:
                oof = pl.concat(zs)
                cal = isotonic_knots(oof["z"], oof["y"], w=oof[WEIGHT])
        models[t] = TypeModel(
            intercept=round(b0, 6),
            coef={k.removeprefix("x_"): v for k, v in coef.items()},
            calibration=cal,
        )
        info[t] = {"n": sub.height, "positives": int(sub["y"].sum()), "fitted_on": fitted_on}
    return ConfidenceModel(version=version, models=models, meta=info)


def rescore(labeled: pl.DataFrame, model: ConfidenceModel) -> pl.Series:
    """Confidence of each labeled row under `model` (Python path; same math as the SQL)."""
    out = []
    xcols = [c for c in labeled.columns if c.startswith("x_")]
    for row in labeled.select("contact_type", *xcols).iter_rows(named=True):
        m = model.models.get(row["contact_type"])
        x = {k.removeprefix("x_"): (v or 0.0) for k, v in row.items() if k.startswith("x_")}
        out.append(m.predict(x) if m else 0.5)
    return pl.Series("confidence", out, dtype=pl.Float64)
