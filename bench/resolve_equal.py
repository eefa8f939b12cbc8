"""Resolve before and after a change, on copies of one run database: same rows, and how long.

Issue 20 makes resolve's scoring and writes (sql/resolve/07-10) faster without changing a row.
This script proves it on a real-sized database: it copies a database that `bench/scale.py`
left behind (every stage of one run done), re-runs `resolve_contacts` for that run with the
code of a base commit on one copy and with this checkout's code on the other (each in its own
process, one after the other, so DuckDB's per-path instance cache and the Python heap of one
run do not touch the other), then compares `contact_points`, `contact_support` and
`account_flags` of the run row for row (EXCEPT ALL both ways, over every column).

    .venv/bin/python bench/scale.py --accounts 100000 --memory-limit 5GB --no-score  # the database
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/resolve_equal.py --base 95162c3
    .venv/bin/python bench/resolve_equal.py --db path/to/skiptrace.duckdb --base main --no-compare

Each side prints resolve's seconds (wall, and CPU: the child process with DuckDB's threads), the
child's peak RSS and its per-step seconds (the `run(...)` timings that `matchers/resolve.py`
logs at DEBUG). `--repeat N` alternates the two sides N times (timings only; the rows are
compared after the first pair). `--mode full` resolves both sides in full, `--mode dirty:1` both
incrementally with 1% of the accounts recomputed (the nightly case); each side also prints the
peak size of its spill folder. `--trace` prints, per statement of a second or more, its seconds
(wall and CPU) and what DuckDB held in memory and in temporary storage after it (where the
memory limit is overrun); `--after-only` runs this checkout's side alone, for a trace or
timings. The base commit's code is extracted with `git archive` as `bench/run_100k.py --code`
does. Exit status 1 when any table differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _resolved_copy import drop_copy  # noqa: E402

DEFAULT_DB = ROOT / "bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb"
TABLES = ("contact_points", "contact_support", "account_flags")

#: run in the child: resolve one run of a database copy, print the timings as one JSON line
CHILD = r"""
import datetime as dt, json, logging, os, resource, sys, time
from skiptrace import sql
from skiptrace.matchers import resolve as R

db, memory_limit, mode = sys.argv[1], sys.argv[2] or None, sys.argv[3]
steps = {}
class Grab(logging.Handler):
    def emit(self, record):
        msg = record.getMessage()
        if "step seconds:" in msg:
            for part in msg.split("step seconds:", 1)[1].split(","):
                k, v = part.strip().split("=")
                steps[k] = float(v)
