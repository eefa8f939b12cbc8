"""Check an incremental resolve against a full one on a real database (issue 20).

Copies the database, resolves and suppresses its latest resolved run again with
`full_rebuild=True`, and compares the run's contact_points, contact_support, account_flags and
suppressions row for row with what the run wrote. Meant for the database `bench/scale.py
--incremental` leaves behind (its last run is the incremental one), where the test's small
portfolio cannot reach: many households, NCOA moves, vendors, an as-of date that moved.

    .venv/bin/python bench/resolve_equivalence.py bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb

Exit 0 when every table is identical, 1 otherwise (the first differing rows are printed).
Not a timing benchmark: run it `nice` without the heavy lock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import polars as pl

TABLES = ("contact_points", "contact_support", "account_flags", "suppressions")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path, help="a skiptrace database (left untouched: a copy is used)")
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    from skiptrace import sql
    from skiptrace.flows.orchestration import stages

    with tempfile.TemporaryDirectory(prefix="resolve-eq-") as tmp:
        copy = Path(tmp) / "copy.duckdb"
        shutil.copy(args.db, copy)
        os.chmod(copy, 0o600)
        con = sql.connect(copy)
        last = sql.rows(con, "resolve/equivalence_last_run.sql")
        if not last:
            print(f"{args.db}: no resolved run", file=sys.stderr)
            return 2
        run_id, as_of, mode = last[0]["run_id"], last[0]["as_of"], last[0]["mode"]
        print(f"run {run_id} (as-of {as_of}): resolved {mode}; resolving again in full ...")
        query = "SELECT * EXCLUDE (run_id) FROM {} WHERE run_id = $run_id"
        before = {t: sql.query(con, query.format(t), run_id=run_id) for t in TABLES}
        stages.resolve(con, run_id, as_of, full_rebuild=True)
        stages.suppress(con, run_id, as_of)
        same = True
        for table in TABLES:
            after = sql.query(con, query.format(table), run_id=run_id)
            equal = before[table].sort(pl.all()).equals(after.sort(pl.all()))
            print(
                f"  {table}: {before[table].height:,} rows, {'identical' if equal else 'DIFFERENT'}"
            )
            if not equal:
                same = False
                only = before[table].join(after, on=after.columns, how="anti", nulls_equal=True)
                print(only.head(5))
        con.close()
    print("incremental == full" if same else "MISMATCH")
    return 0 if same else 1


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
