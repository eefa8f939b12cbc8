"""Prefect artifacts of a run: the summary and the tables operations check first, in the UI.

Operators watch runs in the Prefect UI, not in out/; these artifacts put the run summary, file
reconciliation, quarantine, per-source hit rates and suppressions next to the flow run. Keys are
stable (`skiptrace-run-summary`, ...) so the Artifacts page shows each one's history across runs.
Only aggregates and file metadata are published, and every text cell still goes through
mask_text: the Prefect database is not a place for personal data.

`build_artifacts` is pure (testable without Prefect); `publish_artifacts` sends them and must be
called inside a flow or task run (the lead's `refresh` flow).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from skiptrace.masking import mask_text

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ArtifactSpec:
    """One artifact to publish: markdown text or a table (list of row dicts)."""

    kind: Literal["markdown", "table"]
    key: str
    description: str
    markdown: str = ""
    table: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise ValueError(
                f"artifact key {self.key!r}: lowercase letters, digits and dashes only"
            )


def build_artifacts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    report_path: Path | None = None,
    *,
    data: dict[str, Any] | None = None,
) -> list[ArtifactSpec]:
    """The run's artifacts, from the same numbers as the HTML report (`data`: the run's
    `collect_run_data`, when the caller has already collected it for the report)."""
    from skiptrace.flows.report.run_report import run_data

    data = run_data(con, run_id, data)
    return [
        ArtifactSpec(
            "markdown", "skiptrace-run-summary", f"skiptrace run {run_id}: summary",
            markdown=summary_markdown(data, report_path),
        ),
        ArtifactSpec(
            "table", "skiptrace-files", f"run {run_id}: input files and reconciliation",
            table=_clean([
                {"source": f["source"], "kind": f["kind"], "file": f["file_name"],
                 "sha256": (f["sha256"] or "")[:12], "received": f["received_at"],
                 "purpose": f["permissible_purpose"], "read": f["rows_read"],
                 "loaded": f["rows_loaded"], "rejected": f["rows_rejected"],
                 "quarantined": f["quarantined"], "reconciled": f["reconciled"]}
                for f in data["files"]
            ]),
        ),
        ArtifactSpec(
            "table", "skiptrace-quarantine", f"run {run_id}: quarantined rows by reason",
            table=_clean(data["quarantine"]),
        ),
        ArtifactSpec(
            "table", "skiptrace-sources", f"run {run_id}: contacts found per source",
            table=_clean([
                {"source": s["source"], "accounts_hit": s["accounts_hit"],
                 "hit_rate": f"{s['hit_rate'] * 100:.1f}%", "with_address": s["address_hit"],
                 "with_phone": s["phone_hit"], "with_email": s["email_hit"],
                 "contacts": s["contacts"]}
                for s in data["sources"]
            ]),
        ),
        ArtifactSpec(
            "table", "skiptrace-suppressions", f"run {run_id}: suppressions by rule",
            table=_clean(data["suppressions"]),
        ),
    ]  # fmt: skip


def summary_markdown(data: dict[str, Any], report_path: Path | None = None) -> str:
    """The run summary as Markdown: headline counts, stages, lineage check, where the report is."""
    run, totals, model = data["run"], data["totals"], data["model"]
    lines = [
        f"# skiptrace run `{run['run_id']}`",
        "",
        f"**status** {run.get('status')} · **as of** {run.get('as_of')} · "
        f"**matcher** {model.get('matcher_version') or '—'} · "
        f"**threshold** {model.get('threshold') if model.get('threshold') is not None else '—'}",
        "",
        "| accounts | matched | associates | emitted | suppressed | quarantined |",
        "|---:|---:|---:|---:|---:|---:|",
        "| "
        + " | ".join(
            f"{int(totals[k] or 0):,}"
            for k in ("accounts", "matched", "associates", "emitted", "suppressed", "quarantined")
        )
        + " |",
        "",
        "| stage | rows in | rows out | seconds |",
        "|---|---:|---:|---:|",
        *(
            f"| {s['stage']} | {int(s['rows_in'] or 0):,} | {int(s['rows_out'] or 0):,} | "
            f"{float(s['seconds'] or 0):.2f} |"
            for s in data["stages"]
        ),
        "",
    ]
    gaps = int(totals["lineage_gaps"] or 0)
    lines.append(
        "Lineage: every contact traces back to an input file and a record."
        if not gaps
        else f"**Lineage gaps: {gaps:,} contact(s)** — see view `contact_lineage_gaps`."
    )
    if warnings := data.get("warnings"):
        lines.append("\n**Completed with warnings:**\n")
        lines += [f"- {w['stage']}: {w['message']}" for w in warnings]
    unreconciled = [f["file_name"] for f in data["files"] if not f["reconciled"]]
    if unreconciled:
        lines.append(f"**Files not reconciled:** {', '.join(map(str, unreconciled))}")
    if report_path is not None:
        lines.append(f"\nReport: `{report_path}`")
    return mask_text("\n".join(lines)) + "\n"


def publish_artifacts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    report_path: Path | None = None,
    *,
    data: dict[str, Any] | None = None,
) -> list[str]:
    """Create the run's Prefect artifacts; returns their keys. Call inside a flow/task run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    keys = []
    for spec in build_artifacts(con, run_id, report_path, data=data):
        if spec.kind == "markdown":
            create_markdown_artifact(
                markdown=spec.markdown, key=spec.key, description=spec.description
            )
        else:
            create_table_artifact(
                table=list(spec.table), key=spec.key, description=spec.description
            )
        keys.append(spec.key)
    return keys


def _clean(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """JSON-safe cells (dates as ISO text) with free text masked."""
    return tuple({k: _cell(v) for k, v in r.items()} for r in rows)


def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return mask_text(v)
    return v