log = logging.getLogger("skiptrace.resolve")
log.setLevel(logging.DEBUG)
log.addHandler(Grab())
con = sql.connect(db, memory_limit=memory_limit)
trace = os.environ.get("SKIPTRACE_BENCH_TRACE")
run_id, as_of = con.execute(
    "SELECT run_id, as_of FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
if mode.startswith("dirty:"):
    # the nightly case: the cache taken as this code's own, a share of the accounts dropped
    # from it (so their evidence is recomputed as new), everything else carried
    from skiptrace.matchers.confidence import load_model
    from skiptrace.matchers.resolve_cache import state_key
    pct = float(mode.split(":", 1)[1])
    con.execute("DELETE FROM resolve_cache_accounts WHERE hash(account_id) % 10000 < $n",
                {"n": round(pct * 100)})
    con.execute("UPDATE resolve_cache_state SET state_key = $k,"
                " accounts = (SELECT count(*) FROM resolve_cache_accounts)",
                {"k": state_key(R.ResolveSettings(), load_model(), None)})
class Traced:
    # every statement's wall start and end (epoch seconds), the buffer manager's memory and
    # temporary storage in use after it (duckdb_memory(), read through a cursor so the
    # statement's own result stays open) and its first words, one JSON line each
    def __init__(self, con, out):
        self._con, self._out, self._probe = con, out, con.cursor()
    def __getattr__(self, name):
        return getattr(self._con, name)
    def execute(self, q, *a, **k):
        t, c = time.time(), time.process_time()
        try:
            return self._con.execute(q, *a, **k)
        finally:
            end, cpu = time.time(), time.process_time() - c
            mem, tmp = self._probe.execute(
                "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes)"
                " FROM duckdb_memory()").fetchone()
            text = " ".join(str(getattr(q, "query", q)).split())[:90]
            self._out.write(json.dumps([t, end, text, int(mem), int(tmp), cpu]) + "\n")
t0, c0 = time.perf_counter(), time.process_time()
if trace:
    with open(trace, "w") as out:
        R.resolve_contacts(Traced(con, out), run_id, as_of, full_rebuild=mode == "full")
else:
    R.resolve_contacts(con, run_id, as_of, full_rebuild=mode == "full")
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
con.close()
# the process's peak resident size (Linux: KiB), the connection and the copy's open included
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("RESULT " + json.dumps({"run_id": run_id, "seconds": seconds, "cpu": cpu, "rss": rss,
                              "steps": steps, "code": R.__file__}))
"""


def code_of(commit: str, workdir: Path) -> Path:
    from run_100k import code_of as extract

    return extract(commit, workdir)


class SpillPeak:
    """The largest size DuckDB's spill folder (`<database>.tmp`) reached, sampled in a thread
    (every second, or every half second with a `series` kept for `--trace`): how much of the
    memory limit a side overran, and when."""

    def __init__(self, folder: Path, keep_series: bool = False) -> None:
        self.folder, self.peak = folder, 0
        self.series: list[tuple[float, int]] | None = [] if keep_series else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(1.0 if self.series is None else 0.5):
            try:
                size = sum(f.stat().st_size for f in self.folder.iterdir())
            except OSError:  # not there yet, or a file went while listing
                size = 0
            self.peak = max(self.peak, size)
            if self.series is not None:
                self.series.append((time.time(), size))

    def __enter__(self) -> SpillPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def spill_by_statement(
    timeline: Path, series: list[tuple[float, int]], min_seconds: float = 1.0
) -> list[str]:
    """One line per statement of at least `min_seconds`: its seconds (wall, and CPU); the most
    the spill folder held while it ran (its files do not shrink when DuckDB frees blocks in
    them, so this is a high-water mark); what DuckDB's buffer manager held in memory and in
    temporary storage once it ended (GB); and its first words."""
    lines = []
    for raw in timeline.read_text(encoding="utf-8").splitlines():
        start, end, text, mem, tmp, cpu = json.loads(raw)
        if end - start < min_seconds:
            continue
        during = [b for t, b in series if start <= t <= end] or [0]
        lines.append(
            f"{end - start:7.1f} s ({cpu:6.2f} CPU s)  folder {max(during) / 1e9:5.1f}"
            f"  after: memory {mem / 1e9:4.1f} spilled {tmp / 1e9:5.1f} GB  {text}"
        )
    return lines


def run_side(
    db: Path,
    code: Path | None,
    memory_limit: str | None,
    mode: str = "as-is",
    trace: Path | None = None,
) -> dict[str, Any]:
    """resolve_contacts on `db` in a fresh process, with `code` ahead of the install if given.

    `mode`: "as-is" (whatever the cache decides: a side whose resolve SQL differs from the one
    that wrote the cache resolves in full, the other incrementally), "full" (both in full) or
    "dirty:<percent>" (both incrementally, with that share of the accounts recomputed)."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    else:
        env.pop("PYTHONPATH", None)
    if trace is not None:
        env["SKIPTRACE_BENCH_TRACE"] = str(trace)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), memory_limit or "", mode],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),  # never this checkout: the base side must not import it
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"resolve failed on {db}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


