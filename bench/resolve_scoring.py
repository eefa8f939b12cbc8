"""Resolve's scoring part (06 clusters .. 09 write), a base commit's SQL against this checkout's,
statement by statement, alternating on the same temp tables of one process.

Why: the scoring part runs for every account every run (the evidence part is incremental), and
at 1M it is most of resolve. Two whole resolves minutes apart on a shared machine measure the
load more than the code, and `step_seconds` names files, not the statement inside a file that
costs. This script resolves one copy of a run database once (rs_* temp tables kept: the
evidence part's output is the input of both sides), then replays steps 06, 07, 08, 08b and 09
with the base commit's `sql/resolve` files (`git show`) and with this checkout's, alternately,
`--repeat` times, timing every statement, and writes each side to its own run id of the copy;
the contact_points and contact_support rows of the two run ids are then compared (EXCEPT ALL
both ways, every column but run_id).

    nice -n 10 .venv/bin/python bench/resolve_scoring.py --base eebc5a8 --repeat 2
    flock /tmp/skiptrace-heavy.lock nice -n 10 .venv/bin/python bench/resolve_scoring.py \
        --db bench/results/tmp/scale/run-300000x5-s7/skiptrace.duckdb --base eebc5a8

Prints the median wall and CPU seconds of each statement that took at least `--min-seconds` on
either side, each step's total, and the number of differing rows (exit status 1 when any differ).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
DEFAULT_DB = ROOT / "bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb"
STEPS = ("06_clusters", "07_score", "08_finalize", "08b_outcomes", "08c_withhold", "09_write")

from _resolved_copy import drop_copy, resolved_copy  # noqa: E402

#: wall and CPU seconds (time.process_time: this process, DuckDB's threads included). On a
#: shared machine the wall time counts the waits for a core another job holds; CPU time does not
Secs = tuple[float, float]


def base_sql(commit: str, name: str) -> str:
    """The text of sql/resolve/<name> at `commit`; empty if the file is newer than the commit
    (06_keys.sql was split out of 06_clusters.sql, which held its statements before)."""
    path = f"{commit}:sql/resolve/{name}"
    exists = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", path], capture_output=True)
    if exists.returncode != 0 and name == "06_keys.sql":
        return ""
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", path], check=True, capture_output=True, text=True
    ).stdout


def fill(text: str, **slots: str) -> str:
    """sql.render's slots for SQL text from another commit (render takes a file of this one)."""
    for k, v in slots.items():
        text = text.replace("{{" + k + "}}", v)
    return text


def label(statement: Any) -> str:
    """A short name for a statement: its first line that is not a comment."""
    for line in str(statement.query).splitlines():
        line = line.strip()
        if line and not line.startswith("--"):
            return line[:70]
    return "?"


def timed_statements(
    con: Any, step: str, text: str, params: dict[str, Any], out: dict[str, list[Secs]]
) -> None:
    """Execute every statement of `text`, appending each one's wall and CPU seconds to
    out[step: label]."""
    for i, st in enumerate(con.extract_statements(text)):
        bound = {k: params[k] for k in st.named_parameters} or None
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(st, bound)
        key = f"{step} #{i:02d} {label(st)}"
        out.setdefault(key, []).append((time.perf_counter() - t0, time.process_time() - c0))


