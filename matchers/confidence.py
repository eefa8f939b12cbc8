"""Confidence of a contact point: P(this contact reaches the account holder now).

Why a model and not a hand-tuned score: collectors act on bands ("≥ 0.7 goes live"), auditors ask
what a number means, and the demo is judged by calibration (ECE). A probability has to be
*fitted* against outcomes, so the combination is a logistic regression over a small set of
interpretable factors, optionally followed by a monotone (isotonic) re-mapping of its score,
with coefficients shipped as data (`matchers/rules/confidence_model.json`) and fitted by
`matchers/calibrate.py` on a generated portfolio whose seed differs from the demo's, pooled with
labelled contacts of data the project did not write (the independent benchmark's pseudopeople
portfolios; `skiptrace calibrate --fit --labeled`, bench/refit_confidence.py). A model fitted on
the generator alone was calibrated there and overconfident elsewhere (issue 16).

Each contact type (address, phone, email) has its own model and isotonic map, fitted on the data
sets that have that type: pseudopeople has addresses only, so the phone and email models are
fitted on the generator alone. The model file's `meta` records every data set (seed, size,
noise, rows, ECE), the code commit and the date.

The factors (raw values, per contact point; see `sql/resolve/06_clusters.sql`):

- identity: `match_max`, the best match probability among the records supporting the contact;
- source reliability: `rel_max`, the best `input_files.reliability` among them;
- corroboration: `support`, noisy-OR over *distinct* sources of match x reliability (independent
  sources that agree multiply their chances of being wrong), and `n_sources` (`n_records`,
  repeated reports of one source, is kept in the factors for explanation: as a model input it
  added nothing once recency, lag and succession were in);
- recency: `age_years` since the latest evidence; `report_lag_years`, how long before its own
  report date a source that dates its candidates (a vendor) last saw the contact; `superseded`/`newer_gap_years` when a
  reliable source reports a newer address; `succeeded` when another reliably reported address
  began later (first seen) and is about as current (last-seen dates lag moves, first-seen dates
  order residences); NCOA `moved_from` and `ncoa_no_forward`;
- the account's newest evidence (addresses): `latest_sources`, how many independent sources
  report the contact as of the newest date any source reports one of the account's addresses,
  and `latest_contested`, another address is reported on that date too; `single_record`, one
  record is all that supports it (issue 16: these separated right from wrong rank-1 addresses
  at confidence 0.6-0.9 on independent data, where the features above did not; the table is in
  docs/confidence.md);
- against the account's other addresses (issue 16, band): `rival_close`, another address with
  at least as many records was last reported up to a year before this one (one new record
  against an address several reported until recently: the wrong high-confidence rank-1 shape
  on independent data); `recent_share`, `behind`, `recent_points_log` and `vendor_only` are
  computed for analysis and later fits (docs/confidence.md, "Against the other addresses");
- competition (phones, emails): `competitors`, the account's other supported candidates of the
  type, counted in full up to the most the fitted data had (COMPETITORS_FITTED_MAX) and beyond
  it only as `rivals`, those at least as well supported as this one (unbounded, a debtor traced
  by 300 records with 300 numbers had the number a vendor ranked first at 0.0096;
  docs/confidence.md "Competition");
- validity and line type: address parsed cleanly, phone valid, mobile/landline/VoIP, prepaid;
- `on_file` (the collector already had it) and `no_support` (only the account file has it).

Monotonicity is a design constraint, not an accident: each feature has a sign (`+1`: more is
better, `-1`: more is worse, `0`: categorical), the fitter keeps coefficients on the right side
of zero, and the isotonic map is non-decreasing, so more evidence can never lower confidence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_MODEL_PATH = RULES_DIR / "confidence_model.json"
CONTACT_TYPES: tuple[str, ...] = ("address", "phone", "email")
#: Confidence is kept off 0 and 1: no finite evidence makes a contact certain.
P_MIN, P_MAX = 0.005, 0.995
#: The most competitors (other supported candidates of the type) any contact had in the data the
#: shipped model was fitted on (generator seed 20240611, 8,000 accounts: phones 5, emails 1,
#: addresses 4). Beyond it the fitted coefficient says nothing:
#: `competitors_log` counts only the rivals there (re-measure it with every refit: a test ties it
#: to the model's version).
COMPETITORS_FITTED_MAX = 5


@dataclass(frozen=True)
class Feature:
    """One model input: its SQL over the raw factor columns and its required sign."""

    name: str
    sql: str
    sign: int  # +1 coefficient >= 0, -1 coefficient <= 0, 0 unconstrained
    types: tuple[str, ...] = CONTACT_TYPES
    doc: str = ""


def _logit_sql(col: str) -> str:
    c = f"greatest(least(coalesce({col}, 0.0), 0.98), 0.02)"
    return f"ln({c} / (1 - {c}))"


#: The feature set. Raw columns referenced here are produced by sql/resolve/06_clusters.sql.
FEATURES: tuple[Feature, ...] = (
    Feature("support_logit", _logit_sql("support"), +1,
            doc="logit of noisy-OR over distinct sources of match x reliability"),
    Feature("match_logit", _logit_sql("match_max"), +1,
            doc="logit of the best identity match probability among supporting records"),
    Feature("reliability", "coalesce(rel_max, 0.0)", +1, doc="best source reliability"),
    Feature("n_sources_log", "ln(1 + coalesce(n_sources, 0))", +1,
            doc="log(1 + distinct independent sources)"),
    # No independent evidence counts as the oldest (10 years), so adding evidence can never make
    # a contact look older than having none: confidence stays monotone in has_support.
    Feature("age", "CASE WHEN has_support THEN least(greatest(coalesce(age_years, 10), 0), 10) ELSE 10 END",
            -1, doc="years since the latest independent evidence (capped at 10; 10 when none)"),
    Feature("age_sqrt", "CASE WHEN has_support THEN sqrt(least(greatest(coalesce(age_years, 10), 0), 10)) ELSE sqrt(10) END",
            -1, doc="sqrt of the same: recency matters most in the first months"),
    Feature("report_lag", "least(greatest(coalesce(report_lag_years, 0), 0), 5)", -1,
            doc="years a self-dating source (vendor candidate last-seen) lags its own report date"
                " (the freshest such source; 0 when none dates it)"),
    Feature("on_file", "CAST(coalesce(on_file, false) AS DOUBLE)", +1,
            doc="the account file carries this contact"),
    Feature("no_support", "CAST(NOT coalesce(has_support, false) AS DOUBLE)", -1,
            doc="no source other than the account file carries it"),
    Feature("valid", "CAST(coalesce(valid, false) AS DOUBLE)", +1,
            doc="address standardized with quality ok / phone valid"),
    Feature("vendor_rank1", "CAST(coalesce(vendor_rank1, false) AS DOUBLE)", +1,
            doc="a vendor returned it as its first candidate"),
    Feature("superseded", "CAST(coalesce(superseded, false) AS DOUBLE)", -1, ("address",),
            doc="a reliable source reports a newer address for the account"),
    Feature("succeeded", "CAST(coalesce(succeeded, false) AS DOUBLE)", -1, ("address",),
            doc="another reliably reported address began later and is about as current"),
    Feature("newer_gap", "least(coalesce(newer_gap_years, 0), 5)", -1, ("address",),
            doc="years by which the newest other address is newer (capped at 5)"),
    Feature("moved_from", "CAST(coalesce(moved_from, false) AS DOUBLE)", -1, ("address",),
            doc="NCOA move away from this address applies to the debtor"),
    Feature("ncoa_no_forward", "CAST(coalesce(ncoa_no_forward, false) AS DOUBLE)", -1, ("address",),
            doc="NCOA 01/02/03: moved abroad, left no address, box closed"),
    Feature("ncoa_forward", "CAST(coalesce(ncoa_forward, false) AS DOUBLE)", +1, ("address",),
            doc="supported by an NCOA forwarding address that applies to the debtor"),
    Feature("shared_third_party", "CAST(coalesce(shared_third_party, false) AS DOUBLE)", -1,
            doc="the same value is also a relative's / associate's contact"),
    # Every competitor counts up to the most the fitted data had (COMPETITORS_FITTED_MAX);
    # beyond it only the rivals, the competitors at least as well supported. Unbounded, the
    # count drove the number a vendor ranked first to 0.0096 on a debtor traced by 300 records
    # with 300 numbers (audit); on every row of the fitted data the input is what it was.
    Feature("competitors_log",
            f"ln(1 + greatest(least(coalesce(competitors, 0), {COMPETITORS_FITTED_MAX}),"
            " coalesce(rivals, 0)))", -1,
            doc="log(1 + other supported candidates of this type for the account: all of them up to"
                f" {COMPETITORS_FITTED_MAX}, the most the fitted data had, beyond it those at least"
                " as well supported as this one)"),
    Feature("latest_sources_log", "ln(1 + coalesce(latest_sources, 0))", +1, ("address",),
            doc="log(1 + independent sources reporting it as of the account's newest evidence date)"),
    Feature("latest_contested", "CAST(coalesce(latest_contested, false) AS DOUBLE)", -1, ("address",),
            doc="another contact point of the account is reported on that newest date too"),
    Feature("single_record", "CAST(coalesce(has_support, false) AND coalesce(n_records, 0) <= 1 AS DOUBLE)",
            -1, ("address",), doc="one record is all the independent evidence (a typo or a misattribution"
                                  " has nothing to agree with it)"),
    Feature("recent_share", "coalesce(recent_share, 0.0)", +1, ("address",),
            doc="share of the account's address records of the year up to its newest report that"
                " report this address"),
    Feature("behind", "CASE WHEN has_support THEN least(greatest(coalesce(behind_years, 5), 0), 5) ELSE 5 END",
            -1, ("address",), doc="years its last report trails the account's newest address report"
                                  " (capped at 5; 5 when no source reports it)"),
    Feature("rival_close", "CAST(coalesce(rival_close, false) AS DOUBLE)", -1, ("address",),
            doc="another address with at least as many records was last reported up to a year before it (or the same day)"),
    # Computed and stored (factors.x) but fitted for no contact type: it separates on
    # pseudopeople (+1.8 points of recall at >= 0.9 left-one-seed-out) but takes weight off
    # `succeeded`, which turned a right rank-1 move of the demo into rank 2 (docs/confidence.md).
    Feature("recent_points_log", "ln(1 + coalesce(recent_points, 0))", -1, (),
            doc="log(1 + addresses the account was reported at in the two years up to its newest"
                " report): a mover's address is less certain than a stayer's (not fitted)"),
    Feature("vendor_only", "CAST(coalesce(vendor_only, false) AS DOUBLE)", -1, ("address",),
            doc="only a vendor's candidate list asserts it; no record of the person does"),
    Feature("mobile", "CAST(line_type = 'mobile' AS DOUBLE)", 0, ("phone",)),
    Feature("landline", "CAST(line_type = 'landline' AS DOUBLE)", 0, ("phone",)),
    Feature("voip", "CAST(line_type = 'voip' AS DOUBLE)", 0, ("phone",)),
    Feature("prepaid", "CAST(coalesce(prepaid, false) AS DOUBLE)", 0, ("phone",)),
)  # fmt: skip

FEATURE_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}

#: Raw factor columns the feature SQL reads (documented for callers of `score_rows`).
RAW_FACTORS: tuple[str, ...] = (
    "contact_type", "support", "match_max", "rel_max", "n_sources", "age_years",
    "report_lag_years", "has_support",
    "on_file", "valid", "vendor_rank1", "superseded", "succeeded", "newer_gap_years", "moved_from",
    "ncoa_no_forward", "ncoa_forward", "shared_third_party", "competitors", "rivals", "line_type",
    "prepaid",
    "latest_sources", "n_records", "latest_contested",
    "recent_share", "behind_years", "rival_close", "recent_points", "vendor_only",
)  # fmt: skip


def features_for(contact_type: str) -> list[Feature]:
    return [f for f in FEATURES if contact_type in f.types]


@dataclass
class TypeModel:
    """Logistic regression for one contact type plus an optional monotone re-mapping of z."""

    intercept: float
    coef: dict[str, float]
    #: None (plain sigmoid) or {"type": "isotonic", "x": [z...], "y": [p...]} (piecewise linear)
    calibration: dict[str, Any] | None = None

    def z(self, x: Mapping[str, float]) -> float:
        return self.intercept + sum(c * float(x.get(k, 0.0)) for k, c in self.coef.items())

    def p_of_z(self, z: float) -> float:
        cal = self.calibration
        if cal and cal.get("type") == "isotonic":
            p = _interp(z, cal["x"], cal["y"])
        else:
            p = 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))
        return min(max(p, P_MIN), P_MAX)

    def predict(self, x: Mapping[str, float]) -> float:
        return self.p_of_z(self.z(x))


@dataclass
class ConfidenceModel:
    """All per-type models plus provenance (what it was fitted on, and how well)."""

    version: str
    models: dict[str, TypeModel]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "meta": self.meta,
            "features": {
                f.name: {"sign": f.sign, "types": list(f.types), "doc": f.doc} for f in FEATURES
            },
            "models": {
                t: {"intercept": m.intercept, "coef": m.coef, "calibration": m.calibration}
                for t, m in self.models.items()
            },
        }

    def save(self, path: str | Path) -> Path:
        from skiptrace.atomic import atomic_write_text

        return atomic_write_text(Path(path), json.dumps(self.to_json(), indent=1) + "\n")

    # --- SQL --------------------------------------------------------------------------------

    def z_sql(self) -> str:
        """CASE over contact_type giving the linear predictor from the x_<feature> columns."""
        whens = []
        for t, m in self.models.items():
            terms = [_num(m.intercept)]
            terms += [f"{_num(c)} * x_{k}" for k, c in m.coef.items() if c != 0.0]
            whens.append(f"WHEN '{t}' THEN {' + '.join(terms)}")
        return f"(CASE contact_type {' '.join(whens)} ELSE 0.0 END)"

    def p_sql(self, z: str = "z") -> str:
        """CASE over contact_type mapping the linear predictor `z` to a probability."""
        whens = []
        for t, m in self.models.items():
            cal = m.calibration
            if cal and cal.get("type") == "isotonic":
                expr = _interp_sql(z, cal["x"], cal["y"])
            else:
                expr = f"1.0 / (1.0 + exp(-greatest(least({z}, 40.0), -40.0)))"
            whens.append(f"WHEN '{t}' THEN {expr}")
        return (
            f"greatest(least((CASE contact_type {' '.join(whens)} ELSE 0.5 END), {P_MAX}), {P_MIN})"
        )


def feature_columns_sql() -> str:
    """`<sql> AS x_<name>` for every feature (all types: unused ones get coefficient 0)."""
    return ",\n       ".join(f"CAST({f.sql} AS DOUBLE) AS x_{f.name}" for f in FEATURES)


def feature_json_sql() -> str:
    """A struct of the x_ columns: how runs before migration 072 stored the model inputs
    (as contact_points.factors.x); kept for the frozen references of the equality tests."""
    parts = ", ".join(f'"{f.name}" := round(x_{f.name}, 6)' for f in FEATURES)
    return f"struct_pack({parts})"


def feature_names() -> list[str]:
    """The feature names in the order of `feature_list_sql`: stored once per run in
    run_model_inputs.names, so a refit finds each input by name whatever the order."""
    return [f.name for f in FEATURES]


def feature_list_sql() -> str:
    """The x_ columns as one typed DOUBLE list, stored as contact_points.model_inputs for
    refitting (09_write.sql): the names live once per run, not as JSON keys on every row."""
    return "[" + ", ".join(f"round(x_{f.name}, 6)" for f in FEATURES) + "]"


def _num(v: float) -> str:
    """A float literal DuckDB reads exactly (repr round-trips; never scientific-notation issues)."""
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"non-finite coefficient {v}")
    return f"CAST({v!r} AS DOUBLE)"


def _interp(z: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    if z <= xs[0]:
        return float(ys[0])
    for i in range(1, len(xs)):
        if z <= xs[i]:
            x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
            return float(y0 + (z - x0) * (y1 - y0) / (x1 - x0)) if x1 > x0 else float(y1)
    return float(ys[-1])


def _interp_sql(z: str, xs: Sequence[float], ys: Sequence[float]) -> str:
    """Piecewise-linear interpolation as a CASE (knots are few: tens, not thousands)."""
    if len(xs) != len(ys) or not xs:
        raise ValueError("isotonic calibration needs equal, non-empty x and y")
    parts = [f"WHEN {z} <= {_num(xs[0])} THEN {_num(ys[0])}"]
    for i in range(1, len(xs)):
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        if x1 <= x0:
            continue
        slope = (y1 - y0) / (x1 - x0)
        parts.append(f"WHEN {z} <= {_num(x1)} THEN {_num(y0)} + ({z} - {_num(x0)}) * {_num(slope)}")
    return f"(CASE {' '.join(parts)} ELSE {_num(ys[-1])} END)"


def model_from_json(data: Mapping[str, Any]) -> ConfidenceModel:
    models = {}
    for t, m in data["models"].items():
        unknown = set(m.get("coef", {})) - set(FEATURE_BY_NAME)
        if unknown:
            raise ValueError(f"confidence model for {t}: unknown features {sorted(unknown)}")
        models[t] = TypeModel(
            intercept=float(m["intercept"]),
            coef={k: float(v) for k, v in m.get("coef", {}).items()},
            calibration=m.get("calibration"),
        )
    return ConfidenceModel(
        version=str(data["version"]), models=models, meta=dict(data.get("meta", {}))
    )


@cache
def _load_cached(path: str, mtime: float) -> ConfidenceModel:
    return model_from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def load_model(path: str | Path | None = None) -> ConfidenceModel:
    """The shipped model (or another JSON file, e.g. one just fitted)."""
    p = Path(path) if path else DEFAULT_MODEL_PATH
    return _load_cached(str(p.resolve()), p.stat().st_mtime)


def score_rows(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[Mapping[str, Any]],
    model: ConfidenceModel | None = None,
) -> list[float]:
    """Score raw factor dicts through the *same SQL* resolve uses (tests, what-if analysis).

    Missing factors default to NULL, which every feature treats as "no evidence".
    """
    model = model or load_model()
    types = {
        "contact_type": "VARCHAR", "line_type": "VARCHAR", "has_support": "BOOLEAN",
        "on_file": "BOOLEAN", "valid": "BOOLEAN", "vendor_rank1": "BOOLEAN",
        "superseded": "BOOLEAN", "succeeded": "BOOLEAN", "moved_from": "BOOLEAN",
        "ncoa_no_forward": "BOOLEAN",
        "ncoa_forward": "BOOLEAN", "shared_third_party": "BOOLEAN", "prepaid": "BOOLEAN",
        "latest_contested": "BOOLEAN", "rival_close": "BOOLEAN", "vendor_only": "BOOLEAN",
    }  # fmt: skip
    if not rows:
        return []
    cols = ", ".join(f"unnest(?::{types.get(c, 'DOUBLE')}[]) AS {c}" for c in RAW_FACTORS)
    q = (
        f"WITH raw AS (SELECT unnest(?::INTEGER[]) AS i, {cols}),"
        f" feat AS (SELECT i, contact_type, {feature_columns_sql()} FROM raw),"
        f" zz AS (SELECT i, contact_type, {model.z_sql()} AS z FROM feat)"
        f" SELECT i, {model.p_sql('z')} FROM zz ORDER BY i"
    )
    params = [list(range(len(rows)))] + [[r.get(c) for r in rows] for c in RAW_FACTORS]
    return [float(p) for _, p in con.execute(q, params).fetchall()]


def noisy_or(probs: Sequence[float]) -> float:
    """P(at least one of several independent pieces of evidence is right)."""
    q = 1.0
    for p in probs:
        q *= 1.0 - min(max(float(p), 0.0), 1.0)
    return 1.0 - q
