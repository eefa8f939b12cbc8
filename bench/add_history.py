"""A copy of a run database with K earlier completed nights, for stages whose cost may grow with
the history kept.

Every benchmark starts from an empty database and takes one or two runs, but a nightly
deployment keeps its runs for years (retention: docs/lineage.md), and a query that reads every
run's rows slows down a little each night. This script copies `--db` to `--out` and adds K
completed runs before its latest one, one day apart, each holding a copy of the latest run's
contact points (what K nights of an unchanged portfolio leave), then refills
`contact_first_added` by migration 093's own rule; with `--support` also a copy of its
contact_support rows, with `run_support_files` refilled by migration 094's rule. Time a stage on the result with
`bench/stage_alone.py --db <out>`:

    .venv/bin/python bench/add_history.py --db <bench/scale.py's skiptrace.duckdb> \\
        --out /tmp/history/h30.duckdb --nights 30
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/stage_alone.py --stage emit \\
        --db /tmp/history/h30.duckdb --code-root /tmp/before --code-root . --repeat 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "sql/migrations"


def _backfill(con: duckdb.DuckDBPyConnection, migration: str, table: str) -> None:
    """Empty `table` and fill it with the migration's own INSERT (its backfill)."""
    text = (MIGRATIONS / migration).read_text(encoding="utf-8")
    insert = text[text.index(f"INSERT INTO {table}") :]
    con.execute(f"DELETE FROM {table}")
    con.execute(insert[: insert.index(";") + 1])


def add_history(db: Path, out: Path, nights: int, *, support: bool = False) -> tuple[int, int]:
    """Write the copy; returns (contact points, first-added rows) in it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, out)
    from skiptrace import sql

    sql.connect(out).close()  # the copy gets this checkout's migrations (093, 094) first
    con = duckdb.connect(str(out))
    try:
        row = con.execute(
            "SELECT run_id, as_of FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise SystemExit(f"{db}: no run to copy")
        run_id, as_of = row
        for night in range(1, nights + 1):
            # ids sort before the latest run's (previous_completed_run compares run ids)
            hid = f"19990101T{night:06d}Z-hist"
            con.execute(
                "INSERT INTO runs (run_id, as_of, started_at, status)"
                " VALUES (?, ?, now(), 'completed')",
                [hid, as_of - dt.timedelta(days=nights + 1 - night)],
            )
            for table in ("contact_points", "contact_support") if support else ("contact_points",):
                con.execute(
                    f"INSERT INTO {table} SELECT * REPLACE (? AS run_id)"
                    f" FROM {table} WHERE run_id = ?",
                    [hid, run_id],
                )
        _backfill(con, "093_contact_first_added.sql", "contact_first_added")
        if support:
            _backfill(con, "094_run_support_files.sql", "run_support_files")
        # the latest run stays the one a stage picks (bench/stage_alone.py: newest started_at)
        con.execute(
            "UPDATE runs SET started_at = now() + INTERVAL 1 HOUR WHERE run_id = ?", [run_id]
        )
        points = con.execute("SELECT count(*) FROM contact_points").fetchone()
        first = con.execute("SELECT count(*) FROM contact_first_added").fetchone()
        return int(points[0] if points else 0), int(first[0] if first else 0)
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a run database to copy")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--nights", type=int, default=30)
    ap.add_argument("--support", action="store_true", help="copy contact_support rows too")
    args = ap.parse_args(argv)
    points, first = add_history(args.db, args.out, args.nights, support=args.support)
    print(
        f"{args.out}: {points:,} contact points over {args.nights + 1} runs, {first:,} first dates"
    )
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
