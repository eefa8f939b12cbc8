"""emit's delta.csv alone, on copies of one run database, for one or more code trees.

The delta is one query among emit's nine, and at 1M accounts it was the one that set emit's
time and memory (docs/performance.md, "Emit's memory at 1M"). This script times what a code
tree's emit does for delta.csv and nothing else, for the database's latest run (or `--run`):
on a fresh copy of `--db` for each `--code-root` in turn (alternating, `--repeat` rounds), in a
child process that imports skiptrace from that tree, it runs the export macros, then the
delta as that tree's emit runs it (`delta_frame` where the tree has it: the stored points of
migration 120 written, then read; else export_delta.sql), and writes delta.csv as emit does.
It prints the seconds of the delta (query and frame, then the file), the child's peak RSS, the
rows and the file's sha256, so two trees' files can be compared byte for byte (`--keep DIR`
leaves each copy and its delta.csv in DIR).

Before the timed child a first child (not timed) sets the copy up: the timed run's own stored
points, if any, are deleted (its emit writes them), and with `--prev stored` the previous run's
points are stored as that tree's emit would have when it emitted that run (`delta_frame` for
the previous run): the night of a deployment whose previous run was emitted by the same code.
With `--prev recomputed` the previous run's stored points are deleted, and the delta computes
that run again, as on the first night after an upgrade (`--prev asis`: the copy as it is).

    git archive main | tar -x -C /tmp/before          # the code to compare against
    .venv/bin/python bench/delta_alone.py --db RUN_DB --code-root /tmp/before --code-root . \\
        --prev stored --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from _timing import child_json, database_copies, peak_rss_bytes, run_child

ROOT = Path(__file__).resolve().parents[1]


def _params(con: Any, run_id: str) -> dict[str, Any]:
    """The values emit gives the export queries for `run_id` (emit.py), with default options."""
    from skiptrace.flows.audit.run_config import run_rules
    from skiptrace.flows.exports import emit

    bands = run_rules(con, run_id, None).bands
    prev = emit._previous_run(con, run_id)
    return {
        "run_id": run_id,
        "prev_run_id": prev,
        "as_of": emit._run_as_of(con, run_id),
        "good": bands.good,
        "verify": bands.verify,
        "bad": bands.bad,
        "zip_format": "zip5",
        **emit._delta_params(con, prev, None, bands),
    }


def _delta(con: Any, params: dict[str, Any]) -> Any:
    """The delta frame as the imported tree's emit makes it."""
    from skiptrace.flows.exports import emit

    if hasattr(emit, "delta_frame"):
        return emit.delta_frame(con, params)
    return emit._query(con, "export_delta.sql", params)


def _child(code_root: Path, db: Path, run: str | None, prepare: str | None) -> None:
    """Time the delta of `run` (default: the latest run) on `db`, importing skiptrace from
    `code_root`; print one JSON line. With `prepare` ('stored' or 'recomputed'), set the copy
    up instead (not timed: see the module's docstring) and print nothing."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _code_root import use_code_root

    use_code_root(code_root.resolve())
    from skiptrace import sql
    from skiptrace.flows.exports import emit

    con = sql.connect(db, memory_limit=os.environ.get("SKIPTRACE_DUCKDB_MEMORY"))
    latest = con.execute(
        "SELECT run_id FROM runs ORDER BY as_of DESC, run_id DESC LIMIT 1"
    ).fetchone()
    assert latest is not None, f"{db}: no run"
    run_id = run or str(latest[0])
    if hasattr(emit, "create_export_macros"):
        emit.create_export_macros(con)
    else:  # a code root from before point_macros.sql: every export macro in one file
        sql.run(con, "exports/export_macros.sql")
    params = _params(con, run_id)
    if prepare:
        if hasattr(emit, "delta_frame"):
            prev = params["prev_run_id"]
            if prepare == "stored" and prev:
                emit.delta_frame(con, _params(con, prev))
            gone = [run_id] + ([prev] if prepare == "recomputed" and prev else [])
            for table in ("delta_points", "delta_point_runs"):
                con.execute(f"DELETE FROM {table} WHERE list_contains(?, run_id)", [gone])
            con.execute("CHECKPOINT")
        con.close()
        return
    t0 = time.perf_counter()
    frame = _delta(con, params)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    digest, rows = emit.write_csv(frame, db.parent / "delta.csv")
    write_s = time.perf_counter() - t1
    con.close()
    print(json.dumps({
        "run_id": run_id, "prev_run_id": params["prev_run_id"], "seconds": seconds,
        "write_s": write_s, "peak_rss": peak_rss_bytes(), "rows": rows, "sha256": digest,
    }))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a run database (bench/scale.py's)")
    ap.add_argument("--run", help="the run whose delta to time (default: the latest by as-of)")
    ap.add_argument("--code-root", type=Path, action="append", default=[])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument(
        "--prev",
        choices=("stored", "recomputed", "asis"),
        default="asis",
        help="the previous run's stored points: stored first, deleted, or as the copy has them",
    )
    ap.add_argument("--keep", type=Path, help="keep each copy and its delta.csv in this folder")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    os.environ["SKIPTRACE_DUCKDB_MEMORY"] = args.memory_limit
    if args.child:
        _child(args.code_root[0], args.child, args.run, args.prepare)
        return 0
    if args.db is None:
        ap.error("--db is required")
    roots = args.code_root or [ROOT]
    copies = database_copies(args.db, roots, args.repeat, args.keep, "delta-copy")
    for round_no, code_root, copy in copies:
        cmd = [sys.executable, __file__, "--child", str(copy), "--code-root", str(code_root)]
        cmd += ["--memory-limit", args.memory_limit] + (["--run", args.run] if args.run else [])
        if args.prev != "asis":
            run_child([*cmd, "--prepare", args.prev], what=f"setting up {copy}")
        r = child_json(cmd, what=f"the delta of {code_root}")
        print(
            f"round {round_no} {code_root}: delta {r['seconds']:.2f} s (+ file"
            f" {r['write_s']:.2f} s), peak {r['peak_rss'] / 2**30:.2f} GiB, {r['rows']:,}"
            f" rows, sha256 {r['sha256'][:16]} (run {r['run_id']} after {r['prev_run_id']})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
