"""The match stage alone on a copy of a run database: seconds and peak RSS per phase of link().

Why: the pipeline's peak memory at 1M accounts is set in the match stage (docs/performance.md),
and `bench/scale.py` samples one peak per stage. This script re-runs `matchers.link.link` in a
fresh process over a copy of a database a run left behind (its `acct_std` / `rec_std`), with the
same per-phase instrumentation as `bench/vs_splink.py`, so a change to blocking, scoring or
writing can be judged at the size where the peak matters without a whole pipeline run.

    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/match_phases.py \
        --db bench/results/tmp/scale/run-1000000x5-s7/skiptrace.duckdb \
        --name-block-cap 50 --memory-limit 5GB

The copy goes to --workdir (default /tmp/skiptrace-match-phases) and is removed afterwards
unless --keep. The phases' peaks are measured by resetting the kernel's high-water mark
(/proc/self/clear_refs) after each phase, so each peak is that phase's own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from vs_splink import (  # noqa: E402
    _instrument_link,
    _loadavg,
    _peak_mib,
    _reset_peak,
    _rss_mib,
)


def _trim_after_scoring() -> None:
    """Experiment: hand the heap freed by scoring back to the OS (glibc malloc_trim)."""
    import ctypes

    import skiptrace.matchers.link as link_mod

    libc = ctypes.CDLL("libc.so.6")
    fn = link_mod._score_candidates

    def trimmed(*a: Any, **k: Any) -> Any:
        out = fn(*a, **k)
        before = _rss_mib()
        libc.malloc_trim(0)
        print(f"  [malloc_trim] rss {before:,.0f} -> {_rss_mib():,.0f} MiB", flush=True)
        return out

    link_mod._score_candidates = trimmed


def _own_phase(phases: dict[str, dict[str, float]], owner: Any, attr: str, label: str) -> None:
    """Time `owner.attr` as a phase of its own, with its own peak RSS (reset after it)."""
    fn = getattr(owner, attr)

    def timed(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            rec = phases.setdefault(label, {"seconds": 0.0})
            rec["seconds"] += time.perf_counter() - t
            rec["peak_rss_mib"] = max(rec.get("peak_rss_mib", 0.0), _peak_mib())
            _reset_peak()

    setattr(owner, attr, timed)


def _time_cache_write(phases: dict[str, dict[str, float]]) -> None:
    """A phase of its own for the incremental cache write, which runs after the pairs'
    transaction (else its seconds fall between two phases and its peak into the next one)."""
    from skiptrace.matchers import incremental

    _own_phase(phases, incremental, "write_cache", "write incremental cache")


def _trace_write_steps() -> None:
    """Print RSS and DuckDB's buffer-managed memory around the write steps of link().

    Says whether the write phase's peak is DuckDB's (its memory_limit) or the Python heap's
    (polars frames of the stored pairs, freed scoring chunks the allocator keeps)."""
    import skiptrace.matchers.link as link_mod
    from skiptrace.matchers import incremental

    def state(con: object, label: str) -> None:
        rows = con.execute(  # type: ignore[attr-defined]
            "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()"
        ).fetchall()
        used, spilled = rows[0] if rows else (0, 0)
        print(
            f"  [{label}] rss {_rss_mib():,.0f} MiB, duckdb {int(used or 0) / 2**20:,.0f} MiB "
            f"(spilled {int(spilled or 0) / 2**20:,.0f} MiB)",
            flush=True,
        )

    def around(owner: object, attr: str) -> None:
        fn = getattr(owner, attr)

        def traced(con: object, *a: object, **k: object) -> object:
            state(con, f"before {attr}")
            out: Any = None
            try:
                out = fn(con, *a, **k)
                return out
            finally:
                state(con, f"after {attr}")
                frame = getattr(out, "pairs", out)
                if hasattr(frame, "estimated_size"):
                    print(f"  [{attr} returned {frame.estimated_size() / 2**20:,.0f} MiB of pairs]")

        setattr(owner, attr, traced)

    around(link_mod, "_score_candidates")
    around(link_mod, "corroborate_by_linked_records")
    around(link_mod, "_write")
    around(link_mod, "_write_pairs")
    around(incremental, "write_cache")


def _instrument_incremental(phases: dict[str, dict[str, float]]) -> None:
    """Phases of their own for an incremental link(): its blocking (build_blocks without the
    candidate join), the cached candidates and what to compare, and the assembly of cached and
    new levels."""
    import skiptrace.matchers.link as link_mod
    from skiptrace.matchers import incremental

    _own_phase(phases, link_mod, "build_blocks", "blocking (incremental: keys and sizes)")
    _own_phase(phases, incremental, "incremental_candidates", "incremental candidates")
    _own_phase(phases, incremental, "assemble_cmp", "assemble cached + compared levels")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="a run database (not modified)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/skiptrace-match-phases"))
    ap.add_argument("--name-block-cap", type=int, default=None)
    ap.add_argument("--block-cap", type=int, default=None)
    ap.add_argument("--memory-limit", default="5GB", help="DuckDB memory_limit")
    ap.add_argument("--keep", action="store_true", help="keep the database copy")
    ap.add_argument(
        "--incremental",
        action="store_true",
        help="run link() as the match stage plans it after the database's last completed run "
        "(incremental from its cache, with that run's parameters, when they apply): the "
        "nightly case, whose peak carries every cached pair",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a DuckDB setting for the run (repeatable), e.g. allocator_background_threads=true",
    )
    ap.add_argument(
        "--score-chunk-rows",
        type=int,
        default=None,
        help="matchers.link.SCORE_CHUNK_ROWS for the run (candidates scored per chunk)",
    )
    ap.add_argument(
        "--score-write-limit",
        default=None,
        help="matchers.link.SCORE_AND_WRITE_MEMORY_LIMIT for the run (DuckDB's limit while "
        "scoring and writing; e.g. 5GB to measure without the lowered limit)",
    )
    ap.add_argument(
        "--trim-after-scoring",
        action="store_true",
        help="experiment: glibc malloc_trim(0) right after scoring",
    )
    ap.add_argument(
        "--trace-memory",
        action="store_true",
        help="print RSS and DuckDB's own memory before and after each write step",
    )
    args = ap.parse_args(argv)
    if not args.db.is_file():
        print(f"error: no database at {args.db}", file=sys.stderr)
        return 2

    args.workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    copy = args.workdir / "match.duckdb"
    shutil.copyfile(args.db, copy)
    os.chmod(copy, 0o600)

    from skiptrace import sql
    from skiptrace.matchers.link import link
    from skiptrace.matchers.settings import MatchSettings

    phases = _instrument_link()
    _time_cache_write(phases)
    if args.incremental:
        _instrument_incremental(phases)
    if args.score_chunk_rows:
        import skiptrace.matchers.link as link_mod

        link_mod.SCORE_CHUNK_ROWS = args.score_chunk_rows
    if args.score_write_limit:
        import skiptrace.matchers.link as link_mod

        link_mod.SCORE_AND_WRITE_MEMORY_LIMIT = args.score_write_limit
    if args.trim_after_scoring:
        _trim_after_scoring()
    if args.trace_memory:
        _trace_write_steps()
    overrides = {
        k: v
        for k, v in (("name_block_cap", args.name_block_cap), ("block_cap", args.block_cap))
        if v is not None
    }
    settings = MatchSettings(**overrides)
    con = sql.connect(str(copy), memory_limit=args.memory_limit)
    for item in args.set:
        name, _, value = item.partition("=")
        con.execute(f"SET {name} = '{value}'")
    _reset_peak()
    load_before = _loadavg()
    t0 = time.perf_counter()
    run_id = "match-phases"
    plan_note = ""
    if args.incremental:
        from skiptrace.matchers.incremental import plan_run

        run_id = "99999999T000000Z-phases"  # after every real run id, as a new night's is
        plan = plan_run(con, run_id, settings)
        settings, plan_note = plan.settings, plan.reason
        print(f"plan: {'incremental' if plan.incremental else 'full'} ({plan.reason})", flush=True)
        result = link(con, run_id, settings=settings, incremental_run=plan.incremental)
    else:
        result = link(con, run_id, settings=settings)
    wall = time.perf_counter() - t0
    con.close()
    out = {
        "db": str(args.db),
        "settings": overrides,
        "memory_limit": args.memory_limit,
        "seconds": round(wall, 1),
        "loadavg_before_after": [load_before, _loadavg()],
        "plan": plan_note,
        "mode": result.mode,
        "increment": result.increment,
        "candidates": result.candidate_pairs,
        "linked_pairs": result.linked_pairs,
        "blocking_report": result.blocking_report,
        "phases": {k: {kk: round(vv, 1) for kk, vv in v.items()} for k, v in phases.items()},
        "peak_rss_mib_last_phase": _peak_mib(),
    }
    for name, rec in out["phases"].items():
        peak = f"  peak {rec['peak_rss_mib']:>8,.0f} MiB" if "peak_rss_mib" in rec else ""
        print(f"{name:<48}{rec['seconds']:>8.1f} s{peak}")
    print(
        f"link() {wall:.1f} s, candidates {out['candidates']}, load {out['loadavg_before_after']}"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
