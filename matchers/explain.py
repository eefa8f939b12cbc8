"""Pair explanations: the Fellegi-Sunter score of one pair as a waterfall an auditor can follow.

Why a waterfall: a match probability alone cannot be challenged. Starting from the prior (how
likely two random records are the same person) and adding one comparison's log2 Bayes factor at
a time shows which fields carried the decision, by how much, and where a guard overrode it.
The partial weights add up exactly to the final weight by construction (the prior is the first
step), and the running probability after the last step is the final probability.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.matchers.compare import BY_NAME, COMPARISONS, first_row


def probability_of(weight: float) -> float:
    """Probability from log2 odds (stable for large |weight|)."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0 ** (-weight))
    z = 2.0**weight
    return z / (1.0 + z)


@dataclass(frozen=True)
class ExplanationStep:
    """One bar of the waterfall: a comparison's level and what it added to the weight."""

    comparison: str
    level: int
    label: str
    m: float | None
    u: float | None
    level_weight: float  # log2(m/u) of the level (0 for 'no data')
    tf_adjustment: float  # term-frequency adjustment on an exact name match (else 0)
    partial_weight: float  # level_weight + tf_adjustment
    cumulative_weight: float  # prior weight + all partial weights so far
    running_probability: float


@dataclass
class PairExplanation:
    """Everything needed to re-derive one pair's score and role from a run's stored parameters."""

    run_id: str
    account_id: str
    rec_id: int
    prior_probability: float  # P(two random records match), the run's prior
    prior_weight: float  # log2 prior odds
    steps: list[ExplanationStep]
    final_weight: float
    final_probability: float
    threshold: float
    role: str | None  # role stored in match_pairs; None if the pair was not stored
    guard: str | None  # guard that fired (stored, or evaluated now for an unstored pair)
    guard_description: str | None = None
    # 'kept' | 'same_person' | 'outscored' | 'tie' when the record had rivals ('same_person':
    # also the debtor record of another account of this identity, link._assign_roles)
    conflict: str | None = None
    stored: bool = True  # False: pair below the review floor / not a candidate, recomputed now
    notes: list[str] = field(default_factory=list)

    @property
    def partial_weights(self) -> dict[str, float]:
        """Partial weight per comparison (prior excluded)."""
        return {s.comparison: s.partial_weight for s in self.steps}

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready) for APIs, exports and Prefect artifacts (no PII inside)."""
        return asdict(self)

    def to_text(self) -> str:
        """A fixed-width waterfall for terminals and review notes."""
        lines = [
            f"pair account={self.account_id} rec_id={self.rec_id} run={self.run_id}",
            f"{'step':<16}{'level':>6}  {'label':<52}{'weight':>9}{'total':>9}{'P(match)':>11}",
            f"{'prior':<16}{'':>6}  {'P(two random records match)':<52}"
            f"{self.prior_weight:>9.2f}{self.prior_weight:>9.2f}"
            f"{probability_of(self.prior_weight):>11.6f}",
        ]
        for s in self.steps:
            label = s.label + (f" (tf {s.tf_adjustment:+.2f})" if s.tf_adjustment else "")
            lines.append(
                f"{s.comparison:<16}{s.level:>6}  {label[:52]:<52}{s.partial_weight:>9.2f}"
                f"{s.cumulative_weight:>9.2f}{s.running_probability:>11.6f}"
            )
        verdict = self.role or ("not stored" if not self.stored else "?")
        lines.append(
            f"final weight {self.final_weight:.3f}  probability {self.final_probability:.6f}  "
            f"threshold {self.threshold}  role {verdict}"
            + (f"  guard {self.guard}" if self.guard else "")
            + (f"  conflict {self.conflict}" if self.conflict else "")
        )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def build_steps(
    levels: Mapping[str, int],
    partial_weights: Mapping[str, float],
    params: Mapping[tuple[str, int], tuple[float | None, float | None, float, str]],
    prior_weight: float,
) -> list[ExplanationStep]:
    """Waterfall steps in COMPARISONS order.

    params maps (comparison, level) -> (m, u, level weight, label) as stored in match_params.
    The tf adjustment is what the stored partial weight holds beyond the level weight.
    """
    steps: list[ExplanationStep] = []
    cumulative = prior_weight
    for comp in COMPARISONS:
        level = int(levels.get(comp.name, 0))
        m, u, level_weight, label = params.get(
            (comp.name, level), (None, None, 0.0, comp.labels.get(level, "?"))
        )
        partial = float(partial_weights.get(comp.name, level_weight))
        tf = partial - level_weight if level != 0 else 0.0
        if abs(tf) < 1e-12:
            tf = 0.0
        cumulative += partial
        steps.append(
            ExplanationStep(
                comparison=comp.name,
                level=level,
                label=label,
                m=m,
                u=u,
                level_weight=level_weight,
                tf_adjustment=tf,
                partial_weight=partial,
                cumulative_weight=cumulative,
                running_probability=probability_of(cumulative),
            )
        )
    return steps


def final_weight(prior_weight: float, steps: Sequence[ExplanationStep]) -> float:
    """Exact sum (fsum) of the prior and every partial weight."""
    return math.fsum([prior_weight, *(s.partial_weight for s in steps)])


def comparison_description(name: str) -> str:
    """What a comparison looks at, for tooltips and reports."""
    return BY_NAME[name].description


def _json_obj(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(json.loads(value)) if isinstance(value, str) else dict(value)


def stored_fields(value: Any) -> dict[str, Any]:
    """A stored pair's levels or weights (a struct since migration 100, JSON before) without
    the comparisons it has no value for: a row converted from JSON that lacked a key has the
    field NULL, and is explained as before, when the key was simply absent."""
    return {k: v for k, v in _json_obj(value).items() if v is not None}


@dataclass(frozen=True)
class RunParams:
    """What every waterfall of one run needs: its FS parameters, level table and threshold.

    Constant for a run, so a caller explaining many pairs (explain, the review workbench) loads
    it once instead of three queries per pair.
    """

    run_id: str
    params: Any  # fellegi_sunter.FSParams
    table: dict[tuple[str, int], tuple[float | None, float | None, float, str]]
    threshold: float


def load_run_params(con: duckdb.DuckDBPyConnection, run_id: str) -> RunParams:
    """The run's stored parameters; LookupError / ValueError as fellegi_sunter.load_params."""
    from skiptrace.matchers import fellegi_sunter

    params = fellegi_sunter.load_params(con, run_id)
    model = first_row(
        con.execute(
            "SELECT threshold FROM match_model WHERE run_id = ? LIMIT 1", [run_id]
        ).fetchall()
    )
    table = {
        (c, int(lv)): (m, u, float(w), label)
        for c, lv, label, m, u, w in con.execute(
            "SELECT comparison, level, label, m, u, weight FROM match_params WHERE run_id = ?",
            [run_id],
        ).fetchall()
    }
    return RunParams(run_id, params, table, float(model[0]) if model else float("nan"))