#: contact_points with the model inputs inside `factors` as JSON text, whichever way a side
#: stored them (migration 072 moved them to the typed model_inputs list, names per run): the
#: last key, nulls kept (json_merge_patch would drop them)
FACTORS_WHOLE = (
    "SELECT cp.* EXCLUDE (factors, model_inputs), CASE WHEN cp.model_inputs IS NULL"
    " OR mi.names IS NULL THEN CAST(cp.factors AS VARCHAR) ELSE"
    " substr(CAST(cp.factors AS VARCHAR), 1, length(CAST(cp.factors AS VARCHAR)) - 1)"
    " || ',\"x\":' || CAST(to_json(map(mi.names, cp.model_inputs)) AS VARCHAR) || '}'"
    " END AS factors"
    " FROM {db}.contact_points cp LEFT JOIN {db}.run_model_inputs mi USING (run_id)"
    " WHERE cp.run_id = $run_id"
)


def _select(con: Any, db: str, table: str) -> str:
    """The rows of `table` compared: every column; contact_points' factors whole (above) when
    the database has run_model_inputs, so a run written before 072 compares with one after."""
    has_inputs = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [db, "run_model_inputs"],
    ).fetchone()[0]
    if table == "contact_points" and has_inputs:
        return FACTORS_WHOLE.replace("{db}", db)
    return f"SELECT * FROM {db}.{table} WHERE run_id = $run_id"


def _count(con: duckdb.DuckDBPyConnection, query: str, run_id: str) -> int:
    """The one value of a `SELECT count(*) ...` with $run_id."""
    row = con.execute(query, {"run_id": run_id}).fetchone()
    assert row is not None  # an aggregate without GROUP BY returns one row
    return row[0]


def _columns(con: duckdb.DuckDBPyConnection, query: str, run_id: str) -> list[str]:
    """The column names of a query with $run_id, in order."""
    cur = con.execute(f"SELECT * FROM ({query}) LIMIT 0", {"run_id": run_id})
    return [d[0] for d in cur.description or []]


