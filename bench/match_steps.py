"""The match stage (`matchers.link.link`) step by step: seconds per SQL file and per scoring
function, for one or more code trees, on one standardized database; and whether the trees'
match tables are identical.

Why: the wrong-party rules read other records before scoring (sql/match/second_person.sql,
common_name.sql, crowded_dwelling.sql, generation_records.sql, move_records.sql, and
shared_contacts.sql with the sides), and `bench/vs_splink.py` reports them only inside its one
`score + guards + roles` phase. This script times every `skiptrace.sql.run` / `query` / `rows` /
`scalar` call by its file (an inline statement by its first words) and the Python steps around
them (guards per pattern, roles, the post-scoring rules), each run in a fresh child process on
an in-memory copy of the database's acct_std / rec_std / acct_phones / rec_phones (as
`bench/vs_splink.py` times `link()`). With several `--code-root`s the trees alternate,
`--repeat` rounds, and each run's match tables (match_pairs, match_conflicts, match_params,
match_model without the code's version hash, match_run without its timestamp) are written to
`--out` and compared row for row with the first tree's first run: a speed change must leave
them identical.

    git archive fdd8ec3 | tar -x -C /tmp/code-main       # the code to compare against
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/match_steps.py \\
        --db /tmp/skiptrace-vs-splink/skiptrace.duckdb --code-root /tmp/code-main \\
        --code-root . --repeat 2 --out /tmp/match-steps

`--db`: a database holding the standardized tables, e.g. the one `bench/vs_splink.py` prepares
(<workdir>/skiptrace.duckdb) or the run database `bench/scale.py` leaves. Times include the
instrumentation's own cost (a few microseconds a call). A nested step's time is also in its
caller's (the SQL files in `_scored_select`, `_per_pattern` in `apply_guards`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _timing import alternating, child_json, cpu_seconds, git_head  # noqa: E402

#: The tables link() reads, copied into the child's in-memory database.
INPUT_TABLES = ("acct_std", "rec_std", "acct_phones", "rec_phones")
#: The match tables compared between runs (match_run's timestamp column is left out).
OUTPUT_TABLES = ("match_pairs", "match_conflicts", "match_params", "match_model", "match_run")
#: Columns left out of the comparison: match_model.matcher_version is a hash of the matcher's
#: code and SQL (matchers/settings.py), different for any two trees by design.
IGNORED_COLUMNS = ("matcher_version",)
#: The order of a table's rows in the parquet copy (every table is sorted on all its columns
#: that are listed here and exist; the rest break no ties that matter for EXCEPT ALL).
ORDER_KEYS = ("account_id", "rec_id", "comparison", "level")

#: The Python steps timed, as (module, function, label). A function a tree lacks is skipped.
PY_STEPS = (
    ("compare", "prepare_sides", "sides + placeholders (prepare_sides)"),
    ("link", "block", "blocking"),
    ("link", "_estimate", "estimate (u sample, compare, EM)"),
    ("link", "_score_candidates", "score + guards + roles (_score_candidates)"),
    ("link", "_scored_select", "  wrong-party tables before scoring (_scored_select)"),
    ("link", "_record_generations", "  generation_records (_record_generations)"),
    ("link", "_generation_accounts", "  generation accounts (_generation_accounts)"),
    ("link", "_score_frame", "  score one chunk (_score_frame)"),
    ("fellegi_sunter", "score", "    weights (fellegi_sunter.score)"),
    ("link", "apply_guards", "    guards (apply_guards)"),
    ("guards", "_per_pattern", "      guards per pattern (_per_pattern)"),
    ("link", "_assign_roles", "    roles (_assign_roles)"),
    ("link", "hold_split_identities", "hold_split_identities"),
    ("link", "release_borrowed_ssn", "release_borrowed_ssn"),
    ("link", "corroborate_by_linked_records", "corroborate_by_linked_records"),
    ("link", "_write", "write match tables (_write)"),
    ("incremental", "write_cache", "write the incremental cache"),
    ("link", "_drop_temp", "drop temp tables"),
)


# --------------------------------------------------------------------------- child process


def _instrument(times: dict[str, dict[str, float]]) -> None:
    """Wrap skiptrace.sql's statement runners and the PY_STEPS functions to add up seconds."""
    import skiptrace.matchers.link as link_mod
    from skiptrace import sql
    from skiptrace.matchers import compare, fellegi_sunter, guards, incremental

    modules = {
        "link": link_mod,
        "compare": compare,
        "fellegi_sunter": fellegi_sunter,
        "guards": guards,
        "incremental": incremental,
    }

    def add(label: str, seconds: float) -> None:
        rec = times.setdefault(label, {"seconds": 0.0, "calls": 0})
        rec["seconds"] += seconds
        rec["calls"] += 1

    def sql_label(name: str) -> str:
        if name.endswith(".sql"):
            return f"sql {name}"
        words = " ".join(name.split())
        return f"sql (inline) {words[:60]}"

    for attr in ("run", "query", "rows", "scalar"):
        fn = getattr(sql, attr)

        def timed_sql(con: Any, name: str, /, *a: Any, _fn: Any = fn, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return _fn(con, name, *a, **k)
            finally:
                add(sql_label(name), time.perf_counter() - t)

        setattr(sql, attr, timed_sql)

    for mod, attr, label in PY_STEPS:
        owner = modules[mod]
        fn = getattr(owner, attr, None)
        if fn is None:
            continue

        def timed(*a: Any, _fn: Any = fn, _label: str = label, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                add(f"py {_label}", time.perf_counter() - t)

        setattr(owner, attr, timed)


def _export(con: Any, out: Path, run_id: str) -> None:
    """The run's match tables as parquet files in `out`, rows in a fixed order."""
    out.mkdir(parents=True, exist_ok=True)
    for table in OUTPUT_TABLES:
        cols = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        keep = [c for c, t in cols if not t.startswith("TIMESTAMP") and c not in IGNORED_COLUMNS]
        order = [c for c in ORDER_KEYS if c in keep] or keep[:1]
        select = ", ".join(f'"{c}"' for c in keep)
        target = out / f"{table}.parquet"
        con.execute(
            f"COPY (SELECT {select} FROM {table} WHERE run_id = ? "
            f"ORDER BY {', '.join(order)}) TO '{target}' (FORMAT parquet)",
            [run_id],
        )


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One link() run on an in-memory copy of --db, timed step by step."""
    if args.code_root:
        from _code_root import use_code_root

        use_code_root(Path(args.code_root).resolve())
    from skiptrace import sql
    from skiptrace.matchers.link import MatchSettings, link

    con = sql.connect(":memory:", memory_limit=args.memory_limit)
    con.execute(f"ATTACH '{args.db}' AS src (READ_ONLY)")
    for table in INPUT_TABLES:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")
    con.execute("DETACH src")
    caps: dict[str, Any] = {}
    if args.block_cap:
        caps["block_cap"] = args.block_cap
    if args.name_block_cap:
        caps["name_block_cap"] = args.name_block_cap
    settings = MatchSettings(threshold=args.threshold, **caps)
    if args.score_chunk_rows:  # the chunked scoring path of a large run, on a small database
        import skiptrace.matchers.link as link_mod

        link_mod.SCORE_CHUNK_ROWS = args.score_chunk_rows
    times: dict[str, dict[str, float]] = {}
    _instrument(times)
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    res = link(con, "match-steps", settings=settings)
    seconds = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    if args.export:
        _export(con, Path(args.export), "match-steps")
    return {
        "code_root": args.code_root or str(ROOT),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 2),
        "candidate_pairs": res.candidate_pairs,
        "linked_pairs": res.linked_pairs,
        "associates": res.associates,
        "review_pairs": res.review_pairs,
        "steps": {
            k: {"seconds": round(v["seconds"], 4), "calls": v["calls"]} for k, v in times.items()
        },
    }


# --------------------------------------------------------------------------- parent


def _code_label(root: Path) -> str:
    """The tree's commit (a COMMIT file, as bench/vs_splink.py reads it, or git), else its path."""
    marker = root / "COMMIT"
    if marker.exists():
        return marker.read_text().strip()[:12]
    return git_head(root, "--untracked-files=no") or root.name


def _run_child(args: argparse.Namespace, root: Path | None, export: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--db", str(args.db)]
    cmd += ["--threshold", str(args.threshold)]
    if root is not None:
        cmd += ["--code-root", str(root)]
    if export is not None:
        cmd += ["--export", str(export)]
    if args.block_cap:
        cmd += ["--block-cap", str(args.block_cap)]
    if args.name_block_cap:
        cmd += ["--name-block-cap", str(args.name_block_cap)]
    if args.memory_limit:
        cmd += ["--memory-limit", args.memory_limit]
    if args.score_chunk_rows:
        cmd += ["--score-chunk-rows", str(args.score_chunk_rows)]
    env = dict(os.environ)
    env.setdefault("SKIPTRACE_HMAC_KEY", "match-steps-bench-key")  # nothing is hashed here
    return child_json(cmd, what=f"worker ({root})", env=env)


def _differences(a: Path, b: Path) -> dict[str, Any]:
    """Per table: rows of `a` not in `b` and of `b` not in `a` (EXCEPT ALL), and row counts."""
    import duckdb

    con = duckdb.connect()
    out: dict[str, Any] = {}
    for table in OUTPUT_TABLES:
        fa, fb = a / f"{table}.parquet", b / f"{table}.parquet"
        ra = f"read_parquet('{fa}')"
        rb = f"read_parquet('{fb}')"
        counts = con.execute(
            f"SELECT (SELECT count(*) FROM {ra}), (SELECT count(*) FROM {rb})"
        ).fetchall()[0]
        try:
            only_a = con.execute(
                f"SELECT count(*) FROM (FROM {ra} EXCEPT ALL FROM {rb})"
            ).fetchall()[0][0]
            only_b = con.execute(
                f"SELECT count(*) FROM (FROM {rb} EXCEPT ALL FROM {ra})"
            ).fetchall()[0][0]
        except duckdb.Error as exc:  # another shape: not identical
            out[table] = {"rows": counts, "error": str(exc).splitlines()[0]}
            continue
        out[table] = {"rows": list(counts), "only_first": only_a, "only_second": only_b}
    con.close()
    return out


def _identical(diff: dict[str, Any]) -> bool:
    return all(
        "error" not in d and d["only_first"] == 0 and d["only_second"] == 0 for d in diff.values()
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", type=Path, required=True, help="database with acct_std / rec_std")
    ap.add_argument(
        "--code-root",
        action="append",
        default=None,
        help="a code tree to time (repeatable; default this checkout)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="rounds; the trees alternate")
    ap.add_argument("--out", type=Path, help="keep each run's match tables here and compare them")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--block-cap", type=int, default=None)
    ap.add_argument("--name-block-cap", type=int, default=None)
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit of the child")
    ap.add_argument(
        "--score-chunk-rows",
        type=int,
        default=None,
        help="matchers.link.SCORE_CHUNK_ROWS (candidates scored per chunk; default the module's)",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--export", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        args.code_root = args.code_root[0] if args.code_root else None
        print(json.dumps(worker(args)))
        return 0

    roots: list[Path | None] = (
        [Path(r).resolve() for r in args.code_root] if args.code_root else [None]
    )
    labels = [_code_label(r or ROOT) for r in roots]
    labels = [f"{lab} ({i})" if labels.count(lab) > 1 else lab for i, lab in enumerate(labels)]
    runs: dict[str, list[dict[str, Any]]] = {lab: [] for lab in labels}
    checks: list[dict[str, Any]] = []
    reference: Path | None = None
    for n, (rnd, tree, root) in enumerate(alternating(roots, args.repeat), start=1):
        lab = labels[tree]
        export = args.out / f"run{n:02d}" if args.out else None
        res = _run_child(args, root, export)
        runs[lab].append(res)
        print(
            f"round {rnd}/{args.repeat} {lab}: link() {res['seconds']:.2f} s "
            f"(CPU {res['cpu_seconds']:.1f} s), {res['candidate_pairs']:,} candidates, "
            f"{res['linked_pairs']:,} debtor links",
            flush=True,
        )
        if export is not None:
            if reference is None:
                reference = export
            else:
                diff = _differences(reference, export)
                checks.append(
                    {
                        "code": lab,
                        "round": rnd,
                        "identical": _identical(diff),
                        "tables": diff,
                    }
                )
                print(f"  match tables identical to the first run: {_identical(diff)}", flush=True)
                if not _identical(diff):
                    print(f"  {json.dumps(diff)}", flush=True)

    if args.json:  # before the table: a reader closing the pipe early keeps the figures
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": runs, "checks": checks}, indent=2))
    order: list[str] = []
    for rs in runs.values():  # first-seen order across runs keeps the call order readable
        for r in rs:
            for k in r["steps"]:
                if k not in order:
                    order.append(k)
    width = max(len(k) for k in order) if order else 10
    print()
    print("median seconds per step (calls) over the rounds")
    print(f"{'step':<{width}}  " + "  ".join(f"{lab:>18}" for lab in labels))
    for k in ["link()", *order]:
        cells = []
        for lab in labels:
            if k == "link()":
                vals = [r["seconds"] for r in runs[lab]]
                calls = 1
            else:
                vals = [r["steps"].get(k, {}).get("seconds", 0.0) for r in runs[lab]]
                calls = max((r["steps"].get(k, {}).get("calls", 0) for r in runs[lab]), default=0)
            cells.append(
                f"{statistics.median(vals):>12.3f} ({calls:>3})" if calls else f"{'-':>18}"
            )
        print(f"{k:<{width}}  " + "  ".join(cells))
    return 0 if all(c["identical"] for c in checks) else 1


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
