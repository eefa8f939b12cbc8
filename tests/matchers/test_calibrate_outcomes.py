"""Calibration labels from collectors' outcomes (`skiptrace calibrate --outcomes`).

A hand-made database: two completed runs (as_of 2026-11-01 and 2026-11-10) and a failed one,
contact points with their stored model inputs, and outcomes before, on, inside and after each
run's window. Which point gets which label is checked exactly, then the ECE on a case worked
by hand and the exported file; the command end to end: tests/flows/cli/test_calibrate_cli.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest

from skiptrace import errors, sql
from skiptrace.matchers.calibrate import LABELED_COLUMNS, read_labeled
from skiptrace.matchers.calibrate_outcomes import (
    export_labels,
    outcome_labels,
    outcome_report,
    outcome_window,
    runs_since,
)
from skiptrace.matchers.confidence import FEATURES

D = dt.date
NAMES = [f.name for f in FEATURES]
XCOLS = [f"x_{n}" for n in NAMES]

# (run, account, type, key, rank, confidence, role, status)
POINTS = [
    ("R1", "A1", "phone", "+15550000001", 1, 0.85, "debtor", "confirmed"),
    ("R1", "A1", "phone", "+15550000002", 2, 0.45, "debtor", "new"),
    ("R1", "A1", "phone", "+15550000003", 3, 0.30, "debtor", "new"),
    ("R1", "A2", "address", "1 MAIN ST|30161", 1, 0.85, "debtor", "confirmed"),
    ("R1", "A2", "address", "2 OAK ST|30161", 2, 0.40, "debtor", "new"),
    ("R1", "A3", "phone", "+15550000004", 1, 0.70, "debtor", "confirmed"),
    ("R1", "A3", "phone", "+15550000005", 2, 0.60, "debtor", "suppressed"),
    ("R1", "A4", "phone", "+15550000006", 1, 0.45, "debtor", "new"),
    ("R1", "A4", "phone", "+15550000007", 2, 0.20, "debtor", "new"),
    ("R1", "A5", "email", "ann@example.com", 1, 0.50, "debtor", "new"),
    ("R1", "A6", "phone", "+15550000008", 1, 0.50, "third_party", "new"),
    ("R1", "A7", "address", "9 ELM ST|30161", 1, 0.45, "debtor", "new"),
    ("R1", "A8", "phone", "+15550000009", 1, 0.85, "debtor", "new"),
    ("R2", "A4", "phone", "+15550000007", 1, 0.65, "debtor", "new"),
]

# (account, type, key, outcome, date, load order)
OUTCOMES = [
    ("A1", "phone", "+15550000001", "right_party", D(2026, 10, 20), 1),  # read by R1 (earlier)
    ("A1", "phone", "+15550000001", "right_party", D(2026, 11, 2), 1),
    ("A1", "phone", "+15550000001", "wrong_number", D(2026, 11, 5), 1),  # later: not the first
    ("A1", "phone", "+15550000002", "wrong_number", D(2026, 11, 3), 1),
    ("A1", "phone", "+15550000003", "no_answer", D(2026, 11, 3), 1),  # says nothing
    ("A1", None, None, "cease_and_desist", D(2026, 11, 3), 1),  # an account fact
    ("A2", "address", "1 MAIN ST|30161", "returned_mail", D(2026, 11, 4), 1),
    (
        "A2",
        "address",
        "2 OAK ST|30161",
        "wrong_number",
        D(2026, 11, 4),
        1,
    ),  # not an address verdict
    ("A3", "phone", "+15550000004", "right_party", D(2026, 10, 30), 1),  # before the run
    ("A3", "phone", "+15550000004", "wrong_number", D(2026, 11, 1), 1),  # on as_of: the run read it
    ("A3", "phone", "+15550000005", "right_party", D(2026, 11, 2), 1),  # suppressed point
    ("A4", "phone", "+15550000006", "disconnected", D(2026, 11, 10), 1),  # on the next run's as_of
    ("A4", "phone", "+15550000007", "right_party", D(2026, 11, 11), 1),  # after it: R2's
    ("A5", "email", "ann@example.com", "right_party", D(2026, 11, 2), 1),  # emails: no labels
    ("A6", "phone", "+15550000008", "right_party", D(2026, 11, 2), 1),  # not the debtor's
    ("A7", "address", "9 ELM ST|30161", "moved", D(2026, 11, 6), 1),
    ("A8", "phone", "+15550000009", "wrong_number", D(2026, 11, 7), 2),  # same day, loaded later
    ("A8", "phone", "+15550000009", "right_party", D(2026, 11, 7), 1),
]

# The reasons resolve (08b_outcomes.sql) wrote for the verdicts the run read (dated up to as_of)
READ_BY_RESOLVE = {
    ("R1", "A1", "+15550000001"): "collector outcome right party on 2026-10-20; on file",
    ("R1", "A3", "+15550000004"): "collector outcome wrong number on 2026-11-01; on file",
}

# R1's labels: (account, type, rank, confidence, outcome, correct)
R1_LABELS = [
    ("A1", "phone", 1, 0.85, "right_party", True),
    ("A1", "phone", 2, 0.45, "wrong_number", False),
    ("A2", "address", 1, 0.85, "returned_mail", False),
    ("A4", "phone", 1, 0.45, "disconnected", False),
    ("A7", "address", 1, 0.45, "moved", False),
    ("A8", "phone", 1, 0.85, "right_party", True),
]


def _inputs(i: int) -> list[float]:
    """Point i's stored inputs: distinct per point and per position (order is checked)."""
    return [float(j) + i / 100 for j in range(len(NAMES))]


