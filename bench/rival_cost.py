"""What the rank-1-against-the-rest inputs (07_score.sql's rs_rival, issue 16 band) cost.

Resolves a copy of a run database once, keeping the rs_* temp tables, then times the rs_rival
statement alone and the whole of 07_score.sql on them, alternately, `--repeat` times, and prints
the median seconds of each.

    .venv/bin/python bench/scale.py --accounts 100000 --memory-limit 5GB --no-score \
        --workdir /tmp/scale100k
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/rival_cost.py \
        --db /tmp/scale100k/run-100000x5-s7/skiptrace.duckdb
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _resolved_copy import drop_copy, resolved_copy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from skiptrace import sql
    from skiptrace.matchers.confidence import feature_columns_sql, load_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--copy", type=Path, default=Path("/tmp/skiptrace-rival-cost.duckdb"))
    args = ap.parse_args(argv)
    if not args.db.is_file():
        print(f"error: no database at {args.db} (run bench/scale.py first)", file=sys.stderr)
        return 2
    con, as_of, _ = resolved_copy(args.db, args.copy, args.memory_limit)
    model = load_model()
    text = (ROOT / "sql/resolve/07_score.sql").read_text(encoding="utf-8")
    start = text.index("CREATE OR REPLACE TEMP TABLE rs_rival AS")
    rival = text[start : text.index("-- The factors of each contact point (cf)")]
    whole = sql.render(
        "resolve/07_score.sql",
        features=feature_columns_sql(),
        z=model.z_sql(),
        p=model.p_sql("zz.z"),
    )
    evidence = con.execute("SELECT count(*) FROM rs_evc").fetchone()[0]
    times: dict[str, list[float]] = {"rs_rival": [], "07 whole": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        con.execute(rival)
        times["rs_rival"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sql.run(con, whole, as_of=as_of)
        times["07 whole"].append(time.perf_counter() - t0)
    print(f"{evidence:,} evidence rows (rs_evc)")
    for label, secs in times.items():
        runs = ", ".join(f"{x:.2f}" for x in secs)
        print(f"{label:9} median {statistics.median(secs):6.2f} s  ({runs})")
    con.close()
    drop_copy(args.copy)
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
