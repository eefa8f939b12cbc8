"""One stage alone (standardize, suppress, emit or report), on copies of one database, for one
or more code trees.

`bench/scale.py` times a stage inside a whole run, minutes after other stages, on a machine
whose load moves. This script runs `--stage` on a fresh copy of `--db` for each `--code-root` in
turn (alternating, `--repeat` rounds), in a child process that imports skiptrace from that tree.
It prints seconds and the child's peak RSS; with `--profile` the child writes the pyinstrument
tree and per-statement DuckDB times under bench/results/ as `bench/scale.py --profile` does;
with `--keep DIR` each run's database copy (and emit's files) stays in DIR for comparing outputs.

- standardize: `--db` is an ingested database; when it does not exist it is made from
  `--portfolio` with this checkout's ingest (the 1M portfolio by default).
- suppress / emit / report: `--db` is a run database whose latest run is resolved (suppress),
  suppressed (emit) or emitted (report), e.g. the `skiptrace.duckdb` bench/scale.py leaves.

    git archive 3b9b417 | tar -x -C /tmp/before          # the code to compare against
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/stage_alone.py --stage standardize \\
        --code-root /tmp/before --code-root . --repeat 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from _timing import child_json, database_copies, peak_rss_bytes

ROOT = Path(__file__).resolve().parents[1]
SCALE = ROOT / "bench/results/tmp/scale"
RUN_ID = "20261101T000000Z-stdb"
AS_OF = dt.date(2026, 11, 1)
STAGES = ("standardize", "suppress", "emit", "report")


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
    start_run(con, RUN_ID, as_of=AS_OF, params={"bench": "stage_alone"})
    t0 = time.perf_counter()
    st = stages.ingest(con, params, RUN_ID)
    con.close()
    print(f"ingested {st.rows_out:,} rows in {time.perf_counter() - t0:.1f} s into {db}")


def _run_stage(con: Any, stage: str, db: Path) -> dict[str, Any]:
    """Run `stage` for the database's latest run; the stage's details, if it returns any."""
    from skiptrace.flows.orchestration import stages

    if stage == "standardize":
        return dict(stages.standardize(con, RUN_ID).details)
    run_id, as_of = con.execute(
        "SELECT run_id, as_of FROM runs ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if stage == "suppress":
        stages.suppress(con, run_id, as_of)
    elif stage == "emit":
        stages.emit(con, run_id, db.parent / "out" / run_id)
    else:
        from skiptrace.flows.report.run_report import write_report

        write_report(con, run_id, db.parent / "out" / run_id)
    return {"run_id": run_id}


def _child(code_root: Path, db: Path, stage: str, profile: bool) -> None:
    """Run `stage` on `db` importing skiptrace from `code_root`; print one JSON line."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _code_root import use_code_root

    use_code_root(code_root.resolve())
    from skiptrace import sql

    con = sql.connect(db, memory_limit=os.environ.get("SKIPTRACE_DUCKDB_MEMORY"))
    t0 = time.perf_counter()
    if profile:
        import scale

        with scale.maybe_profile(stage, {stage}, "stage") as timings:
            assert timings is not None  # `stage` is in the wanted set: always profiled
            details = _run_stage(scale.TimedConnection(con, timings), stage, db)
    else:
        details = _run_stage(con, stage, db)
    seconds = time.perf_counter() - t0
    con.close()
    print(json.dumps({"seconds": seconds, "peak_rss": peak_rss_bytes(), "details": details}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portfolio", type=Path, default=SCALE / "portfolio-1000000x5-s7")
    ap.add_argument("--stage", choices=STAGES, required=True)
    ap.add_argument("--db", type=Path, default=SCALE / "standardize-stage/ingested.duckdb")
    ap.add_argument("--keep", type=Path, help="keep each run's database copy in this folder")
    ap.add_argument("--code-root", type=Path, action="append", default=[])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    os.environ["SKIPTRACE_DUCKDB_MEMORY"] = args.memory_limit
    if args.child:
        _child(args.code_root[0], args.child, args.stage, args.profile)
        return 0
    if not args.db.exists():
        if args.stage != "standardize":
            ap.error(f"--db {args.db} does not exist")
        _ingest(args.portfolio, args.db)
    roots = args.code_root or [ROOT]
    copies = database_copies(args.db, roots, args.repeat, args.keep, "copy")
    for round_no, code_root, copy in copies:
        cmd = [sys.executable, __file__, "--child", str(copy), "--code-root", str(code_root)]
        cmd += ["--stage", args.stage, "--memory-limit", args.memory_limit]
        cmd += ["--profile"] if args.profile else []
        result = child_json(cmd, what=f"{args.stage} of {code_root}")
        print(
            f"round {round_no} {code_root}: {result['seconds']:.1f} s, "
            f"peak {result['peak_rss'] / 2**30:.2f} GiB, {result['details']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