def build(con: duckdb.DuckDBPyConnection) -> None:
    for run, as_of, status in (("R0", D(2026, 10, 25), "failed"), ("R1", D(2026, 11, 1), "completed"),
                               ("R2", D(2026, 11, 10), "completed")):  # fmt: skip
        con.execute(
            "INSERT INTO runs (run_id, as_of, status) VALUES (?, ?, ?)", [run, as_of, status]
        )
        con.execute("INSERT INTO run_model_inputs VALUES (?, ?)", [run, NAMES])
    for i, (run, acct, t, key, rank, conf, role, status) in enumerate(POINTS):
        reasons = READ_BY_RESOLVE.get((run, acct, key))
        con.execute(
            "INSERT INTO contact_points (run_id, account_id, contact_type, contact_key, rank,"
            " role, confidence, status, phone, factors, model_inputs, reasons, resolved_reasons)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run, acct, t, key, rank, role, conf, status, key if t == "phone" else None,
             json.dumps({"model": f"m-{run}"}), _inputs(i), reasons, reasons],
        )  # fmt: skip
    for seq, (acct, kind, contact, outcome, day, load) in enumerate(OUTCOMES):
        con.execute(
            "INSERT INTO contact_outcomes (origin, origin_id, origin_seq, account_id,"
            " contact_type, contact, contact_key, outcome, outcome_date, loaded_at)"
            " VALUES ('dispositions', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f"d.csv:{seq + 2}", seq + 2, acct, kind, contact, contact, outcome, day,
             dt.datetime(2026, 11, 12, load)],
        )  # fmt: skip


def built_db(folder: Path, template: Path) -> Path:
    """A database file in `folder` holding `build`'s runs, points and outcomes, on a copy of
    the migrated `template` (conftest `migrated_template`)."""
    path = folder / "st.duckdb"
    shutil.copyfile(template, path)
    con = sql.connect(path)
    build(con)
    con.close()
    return path


