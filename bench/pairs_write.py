"""The match stage's write of the stored pairs: levels and weights as JSON objects (before
migration 100) against structs (after), on a run's real pairs, alternating in one process.

Every run writes every stored pair (3.15M at 1M accounts). This reads the newest run's pairs
from a run database (read only), spreads the levels and weights into columns as the scorer
hands them over, and appends them chunk by chunk (matchers.link.WRITE_CHUNK_ROWS, sorted as
link._write_pairs sorts them) to a fresh table of each form, then checkpoints; `--repeat`
alternations, medians, and the bytes each form occupies in the file.

    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/pairs_write.py \
        --db bench/results/tmp/scale/run-1000000x5-s7/skiptrace.duckdb --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "bench/results/tmp/scale/run-100000x5-s7/skiptrace.duckdb"


def main(argv: list[str] | None = None) -> int:
    import duckdb

    from skiptrace import sql
    from skiptrace.matchers.compare import NAMES
    from skiptrace.matchers.link import WRITE_CHUNK_ROWS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: no database at {args.db} (run bench/scale.py first)", file=sys.stderr)
        return 2
    src = duckdb.connect(str(args.db), read_only=True)
    src.execute("SET enable_progress_bar = false")
    run_id = src.execute("SELECT run_id FROM match_pairs ORDER BY run_id DESC LIMIT 1").fetchone()[
        0
    ]  # type: ignore[index]
    as_text = (
        "to_json({c})"
        if "STRUCT"
        in str(
            src.execute(
                "SELECT data_type FROM duckdb_columns() WHERE table_name = 'match_pairs'"
                " AND column_name = 'levels'"
            ).fetchone()[0]  # type: ignore[index]
        )
        else "{c}"
    )
    spread = ", ".join(
        f"CAST(json_extract({as_text.format(c='levels')}, '$.{n}') AS INTEGER) AS {n},"
        f" CAST(json_extract({as_text.format(c='weights')}, '$.{n}') AS DOUBLE) AS w_{n}"
        for n in NAMES
    )
    frame = sql.query(
        src,
        f"SELECT account_id, rec_id, source, match_weight, match_probability, role, guard,"
        f" {spread} FROM match_pairs WHERE run_id = $run_id ORDER BY account_id, rec_id",
        run_id=run_id,
    )
    src.close()
    written = sql.load("match/write_pairs.sql")
    forms = {
        "json (before)": (
            "JSON",
            "JSON",
            written.split("struct_pack(", 1)[0]
            + "json_object("
            + ", ".join(f"'{n}', {n}" for n in NAMES)
            + "),\n    json_object("
            + ", ".join(f"'{n}', w_{n}" for n in NAMES)
            + ")\nFROM _scored\nORDER BY account_id, rec_id;",
        ),
        "struct (after)": (
            "STRUCT(" + ", ".join(f"{n} INTEGER" for n in NAMES) + ")",
            "STRUCT(" + ", ".join(f"{n} DOUBLE" for n in NAMES) + ")",
            written,
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in forms}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="skiptrace-pairs-write-") as tmp:
        for _ in range(args.repeat):
            for label, (ltype, wtype, text) in forms.items():
                path = Path(tmp) / "w.duckdb"
                for p in Path(tmp).glob("w.duckdb*"):
                    p.unlink()
                con = duckdb.connect(str(path))
                con.execute(
                    "CREATE TABLE match_pairs (run_id VARCHAR, account_id VARCHAR, rec_id BIGINT,"
                    " source VARCHAR, match_weight DOUBLE, match_probability DOUBLE,"
                    f" role VARCHAR, guard VARCHAR, levels {ltype}, weights {wtype})"
                )
                t0 = time.perf_counter()
                for start in range(0, frame.height, WRITE_CHUNK_ROWS):
                    con.register("_scored", frame.slice(start, WRITE_CHUNK_ROWS))
                    con.execute(text.replace("$run_id", f"'{run_id}'"))
                    con.unregister("_scored")
                con.execute("CHECKPOINT")
                times[label].append(time.perf_counter() - t0)
                con.close()
                sizes[label] = path.stat().st_size
    print(f"{frame.height:,} stored pairs of run {run_id}, {args.repeat} alternation(s)")
    for label, secs in times.items():
        print(
            f"{label:15} median {statistics.median(secs):6.2f} s "
            f"({', '.join(f'{s:.2f}' for s in secs)}); file {sizes[label] / 2**20:,.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