@dataclass
class _AccountBatch:
    """One account's stored pairs and conflicts, read with one query each (see `account_batch`)."""

    con: duckdb.DuckDBPyConnection
    run_id: str
    account_id: str
    run_params: RunParams | None
    error: Exception | None
    stored: dict[int, tuple[Any, ...]]
    conflicts: dict[int, str]


_BATCH: ContextVar[_AccountBatch | None] = ContextVar("explain_account_batch", default=None)


@contextmanager
def account_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    account_id: str,
    run_params: RunParams | None = None,
    pairs: Sequence[Mapping[str, Any]] | None = None,
) -> Iterator[None]:
    """Within the block, `explain_pair` for this run and account reads prefetched data.

    Why: explaining an account's ten or twenty pairs one by one costs five queries each, most
    of them full scans of match_pairs; here the run's parameters (or `run_params`, cached by
    the caller), the account's stored pairs and its conflicts are read once. The explanations
    are the same: a pair not in the prefetched rows is still recomputed as outside a batch,
    and a run whose parameters cannot be loaded raises the same error for every pair.
    `pairs`: the account's match_pairs rows (rec_id, levels, weights, role, guard) when the
    caller has read them already.
    """
    error: Exception | None = None
    if run_params is None or run_params.run_id != run_id:
        try:
            run_params = load_run_params(con, run_id)
        except (LookupError, ValueError) as exc:
            run_params, error = None, exc
    if pairs is None:
        pairs = sql.rows(con, "audit/explain_batch_pairs.sql", run_id=run_id, account_id=account_id)
    stored: dict[int, tuple[Any, ...]] = {}
    for p in pairs:  # first row per record, as LIMIT 1 outside a batch
        stored.setdefault(int(p["rec_id"]), (p["levels"], p["weights"], p["role"], p["guard"]))
    conflicts: dict[int, str] = {}
    for c in sql.rows(
        con, "audit/explain_batch_conflicts.sql", run_id=run_id, account_id=account_id
    ):
        conflicts.setdefault(int(c["rec_id"]), c["outcome"])
    token = _BATCH.set(_AccountBatch(con, run_id, account_id, run_params, error, stored, conflicts))
    try:
        yield
    finally:
        _BATCH.reset(token)


def guard_note(guard: str, role: str | None) -> str:
    """What a guard that fired on a pair means for its role, true whatever the role is now.

    A guard keeps the matcher from linking the pair as the debtor on its own; a reviewer's
    approval links it anyway (matchers/review_decisions.py), and the pair keeps the guard's
    name. Saying "can never be debtor" above the approval contradicted the role shown.
    """
    if role == "debtor":
        return (
            f"guard {guard} held this pair (the matcher never links it on its own); linked as "
            "the debtor by a review decision"
        )
    shown = f" (role {role})" if role else ""
    return f"guard {guard}: the matcher never links this pair as the debtor on its own{shown}"


