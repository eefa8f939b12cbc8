"""run_summary.json: the machine-readable account of one run (foundation contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql


def build_summary(
    con: duckdb.DuckDBPyConnection, run_id: str, stages: list[dict[str, Any]]
) -> dict[str, Any]:
    """Stages, per-file reconciliation and totals for `run_id`, from the lineage tables."""
    as_of_rows = sql.rows(con, "SELECT as_of FROM runs WHERE run_id = $run_id", run_id=run_id)
    as_of = (as_of_rows[0]["as_of"],) if as_of_rows else None
    files = [tuple(f.values()) for f in sql.rows(con, "report/summary_files.sql", run_id=run_id)]
    totals = tuple(sql.rows(con, "report/summary_totals.sql", run_id=run_id)[0].values())
    return {
        "run_id": run_id,
        "as_of": str(as_of[0]) if as_of else None,
        "stages": [{k: s[k] for k in ("name", "seconds", "rows_in", "rows_out")} for s in stages],
        "files": [
            {
                "path": f[0],
                "source": f[1],
                "sha256": f[2],
                "rows_read": f[3],
                "rows_loaded": f[4],
                "rows_rejected": f[5],
                "status": f[6],
                "field_issues": f[7],
            }
            for f in files
        ]
        + _skipped_files(stages),
        "field_issues": _field_issues(con, run_id),
        "quarantined_files": [
            f for s in stages for f in s.get("details", {}).get("quarantined_files", [])
        ],
        # What a scheduler must not miss in a completed run (an optional source without a
        # file): `skiptrace run` exits 7 when this list is not empty.
        "warnings": [w["message"] for w in sql.rows(con, "audit/run_warnings.sql", run_id=run_id)],
        "totals": {
            "matched": totals[0],
            "associates": totals[1],
            "emitted": totals[2],
            "suppressed": totals[3],
            "quarantined": totals[4],
        },
    }


def _skipped_files(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files without a row of this run in input_files that the run read all the same: those
    it found already loaded (same checksum) and skipped, and the collectors' outcomes files
    (sources.yml kind `outcomes`, stored in contact_outcomes; their counts are the file's). An
    operator re-running a night must see that they were read, not missed ("files": [] looked
    like nothing was delivered)."""
    listed = []
    for s in stages:
        if s.get("name") != "ingest":
            continue
        for f in s.get("details", {}).get("files", []):
            if not isinstance(f, dict):
                continue
            outcomes = f.get("kind") == "outcomes"
            if not outcomes and f.get("status") != "skipped_duplicate":
                continue
            listed.append(
                {
                    "path": f["path"],
                    "source": f["source"],
                    "sha256": f["sha256"],
                    "rows_read": f.get("rows_read", 0) if outcomes else 0,
                    "rows_loaded": f.get("rows_loaded", 0) if outcomes else 0,
                    "rows_rejected": f.get("rows_rejected", 0) if outcomes else 0,
                    "status": f["status"],
                    "field_issues": 0,
                    **({"kind": "outcomes"} if outcomes else {}),
                }
            )
    return listed


def _field_issues(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Counts of NULLed / repaired fields by source, column, reason and action (no values)."""
    from skiptrace.sources.ingest import field_issue_counts

    groups = field_issue_counts(con, run_id).to_dicts()
    return {"total": sum(g["n"] for g in groups), "by_source_column_reason": groups}


def write_summary(summary: dict[str, Any], out_dir: Path) -> Path:
    """Write run_summary.json atomically next to the run's exports."""
    from skiptrace.atomic import atomic_write_text

    path = out_dir / "run_summary.json"
    atomic_write_text(path, json.dumps(summary, indent=2, default=str) + "\n")
    return path
