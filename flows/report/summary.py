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
    as_of_rows = con.execute("SELECT as_of FROM runs WHERE run_id = ?", [run_id]).fetchall()
    as_of = as_of_rows[0] if as_of_rows else None
    files = con.execute(
        """
        SELECT path, source, sha256, rows_read, rows_loaded, rows_rejected, status
        FROM input_files WHERE run_id = ? ORDER BY file_no
        """,
        [run_id],
    ).fetchall()
    totals = con.execute(
        """
        SELECT
          (SELECT count(*) FROM match_pairs WHERE run_id = $1 AND role = 'debtor'),
          (SELECT count(*) FROM match_pairs WHERE run_id = $1 AND role = 'associate'),
          (SELECT count(*) FROM contact_points WHERE run_id = $1 AND status <> 'suppressed'),
          (SELECT count(*) FROM contact_points WHERE run_id = $1 AND status = 'suppressed'),
          (SELECT count(*) FROM quarantine WHERE run_id = $1)
        """,
        [run_id],
    ).fetchall()[0]
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
            }
            for f in files
        ],
        "quarantined_files": [
            f for s in stages for f in s.get("details", {}).get("quarantined_files", [])
        ],
        # What a scheduler must not miss in a completed run (an optional source without a
        # file): `skiptrace run` exits 7 when this list is not empty.
        "warnings": [
            w["message"] for w in sql.rows(con, "lineage/run_warnings.sql", run_id=run_id)
        ],
        "totals": {
            "matched": totals[0],
            "associates": totals[1],
            "emitted": totals[2],
            "suppressed": totals[3],
            "quarantined": totals[4],
        },
    }


def write_summary(summary: dict[str, Any], out_dir: Path) -> Path:
    """Write run_summary.json atomically next to the run's exports."""
    from skiptrace.atomic import atomic_write_text

    path = out_dir / "run_summary.json"
    atomic_write_text(path, json.dumps(summary, indent=2, default=str) + "\n")
    return path