def compare(before: Path, after: Path, run_id: str) -> dict[str, Any]:
    """Rows of each table in one copy and not the other (multiset difference over every column
    both copies have; a column only one side has, as a change that adds one, is listed)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS b (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS a (READ_ONLY)")
    out: dict[str, Any] = {}
    for t in TABLES:
        b_sel, a_sel = _select(con, "b", t), _select(con, "a", t)
        b_cols, a_cols = _columns(con, b_sel, run_id), _columns(con, a_sel, run_id)
        common = ", ".join(f'"{c}"' for c in b_cols if c in a_cols)
        only = {"before": [c for c in b_cols if c not in a_cols],
                "after": [c for c in a_cols if c not in b_cols]}  # fmt: skip
        b_sel = f"SELECT {common} FROM ({b_sel})"
        a_sel = f"SELECT {common} FROM ({a_sel})"
        n_b = _count(con, f"SELECT count(*) FROM ({b_sel})", run_id)
        n_a = _count(con, f"SELECT count(*) FROM ({a_sel})", run_id)
        only_b = _count(con, f"SELECT count(*) FROM ({b_sel} EXCEPT ALL {a_sel})", run_id)
        only_a = _count(con, f"SELECT count(*) FROM ({a_sel} EXCEPT ALL {b_sel})", run_id)
        out[t] = {
            "rows_before": n_b,
            "rows_after": n_a,
            "only_before": only_b,
            "only_after": only_a,
            **({"columns_only": only} if only["before"] or only["after"] else {}),
        }
    con.close()
    return out


def clustered(db: Path, run_id: str) -> dict[str, bool]:
    """Whether each contact table's rows of the run are stored in account_id order."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for t in ("contact_points", "contact_support"):
        q = (
            f"SELECT count(*) FROM (SELECT account_id, lag(account_id) OVER (ORDER BY rowid) AS prev"
            f" FROM {t} WHERE run_id = $run_id) WHERE account_id < prev"
        )
        out[t] = _count(con, q, run_id) == 0
    con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="a finished run's database")
    ap.add_argument("--base", default="main", help="commit whose code is 'before' (default main)")
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--repeat", type=int, default=1, help="alternating pairs (timings)")
    ap.add_argument("--no-compare", action="store_true", help="timings only")
    ap.add_argument(
        "--mode",
        default="as-is",
        help="as-is (the cache decides), full (both sides in full) or dirty:<percent>"
        " (both incremental, that share of the accounts recomputed: the nightly case)",
    )
    ap.add_argument(
        "--trace",
        action="store_true",
        help="per statement of a second or more: seconds and the spill folder's size (where"
        " the memory limit is overrun); also written to <workdir>/<side>-<n>.trace.txt",
    )
    ap.add_argument(
        "--after-only",
        action="store_true",
        help="run this checkout's side only (timings or --trace; nothing to compare)",
    )
    ap.add_argument("--workdir", type=Path, default=ROOT / "bench/results/tmp/resolve_equal")
    args = ap.parse_args(argv)
    if not re.fullmatch(r"as-is|full|dirty:\d+(\.\d+)?", args.mode):
        print(f"error: --mode {args.mode!r}: as-is, full or dirty:<percent>", file=sys.stderr)
        return 2
    if not args.db.exists():
        print(f"error: no database at {args.db} (run bench/scale.py first)", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    base_code = None if args.after_only else code_of(args.base, args.workdir)
    copies = {side: args.workdir / f"{side}.duckdb" for side in ("before", "after")}
    times: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    differs = False
    for i in range(args.repeat):
        for side, code in (("before", base_code), ("after", None))[int(args.after_only) :]:
            drop_copy(copies[side])
            shutil.copyfile(args.db, copies[side])
            wal = args.db.with_name(args.db.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, copies[side].with_name(copies[side].name + ".wal"))
            timeline = args.workdir / f"{side}-{i + 1}.timeline.jsonl" if args.trace else None
            spill_folder = copies[side].with_name(copies[side].name + ".tmp")
            with SpillPeak(spill_folder, keep_series=args.trace) as spill:
                r = run_side(copies[side], code, args.memory_limit, args.mode, timeline)
            times[side].append(r)
            top = sorted(r["steps"].items(), key=lambda kv: -kv[1])[:8]
            print(
                f"{side:6} #{i + 1}: resolve {r['seconds']:.2f} s ({r['cpu']:.2f} CPU s),"
                f" peak RSS {r['rss'] / 1e9:.2f} GB, spill peak {spill.peak / 1e9:.1f} GB; "
                + ", ".join(f"{k} {v:.2f}" for k, v in top),
                flush=True,
            )
            if timeline is not None and spill.series is not None:
                report = spill_by_statement(timeline, spill.series)
                timeline.with_suffix("").with_suffix(".trace.txt").write_text(
                    "\n".join(report) + "\n", encoding="utf-8"
                )
                print("\n".join(report), flush=True)
        if i == 0 and not args.no_compare and not args.after_only:
            run_id = times["after"][0]["run_id"]
            result = compare(copies["before"], copies["after"], run_id)
            for t, c in result.items():
                same = c["only_before"] == 0 and c["only_after"] == 0
                differs |= not same
                print(
                    f"{t:16} {c['rows_before']:>10,} rows before, {c['rows_after']:>10,} after: "
                    + (
                        "identical"
                        if same
                        else f"{c['only_before']:,} only before, {c['only_after']:,} only after"
                    )
                    + (
                        f" (over the common columns; only before {cols['before']},"
                        f" only after {cols['after']})"
                        if (cols := c.get("columns_only"))
                        else ""
                    )
                )
            for t, ok in clustered(copies["after"], run_id).items():
                print(f"{t:16} stored in account_id order: {ok}")
                differs |= not ok
    for side in copies.values():
        drop_copy(side)
    print(json.dumps({s: [round(r["seconds"], 2) for r in v] for s, v in times.items()}))
    print(json.dumps({s + " CPU": [round(r["cpu"], 2) for r in v] for s, v in times.items()}))
    return 1 if differs else 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