def copied_db(built: Path, folder: Path) -> Path:
    """A private copy in `folder` of a database `built_db` made."""
    path = folder / "st.duckdb"
    shutil.copyfile(built, path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """`build`'s database, made once for the file (each test had migrated and built its own,
    0.3-0.4 s of setup each); every test gets a copy (`db`)."""
    return built_db(tmp_path_factory.mktemp("calibrate"), migrated_template)


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    return copied_db(built, tmp_path)


def _labels(db: Path, run: str) -> pl.DataFrame:
    con = sql.connect(db, read_only=True)
    try:
        return outcome_labels(con, outcome_window(con, run))
    finally:
        con.close()


def test_window_runs_from_as_of_to_the_next_completed_run(db: Path) -> None:
    con = sql.connect(db, read_only=True)
    w1, w2 = outcome_window(con, "R1"), outcome_window(con, "R2")
    assert (w1.as_of, w1.until, w1.model) == (D(2026, 11, 1), D(2026, 11, 10), "m-R1")
    assert (w2.as_of, w2.until) == (D(2026, 11, 10), None)
    with pytest.raises(errors.UsageError, match="'R9' not found"):
        outcome_window(con, "R9")
    with pytest.raises(errors.RunRefused, match="not completed"):
        outcome_window(con, "R0")
    con.close()


def test_runs_since_are_completed_and_one_per_as_of(db: Path) -> None:
    """A run re-done on the same as_of replaced the earlier list: only the later one is judged,
    so no verdict labels two runs."""
    con = sql.connect(db)
    assert runs_since(con, D(2026, 10, 1)) == ["R1", "R2"]  # R0 failed
    assert runs_since(con, D(2026, 11, 2)) == ["R2"]
    con.execute("INSERT INTO runs (run_id, as_of, status) VALUES ('R3', '2026-11-10', 'completed')")
    assert runs_since(con, D(2026, 11, 2)) == ["R3"]
    assert runs_since(con, D(2026, 12, 1)) == []
    con.close()


def test_each_point_gets_the_first_verdict_after_the_run(db: Path) -> None:
    """Right party 1; wrong number, disconnected, returned mail, moved 0; no answer, account
    facts, verdicts before or on as_of or after the window, the other type's vocabulary,
    emails, third parties and suppressed points: no label."""
    got = _labels(db, "R1")
    rows = got.select("account_id", "contact_type", "rank", "confidence", "outcome", "correct")
    assert rows.rows() == R1_LABELS
    # the run had read an earlier right party on A1's first phone (and a wrong number, on as_of,
    # on A3's, which gets no label)
    assert got.filter(pl.col("outcome_confirmed"))["account_id"].to_list() == ["A1"]
    # the later run takes what came after the first one's window, with any later date
    r2 = _labels(db, "R2")
    assert r2.select("account_id", "contact_key", "correct").rows() == [
        ("A4", "+15550000007", True)
    ]


def test_the_first_verdict_of_a_day_is_the_earliest_in_time_when_all_have_one(db: Path) -> None:
    """A8's same-day verdicts go by load without times (the right party, loaded first); with
    their times (the wrong number at 08:00, the right party at 17:00) the wrong number came
    first, as sql/outcomes/latest.sql orders them for resolve and suppress."""
    con = sql.connect(db)
    con.execute(
        "UPDATE contact_outcomes SET outcome_time = CASE outcome WHEN 'wrong_number'"
        " THEN TIME '08:00' ELSE TIME '17:00' END WHERE account_id = 'A8'"
    )
    con.close()
    a8 = _labels(db, "R1").filter(pl.col("account_id") == "A8")
    assert a8.select("outcome", "correct").rows() == [("wrong_number", False)]


def test_labels_carry_the_points_stored_inputs_in_feature_order(db: Path) -> None:
    got = _labels(db, "R1")
    a8 = got.filter(pl.col("account_id") == "A8").row(0, named=True)
    i = next(k for k, p in enumerate(POINTS) if p[1] == "A8")
    assert [a8[c] for c in XCOLS] == pytest.approx(_inputs(i))


def test_ece_against_outcomes_by_hand(db: Path) -> None:
    """Bin [0.8, 0.9): three at 0.85, two right: gap 0.85 - 2/3. Bin [0.4, 0.5): three at
    0.45, none right: gap 0.45. ECE = (3 * 0.18333 + 3 * 0.45) / 6 = 0.31667."""
    con = sql.connect(db, read_only=True)
    window = outcome_window(con, "R1")
    rep = outcome_report(outcome_labels(con, window), [window])
    con.close()
    assert rep.n == 6 and rep.ece == pytest.approx((0.85 - 2 / 3 + 0.45) / 2, abs=1e-5)
    assert [(r["lo"], r["n"], r["accuracy"]) for r in rep.reliability] == [
        (0.4, 3, 0.0),
        (0.8, 3, pytest.approx(2 / 3, abs=1e-4)),
    ]
    assert rep.by_type["phone"]["n"] == 4 and rep.by_type["address"]["n"] == 2
    # phones alone: two at 0.85 both right (gap 0.15), two at 0.45 both wrong (gap 0.45)
    assert rep.by_type["phone"]["ece"] == pytest.approx((2 * 0.15 + 2 * 0.45) / 4, abs=1e-4)
    assert "email" not in rep.by_type


def test_export_is_what_fit_labeled_reads_private_and_without_contacts(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    con = sql.connect(db, read_only=True)
    window = outcome_window(con, "R1")
    labeled = outcome_labels(con, window)
    con.close()
    path = tmp_path / "labels" / "outcomes_R1.parquet"
    export_labels(labeled, [window], path)
    for f in (path, path.with_suffix(".json")):
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
    frame = pl.read_parquet(path)
    assert frame.columns == [*LABELED_COLUMNS, *XCOLS, "rank", "confidence", "outcome",
                             "outcome_date", "run_id"]  # fmt: skip
    # A1's first phone is left out: an earlier right party, not its inputs, set its confidence
    assert frame.select("account_id", "contact_type", "rank", "correct").rows() == [
        (a, t, r, c) for a, t, r, _, _, c in R1_LABELS if (a, r) != ("A1", 1)
    ]
    assert b"+1555" not in path.read_bytes() and b"MAIN ST" not in path.read_bytes()
    read, info = read_labeled(path)  # what --fit --labeled takes
    assert read.height == 5 and info["name"] == "outcomes run R1" and info["until"] == "2026-11-10"
    assert info["left_out_earlier_right_party"] == 1


def test_a_right_party_loaded_after_the_run_does_not_leave_its_point_out(
    db: Path, tmp_path: Path
) -> None:
    """A right party dated before the run's as_of but loaded after the run: the run never read
    it, so its confidence is the model's and the export keeps it (only a right party resolve
    applied, whose reason the point carries, leaves a point out)."""
    con = sql.connect(db)
    con.execute(
        "INSERT INTO contact_outcomes (origin, origin_id, origin_seq, account_id, contact_type,"
        " contact, contact_key, outcome, outcome_date, loaded_at) VALUES ('dispositions',"
        " 'late.csv:2', 2, 'A8', 'phone', '+15550000009', '+15550000009', 'right_party',"
        " DATE '2026-10-28', TIMESTAMP '2026-11-12 05:00:00')"
    )
    window = outcome_window(con, "R1")
    labeled = outcome_labels(con, window)
    con.close()
    a8 = labeled.filter(pl.col("account_id") == "A8").row(0, named=True)
    assert a8["outcome"] == "right_party" and a8["outcome_confirmed"] is False
    path = tmp_path / "late.parquet"
    info = export_labels(labeled, [window], path)
    assert "A8" in pl.read_parquet(path)["account_id"].to_list()
    assert info["rows"] == 5 and info["left_out_earlier_right_party"] == 1  # A1's, applied