def explain_pair(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    account_id: str,
    rec_id: int,
    *,
    run_params: RunParams | None = None,
) -> PairExplanation:
    """Waterfall of one (account, record) pair under the parameters run `run_id` stored.

    A stored pair (match_pairs) is explained from its stored levels and partial weights, so the
    explanation is what the run decided even if the inputs changed since. A pair the run did
    not store (below the review floor, or never a candidate) is recomputed from the current
    acct_std/rec_std with the run's parameters, and says so in `notes`.
    Raises LookupError when the run has no parameters or the pair does not exist.
    `run_params` (load_run_params of this run) spares the parameter queries; inside
    `account_batch` the pair's stored row and conflict come from the batch too.
    """
    from skiptrace.matchers import compare, fellegi_sunter
    from skiptrace.matchers.guards import BY_NAME as GUARDS_BY_NAME
    from skiptrace.matchers.guards import evaluate

    batch = _BATCH.get()
    if batch is not None and not (
        batch.con is con and batch.run_id == run_id and batch.account_id == account_id
    ):
        batch = None
    if batch is not None:
        if batch.error is not None:
            raise batch.error
        run_params = batch.run_params
    if run_params is None or run_params.run_id != run_id:
        run_params = load_run_params(con, run_id)
    params, table, threshold = run_params.params, run_params.table, run_params.threshold
    prior_weight = params.prior_weight
    if batch is not None and int(rec_id) in batch.stored:
        row: tuple[Any, ...] | None = batch.stored[int(rec_id)]
    else:
        row = first_row(
            con.execute(
                "SELECT levels, weights, role, guard FROM match_pairs "
                "WHERE run_id = ? AND account_id = ? AND rec_id = ? LIMIT 1",
                [run_id, account_id, int(rec_id)],
            ).fetchall()
        )
    notes: list[str] = []
    if row is not None:
        levels = {k: int(v) for k, v in stored_fields(row[0]).items()}
        weights = {k: float(v) for k, v in stored_fields(row[1]).items()}
        role, guard, stored = row[2], row[3], True
    else:
        stored, role = False, None
        settings = first_row(
            con.execute(
                "SELECT settings FROM match_run WHERE run_id = ? LIMIT 1", [run_id]
            ).fetchall()
        )
        run_settings = _json_obj(settings[0]) if settings else {}
        # the run's placeholder limits (SSNs, contacts): the sides as the run saw them
        compare.prepare_sides(
            con,
            ssn_placeholder_accounts=run_settings.get("ssn_placeholder_accounts"),
            contact_placeholder_debtors=run_settings.get("contact_placeholder_debtors"),
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _explain_pair AS SELECT ?::VARCHAR AS account_id, "
            "?::BIGINT AS rec_id",
            [account_id, int(rec_id)],
        )
        if compare.compare_pairs(con, "SELECT * FROM _explain_pair") == 0:
            raise LookupError(f"no account {account_id!r} / record {rec_id} to compare")
        cmp = first_row(con.execute("SELECT * FROM _match_cmp").fetchall())
        cols = [d[0] for d in con.description or []]
        rec = dict(zip(cols, cmp or (), strict=True))
        names = [c.name for c in COMPARISONS]
        lv = [[int(rec[n]) for n in names]]
        tf = [
            (k, c.tf_level, [rec[c.tf_column] if rec[c.tf_column] is not None else float("nan")])
            for k, c in enumerate(COMPARISONS)
            if c.tf_column and c.tf_level is not None
        ]
        partial, _, _ = fellegi_sunter.score(lv, params, tf)
        levels = dict(zip(names, lv[0], strict=True))
        weights = {n: float(partial[0, k]) for k, n in enumerate(names)}
        enabled = run_settings.get("guards")
        guard = evaluate(
            levels,
            tuple(enabled) if enabled is not None else None,
            echoed=bool(rec.get("echoed")),
            same_unit=bool(rec.get("same_unit", True)),
        )
        notes.append(
            "pair not stored by the run (below the review floor or not a blocking candidate); "
            "recomputed from the current standardized tables with the run's parameters"
        )
        for t in ("_explain_pair", "_match_pairs_in", "_match_cmp"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    steps = build_steps(levels, weights, table, prior_weight)
    total = final_weight(prior_weight, steps)
    if batch is not None:
        found = batch.conflicts.get(int(rec_id))
        conflict = (found,) if found is not None else None
    else:
        conflict = first_row(
            con.execute(
                "SELECT outcome FROM match_conflicts WHERE run_id = ? AND account_id = ? "
                "AND rec_id = ? LIMIT 1",
                [run_id, account_id, int(rec_id)],
            ).fetchall()
        )
    if guard:
        notes.append(guard_note(guard, role))
    return PairExplanation(
        run_id=run_id,
        account_id=account_id,
        rec_id=int(rec_id),
        prior_probability=params.prior,
        prior_weight=prior_weight,
        steps=steps,
        final_weight=total,
        final_probability=probability_of(total),
        threshold=threshold,
        role=role,
        guard=guard,
        guard_description=GUARDS_BY_NAME[guard].description if guard in GUARDS_BY_NAME else None,
        conflict=conflict[0] if conflict else None,
        stored=stored,
        notes=notes,
    )
