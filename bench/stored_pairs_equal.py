"""Are two runs' stored match pairs the same, row for row?

Speed work on the matcher (issue 20) must not change what it stores. `bench/vs_splink.py` leaves
every stored pair of its skiptrace run (account, record, role, guard, probability) in
<workdir>/pairs_skiptrace_stored.parquet; copy that file after a run from each code root and
compare them here:

    .venv/bin/python bench/stored_pairs_equal.py before.parquet after.parquet

Prints the row counts and the rows only one side has (probabilities compared exactly); exits 1
when they differ, 2 when a file is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def differences(before: Path, after: Path) -> tuple[int, int, int, int]:
    """Rows of before, rows of after, rows only in before, rows only in after (multisets)."""
    con = duckdb.connect()
    b, a = (f"(SELECT * FROM read_parquet('{p}'))" for p in (before, after))
    count = "SELECT count(*) FROM {}"
    only = "SELECT count(*) FROM (SELECT * FROM {} EXCEPT ALL SELECT * FROM {})"
    values = [
        con.execute(count.format(b)).fetchall()[0][0],
        con.execute(count.format(a)).fetchall()[0][0],
        con.execute(only.format(b, a)).fetchall()[0][0],
        con.execute(only.format(a, b)).fetchall()[0][0],
    ]
    return values[0], values[1], values[2], values[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.is_file():
            print(f"error: {path} is not a file", file=sys.stderr)
            return 2
    n_before, n_after, only_before, only_after = differences(args.before, args.after)
    print(
        f"before {n_before:,} rows, after {n_after:,} rows; "
        f"only before {only_before:,}, only after {only_after:,}"
    )
    return 0 if only_before == only_after == 0 and n_before == n_after else 1


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
