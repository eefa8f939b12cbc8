"""Cost of storing contact_points.factors three ways, on synthetic rows shaped like resolve's.

Why: at 1M accounts the contact_points insert is resolve's largest statement, and the factors
JSON (~910 bytes a point, two thirds of it the model inputs `x`) is most of what it builds and
stores. This measures building + inserting + checkpointing N rows into an on-disk table:

- json:   today's to_json(struct_pack(facts..., x := struct_pack(features...)))
- struct: the same struct stored as a typed STRUCT column (no JSON text)
- side:   the facts as JSON without `x`, the model inputs as a typed DOUBLE[] column

    .venv/bin/python bench/factors_repr.py --rows 528329 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from skiptrace.matchers.confidence import FEATURES

FACTS = """
"match" := round(match_max, 4), "reliability" := rel_max, "support" := round(support, 4),
"n_sources" := n_sources, "n_records" := n_records, "age_years" := round(age_years, 3),
"last_seen" := last_seen, "report_lag_years" := round(report_lag_years, 3),
"has_support" := has_support, "on_file" := on_file, "valid" := valid,
"superseded" := superseded, "succeeded" := succeeded, "newer_gap_years" := round(newer_gap_years, 3),
"moved_from" := moved_from, "ncoa_no_forward" := ncoa_no_forward,
"ncoa_forward" := ncoa_forward, "ncoa_family" := ncoa_family, "vendor_rank1" := vendor_rank1,
"shared_third_party" := shared_third_party, "competitors" := competitors,
"line_type" := line_type, "prepaid" := prepaid, "consent" := consent,
"z" := round(z, 5), "p_model" := round(p, 5), "model" := 'm-2026-01'
"""


def _source(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    xs = ", ".join(f"random() AS x_{f.name}" for f in FEATURES)
    con.execute(f"""CREATE TEMP TABLE src AS
        SELECT 'A' || lpad(CAST(i // 5 AS VARCHAR), 8, '0') AS account_id, i AS rid,
               random() AS match_max, random() AS rel_max, random() AS support,
               CAST(random() * 4 AS INT) AS n_sources, CAST(random() * 6 AS INT) AS n_records,
               random() * 9 AS age_years, DATE '2024-01-01' + CAST(random() * 600 AS INT) AS last_seen,
               CASE WHEN i % 3 = 0 THEN NULL ELSE random() END AS report_lag_years,
               i % 2 = 0 AS has_support, i % 5 = 0 AS on_file, CASE WHEN i % 4 = 0 THEN NULL ELSE true END AS valid,
               i % 7 = 0 AS superseded, i % 11 = 0 AS succeeded,
               CASE WHEN i % 3 = 0 THEN NULL ELSE random() END AS newer_gap_years,
               i % 13 = 0 AS moved_from, i % 17 = 0 AS ncoa_no_forward, i % 19 = 0 AS ncoa_forward,
               CAST(NULL AS VARCHAR) AS ncoa_family, i % 2 = 1 AS vendor_rank1,
               false AS shared_third_party, CAST(random() * 3 AS INT) AS competitors,
               CASE WHEN i % 3 = 0 THEN 'mobile' END AS line_type, CAST(NULL AS BOOLEAN) AS prepaid,
               CAST(NULL AS BOOLEAN) AS consent, random() * 4 - 2 AS z, random() AS p, {xs}
        FROM range({rows}) t(i)""")


def _x_struct() -> str:
    return "struct_pack(" + ", ".join(f'"{f.name}" := round(x_{f.name}, 6)' for f in FEATURES) + ")"


def _x_list() -> str:
    return "[" + ", ".join(f"round(x_{f.name}, 6)" for f in FEATURES) + "]"


def statements() -> dict[str, str]:
    full = f'struct_pack({FACTS}, "x" := {_x_struct()})'
    return {
        "json": f"SELECT account_id, rid, to_json({full}) AS factors FROM src ORDER BY account_id",
        "struct": f"SELECT account_id, rid, {full} AS factors FROM src ORDER BY account_id",
        "side": f"SELECT account_id, rid, to_json(struct_pack({FACTS})) AS factors, "
        f"{_x_list()} AS x FROM src ORDER BY account_id",
    }


def run_once(kind: str, text: str, rows: int, workdir: Path) -> tuple[float, int]:
    path = workdir / f"{kind}.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config={"threads": 2, "memory_limit": "5GB"})
    _source(con, rows)
    start = time.perf_counter()
    con.execute(f"CREATE TABLE cp AS {text}")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - start
    con.close()
    return seconds, path.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=528_329)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="factors_repr_") as tmp:
        times: dict[str, list[float]] = {k: [] for k in statements()}
        sizes: dict[str, int] = {}
        for _ in range(args.repeat):  # alternate the kinds, so load shifts hit all alike
            for kind, text in statements().items():
                s, size = run_once(kind, text, args.rows, Path(tmp))
                times[kind].append(s)
                sizes[kind] = size
        for kind in times:
            med = statistics.median(times[kind])
            print(
                f"{kind:7s} rows {args.rows:>9,}  median {med:6.2f} s  "
                f"runs {', '.join(f'{t:.2f}' for t in times[kind])}  file {sizes[kind] / 1e6:7.1f} MB"
            )


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
