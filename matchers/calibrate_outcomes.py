"""Calibration labels from what collectors report back (`skiptrace calibrate --outcomes`).

A run's confidence claims the probability that a contact reaches the account holder. Collectors'
outcomes (`contact_outcomes`) say, for the contacts they tried, whether it did: a right-party
contact is a yes; a wrong number or a disconnected phone, a returned or moved-away letter is a
no (sql/calibrate/outcome_labels.sql has the rule and why emails get none). This module turns
them into a labeled contact frame, the same frame a generator's truth gives
(`matchers.calibrate.contact_frame` plus `correct`), so the same measures apply
(`report_from_labeled`) and the same refit takes it (`skiptrace calibrate --fit --labeled`).

Which verdicts judge a run: the first one recorded on the account's contact after the run's
as_of, up to the next completed run's as_of (any later date when there is none). Before it,
the run had read the verdict; after the next run, collectors worked from the next list. Nightly
runs make that a day: `runs_since` gives every completed run from a date, each judged by its
own window, so that one check (`--since`) pools them and no verdict labels two runs.

What the labels can say (docs/confidence.md, "Checking and refitting on collectors'
outcomes"): collectors try the top of each list first, so they are mostly rank-1 contacts and
describe calibration there; they are not a sample of the list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.atomic import atomic_path, atomic_write_text
from skiptrace.errors import RunRefused, UsageError
from skiptrace.matchers.calibrate import (
    LABELED_COLUMNS,
    MIN_LABELS,
    CalibrationReport,
    contact_frame,
    report_from_labeled,
)
from skiptrace.matchers.confidence import FEATURES

#: Columns of the exported file besides the x_<feature> columns: what `--fit --labeled` needs
#: (LABELED_COLUMNS), the run's rank and confidence, and the verdict. No contact value: a
#: phone's key is the number itself.
EXPORT_EXTRA: tuple[str, ...] = ("rank", "confidence", "outcome", "outcome_date", "run_id")


@dataclass(frozen=True)
class OutcomeWindow:
    """The run checked and the verdict dates that judge it: after `as_of`, up to `until`."""

    run_id: str
    as_of: dt.date
    until: dt.date | None
    model: str

    def describe(self) -> str:
        end = f"up to {self.until} (the next completed run)" if self.until else "any later date"
        return f"verdicts dated after {self.as_of}, {end}"


def outcome_window(con: duckdb.DuckDBPyConnection, run_id: str) -> OutcomeWindow:
    """The run's window; a usage error for an unknown run, refused for one not completed
    (its contacts were never exported, so no collector worked them)."""
    found = sql.rows(con, "calibrate/outcome_window.sql", run_id=run_id)
    if not found:
        raise UsageError(f"run {run_id!r} not found (--run)")
    row = found[0]
    if row["status"] != "completed":
        raise RunRefused(
            f"run {run_id!r} is {row['status']}, not completed: it exported no contacts for "
            "collectors to judge (--run)"
        )
    return OutcomeWindow(run_id, row["as_of"], row["until"], str(row["model"] or ""))


def runs_since(con: duckdb.DuckDBPyConnection, since: dt.date) -> list[str]:
    """Completed runs with an as_of on or after `since`, oldest first, one per as_of (the
    latest: its list replaced the others'), so that each verdict judges one run only."""
    found = sql.rows(con, "calibrate/runs_since.sql", since=since)
    return [str(r["run_id"]) for r in found]


def outcome_labels(con: duckdb.DuckDBPyConnection, window: OutcomeWindow) -> pl.DataFrame:
    """The run's emitted debtor contact points that collectors gave a verdict on in the window:
    `contact_frame`'s columns (x_<feature> included) with `correct`, `outcome`, `outcome_date`,
    `outcome_confirmed` (the run itself applied a right-party verdict to it) and `run_id`."""
    sql.run(con, "outcomes/vocabulary.sql")  # which verdicts are good, bad, of which type
    sql.run(con, "outcomes/latest.sql")  # contact_verdicts: the order of one day's verdicts
    labels = sql.query(
        con, "calibrate/outcome_labels.sql",
        run_id=window.run_id, as_of=window.as_of, until=window.until,
    )  # fmt: skip
    points = contact_frame(con, window.run_id)
    key = ["account_id", "contact_type", "contact_key"]
    return points.join(labels, on=key, how="inner", maintain_order="left").with_columns(
        pl.lit(window.run_id).alias("run_id")
    )


def describe(windows: Sequence[OutcomeWindow]) -> str:
    """The run (or runs) checked and the verdict dates that judge it."""
    if len(windows) == 1:
        return f"run {windows[0].run_id}: {windows[0].describe()}"
    first, last = windows[0], windows[-1]
    end = f"up to {last.until}" if last.until else "any later date for the last"
    return (
        f"{len(windows)} runs, {first.run_id} (as_of {first.as_of}) to {last.run_id} (as_of "
        f"{last.as_of}): each judged by the verdicts dated after its as_of, up to the next "
        f"run's; {end}"
    )


def label_summary(labeled: pl.DataFrame) -> str:
    """How many labels, per contact type, right party against not; says when they are few."""
    n = labeled.height
    if n == 0:
        return "no labels: no verdict on the emitted contacts in that window"
    parts = []
    for (t,), sub in labeled.group_by("contact_type", maintain_order=True):
        right = int(sub["correct"].sum())
        parts.append(f"{t} {sub.height} ({right} right party, {sub.height - right} not)")
    text = f"{n} labels: " + "; ".join(parts)
    ranks = labeled["rank"].cast(pl.Int64)
    text += f"; {int((ranks == 1).sum())} of them rank 1"
    if n < MIN_LABELS:
        text += f". Fewer than {MIN_LABELS}: too few for the ECE to mean much"
    return text


def _name(windows: Sequence[OutcomeWindow]) -> str:
    if len(windows) == 1:
        return windows[0].run_id
    return f"{windows[0].run_id}..{windows[-1].run_id} ({len(windows)} runs)"


def _models(windows: Sequence[OutcomeWindow]) -> str:
    return ", ".join(dict.fromkeys(w.model for w in windows))


def outcome_report(
    labeled: pl.DataFrame, windows: Sequence[OutcomeWindow], bins: int = 10
) -> CalibrationReport:
    """ECE and reliability table of the runs' confidence against collectors' verdicts."""
    return report_from_labeled(labeled, _name(windows), _models(windows), bins)


def export_frame(labeled: pl.DataFrame) -> pl.DataFrame:
    """The labels in the form `read_labeled` takes (`--fit --labeled`), without contact values,
    and without the points whose confidence the run set from a right party it had read (not
    from their inputs)."""
    xcols = [f"x_{f.name}" for f in FEATURES]
    fitted = labeled.filter(~pl.col("outcome_confirmed").fill_null(False))
    return fitted.with_columns(
        pl.col("account_id").cast(pl.String),
        pl.col("correct").cast(pl.Boolean),
        *[pl.col(c).cast(pl.Float64) for c in xcols],
    ).select(*LABELED_COLUMNS, *xcols, *EXPORT_EXTRA)


def export_labels(
    labeled: pl.DataFrame, windows: Sequence[OutcomeWindow], path: Path
) -> dict[str, Any]:
    """Write the labels to `path` (parquet) and their description beside it (`<name>.json`,
    which `read_labeled` and the fitted model's record take up); both atomically and private
    (mode 0600, or $SKIPTRACE_FILE_MODE): the file names accounts. Returns the description."""
    frame = export_frame(labeled)
    info: dict[str, Any] = {
        "name": f"outcomes {'run' if len(windows) == 1 else 'runs'} {_name(windows)}",
        "source": "collectors' outcomes (contact_outcomes)",
        "runs": [w.run_id for w in windows],
        "model": _models(windows),
        "as_of": windows[0].as_of.isoformat(),
        "until": windows[-1].until.isoformat() if windows[-1].until else None,
        "label_rule": "skiptrace.matchers.calibrate_outcomes (sql/calibrate/outcome_labels.sql)",
        "population": "emitted debtor contacts collectors gave a verdict on (mostly rank 1), "
        "but those the run already knew a right party on",
        "rows": frame.height,
        "left_out_earlier_right_party": labeled.height - frame.height,
        "by_type": {t: int(n) for t, n in frame.group_by("contact_type").len().iter_rows()},
    }
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)
    atomic_write_text(path.with_suffix(".json"), json.dumps(info, indent=1) + "\n")
    return info
