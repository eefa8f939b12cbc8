"""Emit alone, step by step: where its resident memory goes.

`bench/stage_alone.py --stage emit` gives emit's seconds and peak RSS; this script says which
step the peak falls in. It runs emit for `--run` (default: the latest run) of `--db` in this
process, importing skiptrace from `--code-root` (default: this checkout), with RSS sampled every
50 ms on a thread. Each export query, delta step and file write is logged as it starts and ends
(from the main thread or emit's writer thread), with RSS at that moment, the peak until the
next event and, after a query, the rows it returned and DuckDB's own memory
(`duckdb_memory()`). Emit writes into the database (delta_points, exports), so run it on a copy:

    cp run.duckdb /tmp/copy.duckdb
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/emit_steps.py --db /tmp/copy.duckdb \\
        --out /tmp/emit-out --code-root /tmp/code-main

Re-emitting a run rewrites its files and its delta_points rows with the same content, so one
copy serves several runs in a row (docs/performance.md, "Emit's peak at 1M").
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_STEPS = ("_query", "_stream", "delta_frame", "delta_query", "write_csv", "write_csv_frames",
          "write_parquet")  # fmt: skip
_WRITES = ("write_csv", "write_csv_frames", "write_parquet")


def _rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
    return 0


class Timeline:
    """Events (seconds, thread, text, RSS) and RSS samples of this process."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.events: list[tuple[float, str, str, int]] = []
        self.samples: list[tuple[float, int]] = []
        self.running = True
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while self.running:
            self.samples.append((time.perf_counter() - self.t0, _rss()))
            time.sleep(0.05)

    def event(self, text: str) -> None:
        now = time.perf_counter() - self.t0
        self.events.append((now, threading.current_thread().name, text, _rss()))

    def report(self) -> str:
        self.running = False
        events = sorted(self.events)
        ends = [e[0] for e in events[1:]] + [float("inf")]
        gib = 2**30
        lines = []
        for (t, thread, text, rss), end in zip(events, ends, strict=True):
            peak = max([r for s, r in self.samples if t <= s < end] or [rss])
            lines.append(f"{t:7.1f} s {thread[:13]:13} rss {rss / gib:5.2f} GiB, "
                         f"peak until next {peak / gib:5.2f} GiB  {text}")  # fmt: skip
        top = max(r for _, r in self.samples) if self.samples else 0
        return "\n".join([*lines, f"peak RSS {top / gib:.2f} GiB"])


def _instrument(emit_module: Any, con: Any, timeline: Timeline) -> None:
    """Wrap emit's steps (those this code tree has) to log their start and end."""

    def wrap(name: str) -> None:
        real = getattr(emit_module, name)

        def logged(*args: Any, **kw: Any) -> Any:
            what = name + (f" {args[1]}" if len(args) > 1 and isinstance(args[1], str) else "")
            if name in _WRITES:
                what = f"{name} {Path(args[1]).name}"
            timeline.event("start " + what)
            out = real(*args, **kw)
            extra = f", {out.height:,} rows" if hasattr(out, "height") else ""
            if threading.current_thread() is threading.main_thread():
                used = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()")
                extra += f", DuckDB {used.fetchone()[0] / 2**30:.2f} GiB"
            timeline.event("end " + what + extra)
            return out

        setattr(emit_module, name, logged)

    for name in _STEPS:
        if hasattr(emit_module, name):
            wrap(name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a copy: emit writes into it")
    ap.add_argument("--out", type=Path, required=True, help="folder for the run's files")
    ap.add_argument("--run", help="run id (default: the latest run)")
    ap.add_argument("--code-root", type=Path, default=ROOT)
    ap.add_argument("--memory-limit", default="5GB")
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    sys.path.insert(0, str(ROOT / "bench"))
    from _code_root import use_code_root

    use_code_root(args.code_root.resolve())
    import skiptrace.flows.exports.emit as emit_module
    from skiptrace import sql

    con = sql.connect(args.db, memory_limit=args.memory_limit)
    latest = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    run_id = args.run or (latest[0] if latest else None)
    if run_id is None:
        ap.error(f"{args.db} has no run")
    timeline = Timeline()
    _instrument(emit_module, con, timeline)
    t0 = time.perf_counter()
    emit_module.emit(con, run_id, args.out)
    seconds = time.perf_counter() - t0
    con.close()
    print(timeline.report())
    print(f"emit of {run_id} from {args.code_root}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