def main(argv: list[str] | None = None) -> int:
    from skiptrace.matchers import resolve as R
    from skiptrace.matchers.confidence import (
        feature_columns_sql,
        feature_list_sql,
        feature_names,
        load_model,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--base", default="main", help="commit whose sql/resolve is 'before'")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--min-seconds", type=float, default=0.2)
    ap.add_argument("--copy", type=Path, default=ROOT / "bench/results/tmp/resolve_scoring.duckdb")
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: no database at {args.db} (run bench/scale.py first)", file=sys.stderr)
        return 2
    con, as_of, s = resolved_copy(args.db, args.copy, args.memory_limit)
    model = load_model()
    slots = {
        "07_score.sql": {
            "features": feature_columns_sql(),
            "z": model.z_sql(),
            "p": model.p_sql("zz.z"),
        },
        "09_write.sql": {"feature_list": feature_list_sql()},
    }
    files = {
        "06_clusters": ["06_keys.sql", "06_clusters.sql"],
        "07_score": ["07_score.sql"],
        "08_finalize": ["08_finalize.sql"],
        "08b_outcomes": ["08b_outcomes.sql"],
        "08c_withhold": ["08c_withhold.sql"],
        "09_write": ["09_write_clear.sql", "09_write.sql"],
    }
    here = ROOT / "sql/resolve"
    texts: dict[str, dict[str, str]] = {"old": {}, "new": {}}
    for names in files.values():
        for fname in names:
            texts["old"][fname] = fill(base_sql(args.base, fname), **slots.get(fname, {}))
            texts["new"][fname] = fill(
                (here / fname).read_text(encoding="utf-8"), **slots.get(fname, {})
            )
    params: dict[str, Any] = {
        "default_reliability": float(s.default_reliability),
        "street_jw": float(s.street_jw),
        "superseding_min": float(s.superseding_min),
        "superseded_days": int(s.superseded_days),
        "succeeded_window_days": int(s.succeeded_window_days),
        "succession_contradicting_sources": int(s.succession_contradicting_sources),
        "moved_back_days": int(s.moved_back_days),
        "unit_stale_days": int(s.unit_stale_days),
        "as_of": as_of,
        "placeholder_debtors": int(s.placeholder_debtors),
        "zone_floor": float(s.calling_zone_floor),
        "unit_follow_floor": float(s.unit_follow_floor),
        "crowded_debtors": int(s.crowded_address_debtors),
        "crowded_placed_share": float(s.crowded_placed_share),
        "max_emitted": int(s.max_emitted),
        "confirm_max_years": float(s.confirm_max_years),
        "outcome_confirmed": float(s.outcome_confirmed),
        "outcome_bad_factor": float(s.outcome_bad_factor),
        "outcome_household_factor": float(s.outcome_household_factor),
        "input_names": feature_names(),
        "model_version": model.version,
    }
    times: dict[str, dict[str, list[Secs]]] = {"old": {}, "new": {}}
    step_totals: dict[str, dict[str, list[Secs]]] = {"old": {}, "new": {}}

    def side(name: str) -> None:
        t = texts[name]
        p = {**params, "run_id": name}
        for step, names in files.items():
            t0, c0 = time.perf_counter(), time.process_time()
            if step == "09_write":
                timed_statements(con, step, t["09_write_clear.sql"], p, times[name])
                for after, upto in R.write_chunks(con, s.write_chunk_rows):
                    timed_statements(
                        con, step, t["09_write.sql"], {**p, "after": after, "upto": upto},
                        times[name],
                    )  # fmt: skip
            else:
                for fname in names:  # in order: 06_keys.sql before 06_clusters.sql
                    timed_statements(con, step, t[fname], p, times[name])
            step_totals[name].setdefault(step, []).append(
                (time.perf_counter() - t0, time.process_time() - c0)
            )

    for i in range(args.repeat):
        # the side that runs first may pay for a cold cache or a growing table: alternate
        for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
            side(name)
            con.execute("CHECKPOINT")

    def med(secs: list[Secs], i: int) -> float:
        return statistics.median(x[i] for x in secs)

    for name in ("old", "new"):
        print(f"--- {name} ({args.base if name == 'old' else 'this checkout'}): wall, CPU s")
        for key, secs in times[name].items():
            if med(secs, 0) >= args.min_seconds:
                print(f"  {med(secs, 0):7.2f} {med(secs, 1):7.2f}  {key}")
    print("--- step medians: old -> new, wall (CPU) s")
    for step in STEPS:
        o, n = step_totals["old"][step], step_totals["new"][step]
        print(
            f"  {step:14} {med(o, 0):7.2f} ({med(o, 1):6.2f}) -> {med(n, 0):7.2f} ({med(n, 1):6.2f})"
        )
    for i, what in ((0, "wall"), (1, "CPU")):
        old_total = sum(med(v, i) for v in step_totals["old"].values())
        new_total = sum(med(v, i) for v in step_totals["new"].values())
        print(f"  {'06-09 total':14} {old_total:7.2f} -> {new_total:7.2f} s {what}")
    differs = False
    for t in ("contact_points", "contact_support"):
        q = f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = "
        diff = con.execute(
            f"SELECT count(*) FROM (({q}'old' EXCEPT ALL {q}'new')"
            f" UNION ALL ({q}'new' EXCEPT ALL {q}'old'))"
        ).fetchone()[0]
        rows = con.execute(f"SELECT count(*) FROM {t} WHERE run_id = 'new'").fetchone()[0]
        print(f"{t}: {rows:,} rows, {diff} differ between old and new")
        differs |= diff != 0
    con.close()
    drop_copy(args.copy)
    return 1 if differs else 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
