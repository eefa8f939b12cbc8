"""The standardize stage alone, on copies of one ingested database, for one or more code trees.

`bench/scale.py` times standardize inside a whole run, minutes after other stages, on a machine
whose load moves. This script ingests a portfolio once (with this checkout's code) into
`--ingested`, then for each `--code-root` in turn (alternating, `--repeat` rounds) copies that
database and runs `stages.standardize` on the copy in a child process that imports skiptrace
from that tree. It prints seconds, the stage's row counts and the child's peak RSS; with
`--profile` the child writes the pyinstrument tree and per-statement DuckDB times under
bench/results/ as `bench/scale.py --profile` does.

    git archive 3b9b417 | tar -x -C /tmp/before          # the code to compare against
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/standardize_stage.py \\
        --code-root /tmp/before --code-root . --repeat 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALE = ROOT / "bench/results/tmp/scale"
RUN_ID = "20261101T000000Z-stdb"
AS_OF = dt.date(2026, 11, 1)


def _ingest(portfolio: Path, db: Path) -> None:
    """Load the portfolio with this checkout's ingest into a fresh `db`."""
    sys.path.insert(0, str(ROOT))
    from skiptrace import sql
    from skiptrace.flows.audit.runs import start_run
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams

    db.parent.mkdir(parents=True, exist_ok=True)
    params = RefreshParams(
        accounts=portfolio / "accounts.csv",
        sources=portfolio / "sources.yml",
        db=db,
        out=db.parent / "out",
        as_of=AS_OF,
    )
    con = sql.connect(db, memory_limit=os.environ.get("SKIPTRACE_DUCKDB_MEMORY"))
    start_run(con, RUN_ID, as_of=AS_OF, params={"bench": "standardize_stage"})
    t0 = time.perf_counter()
    st = stages.ingest(con, params, RUN_ID)
    con.close()
    print(f"ingested {st.rows_out:,} rows in {time.perf_counter() - t0:.1f} s into {db}")


def _child(code_root: Path, db: Path, profile: bool) -> None:
    """Run standardize on `db` importing skiptrace from `code_root`; print one JSON line."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _code_root import use_code_root

    use_code_root(code_root.resolve())
    from skiptrace import sql
    from skiptrace.flows.orchestration import stages

    con = sql.connect(db, memory_limit=os.environ.get("SKIPTRACE_DUCKDB_MEMORY"))
    t0 = time.perf_counter()
    if profile:
        import scale

        with scale.maybe_profile("standardize", {"standardize"}, "stage") as timings:
            st = stages.standardize(scale.TimedConnection(con, timings), RUN_ID)
    else:
        st = stages.standardize(con, RUN_ID)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss": peak, "details": st.details}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portfolio", type=Path, default=SCALE / "portfolio-1000000x5-s7")
    ap.add_argument("--ingested", type=Path, default=SCALE / "standardize-stage/ingested.duckdb")
    ap.add_argument("--code-root", type=Path, action="append", default=[])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    os.environ["SKIPTRACE_DUCKDB_MEMORY"] = args.memory_limit
    if args.child:
        _child(args.code_root[0], args.child, args.profile)
        return 0
    if not args.ingested.exists():
        _ingest(args.portfolio, args.ingested)
    roots = args.code_root or [ROOT]
    copy = args.ingested.with_name("copy.duckdb")
    for round_no in range(1, args.repeat + 1):
        for code_root in roots:
            shutil.copyfile(args.ingested, copy)
            cmd = [sys.executable, __file__, "--child", str(copy), "--code-root", str(code_root)]
            cmd += ["--memory-limit", args.memory_limit] + (["--profile"] if args.profile else [])
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            print(
                f"round {round_no} {code_root}: {result['seconds']:.1f} s, "
                f"peak {result['peak_rss'] / 2**30:.2f} GiB, {result['details']}",
                flush=True,
            )
    copy.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
