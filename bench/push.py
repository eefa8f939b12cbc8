"""Push throughput: 1,000,000 contacts into a real PostgreSQL (target: <= 60 s).

Contact points are synthesized directly in DuckDB (bench/sql/push_synthesize.sql: three per
account, suppressed / held / third-party shares like a real run) instead of running the
pipeline at a million, then pushed three times, as a nightly schedule would:

1. the first push into an empty schema (every row inserted);
2. the same run again (idempotence: nothing may change);
3. the next night's run, one row in `--changed-every` with a new confidence (updates).

PostgreSQL is started with pgserver in a temporary folder unless `--to URL` is given.

Usage:
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/push.py              # 1,000,000
    .venv/bin/python bench/push.py --contacts 100000                            # quick run
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skiptrace import sql
from skiptrace.flows.exports.pg import mask_url
from skiptrace.flows.exports.push import push_run

SYNTH = (Path(__file__).resolve().parent / "sql" / "push_synthesize.sql").read_text()
RUN1, RUN2 = "20261101T020000Z-0001", "20261102T020000Z-0002"


def synthesize(con, run_id: str, contacts: int, changed_every: int) -> float:
    t0 = time.perf_counter()
    params = {"run_id": run_id, "contacts": contacts, "changed_every": changed_every}
    for statement in con.extract_statements(SYNTH):
        wanted = statement.named_parameters
        con.execute(statement, {k: params[k] for k in wanted} if wanted else None)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--changed-every", type=int, default=10)
    ap.add_argument("--to", help="PostgreSQL URL (default: a pgserver in a temporary folder)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="skiptrace-bench-push-"))
    server = None
    try:
        url = args.to
        if url is None:
            import pgserver

            server = pgserver.get_server(work / "pg", cleanup_mode="stop")
            url = server.get_uri()
        con = sql.connect(work / "bench.duckdb")
        s1 = synthesize(con, RUN1, args.contacts, 0)
        print(
            f"synthesized {args.contacts:,} contacts of run 1 in {s1:.1f}s; target {mask_url(url)}"
        )
        results = []
        for label, run_id in (("first push (all new)", RUN1), ("same run again", RUN1)):
            r = push_run(con, run_id, url)
            results.append((label, r))
        synthesize(con, RUN2, args.contacts, args.changed_every)
        results.append((f"next run (1 in {args.changed_every} changed)", push_run(con, RUN2, url)))
        con.close()
        print(
            f"{'push':<30} {'seconds':>8} {'rows':>10} {'new':>10} {'changed':>9} {'retired':>8} {'rows/s':>10}"
        )
        for label, r in results:
            print(
                f"{label:<30} {r.seconds:>8.1f} {r.contacts:>10,} {r.inserted:>10,} {r.updated:>9,}"
                f" {r.retired:>8,} {r.contacts / max(r.seconds, 1e-9):>10,.0f}"
            )
        first = results[0][1].seconds
        print(
            f"target: first push of {args.contacts:,} contacts <= 60 s: {'met' if first <= 60 else 'MISSED'}"
        )
        return 0 if first <= 60 else 1
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
