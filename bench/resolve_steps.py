"""Resolve's scoring steps 08, 08b and 09, old against new, alternating in one process.

On a shared machine two runs minutes apart say more about the load than about the code. This
script resolves one run database copy once (keeping the rs_* temp tables), then times the
replaced SQL (tests/matchers/data/resolve_reference/: 08 finalize, 08b outcomes, 09 write) and
the current steps alternately on the same temp tables, `--repeat` times, and prints the
median seconds of each. The writes go to two run ids of the copy; the rows are compared too.

    .venv/bin/python bench/scale.py --accounts 100000 --memory-limit 5GB --no-score   # a database
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/resolve_steps.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
REFERENCE = ROOT / "tests/matchers/data/resolve_reference"
DEFAULT_DB = ROOT / "bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb"

from _resolved_copy import drop_copy, resolved_copy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from skiptrace import sql
    from skiptrace.matchers import resolve as R
    from skiptrace.matchers.confidence import feature_list_sql, feature_names, load_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--copy", type=Path, default=ROOT / "bench/results/tmp/resolve_steps.duckdb")
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: no database at {args.db} (run bench/scale.py first)", file=sys.stderr)
        return 2
    con, _, s = resolved_copy(args.db, args.copy, args.memory_limit)
    model = load_model()
    old = {p.name: p.read_text(encoding="utf-8") for p in REFERENCE.glob("*.sql")}
    old["09_write.sql"] = old["09_write.sql"].replace("{{feature_list}}", feature_list_sql())
    p08 = {"confirm_max_years": s.confirm_max_years}
    p08b = {
        "outcome_confirmed": s.outcome_confirmed,
        "outcome_bad_factor": s.outcome_bad_factor,
        "outcome_household_factor": s.outcome_household_factor,
    }
    write_new = sql.render("resolve/09_write.sql", feature_list=feature_list_sql())
    times: dict[str, list[float]] = {}

    def timed(label: str, fn) -> None:
        t0 = time.perf_counter()
        fn()
        times.setdefault(label, []).append(time.perf_counter() - t0)

    def new_write() -> None:
        sql.run(con, "resolve/09_write_clear.sql", run_id="new", input_names=feature_names())
        for after, upto in R.write_chunks(con, s.write_chunk_rows):
            sql.run(
                con, write_new, run_id="new", model_version=model.version, after=after, upto=upto
            )

    for _ in range(args.repeat):
        timed("08 old", lambda: sql.run(con, old["08_finalize.sql"], **p08))
        timed("08b old", lambda: sql.run(con, old["08b_outcomes.sql"], **p08b))
        timed(
            "09 old",
            lambda: sql.run(con, old["09_write.sql"], run_id="old", model_version=model.version),
        )
        timed("08 new", lambda: sql.run(con, "resolve/08_finalize.sql", **p08))
        timed("08b new", lambda: sql.run(con, "resolve/08b_outcomes.sql", **p08b))
        timed("09 new", new_write)
    for label in sorted(times):
        secs = times[label]
        print(
            f"{label:8} median {statistics.median(secs):7.2f} s  ({', '.join(f'{x:.2f}' for x in secs)})"
        )
    for t in ("contact_points", "contact_support"):
        q = f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = "
        diff = con.execute(
            f"SELECT count(*) FROM (({q}'old' EXCEPT ALL {q}'new') UNION ALL ({q}'new' EXCEPT ALL {q}'old'))"
        ).fetchone()[0]
        print(f"{t}: {diff} rows differ between the old and the new write")
    con.close()
    drop_copy(args.copy)
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
