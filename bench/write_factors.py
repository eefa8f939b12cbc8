"""Resolve's contact_points write with the model inputs as factors.x JSON (before migration
072) against the typed model_inputs list (after), alternating in one process on real rows.

Two whole resolve runs minutes apart on a shared machine measure the load more than the code;
this resolves one copy of a run database once (keeping the rs_* temp tables), then runs the
write step (09_write_clear + 09_write chunk by chunk) both ways `--repeat` times on the same
temp tables and prints the median seconds, the stored bytes of factors per point, and
whether the two runs' rows are the same once `x` is put back into factors (as
bench/resolve_equal.py compares them).

    .venv/bin/python bench/scale.py --accounts 300000 --name-block-cap 50 --memory-limit 5GB --no-score
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/write_factors.py \
        --db bench/results/tmp/scale/run-300000x5-s7/skiptrace.duckdb --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_DB = ROOT / "bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb"

#: the write as it was before migration 072, derived from today's file so nothing else differs
NEW_MODEL_LINE = '"model" := $model_version\n'
NEW_INPUTS_LINE = "       {{feature_list}} AS model_inputs,\n"


def old_write(new_text: str, feature_json: str) -> str:
    """Today's 09_write.sql with the inputs under factors.x again and no model_inputs column."""
    if NEW_MODEL_LINE not in new_text or NEW_INPUTS_LINE not in new_text:
        raise SystemExit("09_write.sql changed: update bench/write_factors.py's old form")
    text = new_text.replace(NEW_INPUTS_LINE, "")
    return text.replace(NEW_MODEL_LINE, f'"model" := $model_version, "x" := {feature_json}\n')


from _resolved_copy import drop_copy, resolved_copy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from resolve_equal import FACTORS_WHOLE

    from skiptrace import sql
    from skiptrace.matchers import resolve as R
    from skiptrace.matchers.confidence import (
        feature_json_sql,
        feature_list_sql,
        feature_names,
        load_model,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", default="5GB")
    ap.add_argument("--copy", type=Path, default=ROOT / "bench/results/tmp/write_factors.duckdb")
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: no database at {args.db} (run bench/scale.py first)", file=sys.stderr)
        return 2
    con, _, s = resolved_copy(args.db, args.copy, args.memory_limit)
    model = load_model()
    raw = sql.load("resolve/09_write.sql")
    texts = {
        "json x (before)": old_write(raw, feature_json_sql()),
        "typed (after)": raw.replace("{{feature_list}}", feature_list_sql()),
    }
    runs = {"json x (before)": "old", "typed (after)": "new"}
    chunks = R.write_chunks(con, s.write_chunk_rows)
    times: dict[str, list[float]] = {k: [] for k in texts}
    for _ in range(args.repeat):
        for label, text in texts.items():
            t0 = time.perf_counter()
            with sql.transaction(con):
                sql.run(
                    con,
                    "resolve/09_write_clear.sql",
                    run_id=runs[label],
                    input_names=feature_names(),
                )
                for after, upto in chunks:
                    sql.run(
                        con,
                        text,
                        run_id=runs[label],
                        model_version=model.version,
                        after=after,
                        upto=upto,
                    )
            con.execute("CHECKPOINT")
            times[label].append(time.perf_counter() - t0)
    con.execute("DELETE FROM run_model_inputs WHERE run_id = 'old'")  # old rows: x in factors
    n = con.execute("SELECT count(*) FROM contact_points WHERE run_id = 'new'").fetchone()[0]
    print(f"{n:,} contact points, {len(chunks)} chunk(s), repeat {args.repeat}")
    for label, secs in times.items():
        run = runs[label]
        size = con.execute(
            "SELECT avg(strlen(CAST(factors AS VARCHAR))) FROM contact_points WHERE run_id = ?",
            [run],
        ).fetchone()[0]
        print(
            f"{label:16} median {statistics.median(secs):6.2f} s "
            f"({', '.join(f'{x:.2f}' for x in secs)}); factors {size:.0f} bytes a point"
        )

    def whole(run: str) -> str:
        return (
            "SELECT * EXCLUDE (run_id) FROM ("
            + FACTORS_WHOLE.replace("{db}.", "").replace("$run_id", f"'{run}'")
            + ")"
        )

    diff = con.execute(
        f"SELECT count(*) FROM (({whole('old')} EXCEPT ALL {whole('new')})"
        f" UNION ALL ({whole('new')} EXCEPT ALL {whole('old')}))"
    ).fetchone()[0]
    print(f"contact_points rows differing (run_id aside, x put back into factors): {diff}")
    con.close()
    drop_copy(args.copy)
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
