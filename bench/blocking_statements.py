"""CPU seconds per SQL statement of sides + blocking, for one code tree, on prepared tables.

Why: the blocking phase of `link()` is ~2 s wall at 100k accounts, and a change to one of its
statements moves the whole run by less than the spread between two runs on a shared machine
(docs/performance.md, "Fifth round"). This script runs `sides.sql` and the blocking SQL of the
tree given by --code-root (a `git archive` snapshot, as bench/vs_splink.py takes it) in-process
on an in-memory copy of the prepared tables, prints each statement's CPU seconds (min over
--repeat runs) and an order-free checksum of the candidates, so two trees can be compared
statement by statement and shown to propose the same pairs.

    .venv/bin/python bench/blocking_statements.py --db /tmp/skiptrace-vs-splink/skiptrace.duckdb \
        --code-root /tmp/main-snapshot
"""

from __future__ import annotations

import argparse
import resource
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a database with acct_std / rec_std")
    ap.add_argument("--code-root", type=Path, help="a code tree to import (default: this one)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--block-cap", type=int, default=20_000)
    ap.add_argument("--name-block-cap", type=int, default=100)
    args = ap.parse_args()
    if args.code_root:
        from _code_root import use_code_root

        use_code_root(args.code_root.resolve())
    from skiptrace import sql
    from skiptrace.matchers.compare import register_unit_macro

    con = sql.connect(":memory:")
    con.execute(f"ATTACH '{args.db}' AS src (READ_ONLY)")
    for table in ("acct_std", "rec_std", "acct_phones", "rec_phones"):
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    con.execute("DETACH src")
    con.execute(f"SET threads = {int(args.threads)}")
    register_unit_macro(con)  # sides.sql's unit_key (prepare_sides installs it in link())
    caps = {"block_cap": args.block_cap, "name_block_cap": args.name_block_cap}
    files = ["sides", "blocking_keys", "blocking_blocks", "blocking_pairs", "blocking_report"]
    best: dict[tuple[str, int], tuple[float, str]] = {}
    for _ in range(args.repeat):
        for name in files:
            for i, statement in enumerate(con.extract_statements(sql.load(f"match/{name}.sql"))):
                text = statement.query
                params = {k: v for k, v in caps.items() if f"${k}" in text}
                start = _cpu()
                con.execute(text, params) if params else con.execute(statement)
                spent = _cpu() - start
                head = next(ln for ln in text.strip().splitlines() if not ln.startswith("--"))
                old = best.get((name, i), (float("inf"), head))
                best[(name, i)] = (min(old[0], spent), head)
    for (name, _), (spent, head) in best.items():
        if spent >= 0.03:
            print(f"{spent:6.2f} s  {name}.sql  {head[:70]}")
    print(f"{sum(s for s, _ in best.values()):6.2f} s  total")
    n, checksum = con.execute(
        "SELECT count(*), bit_xor(hash(account_id, rec_id, pass_mask)) FROM _match_candidates"
    ).fetchall()[0]
    print(f"candidates {n:,}, checksum {checksum}")
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
