"""The run report's headline counts against the lineage-gap view, on an existing database.

`sql/report/report_totals.sql` counts lineage gaps with semi/anti joins instead of
`SELECT count(*) FROM contact_lineage_gaps` (docs/performance.md, "Start-up, between stages,
report"). This times, alternately in one process, the view's count and the whole
report_totals query for the database's latest run, and checks that both give the same count.
Work on a copy: DuckDB takes the file's lock.

    cp bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb /tmp/rt.duckdb
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/report_totals.py /tmp/rt.duckdb
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from skiptrace import sql


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--pairs", type=int, default=3)
    args = ap.parse_args(argv)
    con = sql.connect(args.db)
    run_id = sql.scalar(con, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")
    file_nos = [r["file_no"] for r in sql.rows(
        con, "SELECT file_no FROM run_inputs WHERE run_id = $run_id", run_id=run_id)]  # fmt: skip
    print(f"run {run_id}, {len(file_nos)} input files")
    for i in range(1, args.pairs + 1):
        t0 = time.perf_counter()
        view = sql.scalar(
            con, "SELECT count(*) FROM contact_lineage_gaps WHERE run_id = $run_id", run_id=run_id
        )
        t1 = time.perf_counter()
        totals = sql.rows(con, "report/report_totals.sql", run_id=run_id, file_nos=file_nos)[0]
        t2 = time.perf_counter()
        assert totals["lineage_gaps"] == view, (totals["lineage_gaps"], view)
        print(f"pair {i}: view count {t1 - t0:.2f} s, report_totals {t2 - t1:.2f} s ({view} gaps)")
    con.close()
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
