"""The run report: one self-contained HTML page per run, out/<run_id>/report.html.

Operations and compliance read a run from it without a database or a notebook: what each stage
did, whether every delivered row is accounted for (loaded or quarantined, and why), how the
matcher scored, how trustworthy the confidences are, what each source found and what was
suppressed under which rule. Inline CSS and inline SVG only (flows/report/charts.py): it opens offline,
from an attachment or an archived share, and looks the same everywhere. It carries aggregates and
file metadata only, no personal data.

`collect_run_data` gathers the numbers once; the report and the Prefect artifacts
(flows/report/artifacts.py) both render from it.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.flows.audit.lineage import CONTACT_EXPORT_KINDS, run_files
from skiptrace.flows.report import charts
from skiptrace.masking import mask_text

#: Stages in pipeline order; anything else a run logged follows alphabetically.
STAGE_ORDER = ("ingest", "standardize", "match", "resolve", "suppress", "emit")
ROLE_COLORS = {"debtor": "#009E73", "associate": "#E69F00", "rejected": "#D55E00"}
TYPE_COLORS = {"address": "#0072B2", "phone": "#009E73", "email": "#CC79A7"}
HIST_BINS = 20


def collect_run_data(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    calibration: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the report and the artifacts show for `run_id`, as plain Python values."""
    run = sql.rows(con, "SELECT * FROM runs WHERE run_id = $run_id", run_id=run_id)
    if not run:
        raise LookupError(f"run {run_id!r} not found")
    model = sql.rows(con, "SELECT * FROM match_model WHERE run_id = $run_id LIMIT 1", run_id=run_id)
    files = run_files(con, run_id)
    file_nos = [f["file_no"] for f in files]
    quarantined_by_file = dict(
        con.execute(
            "SELECT file_no, count(*) FROM quarantine"
            " WHERE list_contains($file_nos::BIGINT[], file_no) GROUP BY file_no",
            {"file_nos": file_nos},
        ).fetchall()
    )
    for f in files:
        f["quarantined"] = int(quarantined_by_file.get(f["file_no"], 0))
        f["this_run"] = f["loaded_by_run"] == run_id
        f["reconciled"] = _reconciled(f)
    stages = sql.rows(
        con,
        "SELECT stage, sum(seconds) AS seconds, max(rows_in) AS rows_in, max(rows_out) AS rows_out"
        " FROM stage_log WHERE run_id = $run_id GROUP BY stage",
        run_id=run_id,
    )
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    stages.sort(key=lambda s: (order.get(s["stage"], len(order)), s["stage"]))
    p = {"run_id": run_id}
    totals = sql.rows(con, "report/report_totals.sql", **p, file_nos=file_nos)[0]
    accounts = int(totals["accounts"] or 0)
    sources = sql.rows(con, "report/report_source_hits.sql", **p)
    for s in sources:
        s["hit_rate"] = s["accounts_hit"] / accounts if accounts else 0.0
    return {
        "run": run[0],
        "model": model[0] if model else {},
        "stages": stages,
        "files": files,
        "inputs_recorded": bool(files and files[0]["recorded"]),
        "totals": totals,
        "quarantine": [
            {**q, "reason": mask_text(q["reason"] or "(no reason)")}
            for q in sql.rows(con, "report/report_quarantine.sql", **p)
        ],
        "field_issues": sql.rows(con, "ingest/field_issue_counts.sql", **p),
        "match_hist": _binned(con, "report/report_match_histogram.sql", run_id, ROLE_COLORS),
        "confidence_hist": _binned(
            con, "report/report_confidence_histogram.sql", run_id, TYPE_COLORS
        ),
        "guards": sql.rows(
            con,
            "SELECT role, coalesce(guard, '') AS guard, count(*) AS pairs FROM match_pairs"
            " WHERE run_id = $run_id GROUP BY ALL ORDER BY role, pairs DESC, guard",
            run_id=run_id,
        ),
        "calibration": calibration,
        "sources": sources,
        "reliability": sql.rows(con, "report/report_source_reliability.sql", **p),
        "suppressions": sql.rows(con, "report/report_suppressions.sql", **p),
        "flags": sql.rows(
            con,
            "SELECT flag, count(DISTINCT account_id) AS accounts FROM account_flags"
            " WHERE run_id = $run_id GROUP BY flag ORDER BY accounts DESC, flag",
            run_id=run_id,
        ),
        "exports": sql.rows(
            con,
            "SELECT kind, path, sha256, rows, written_at FROM exports"
            " WHERE run_id = $run_id ORDER BY kind",
            run_id=run_id,
        ),
        "warnings": sql.rows(con, "audit/run_warnings.sql", run_id=run_id),
    }


def _reconciled(f: dict[str, Any]) -> bool:
    """Every row read is either loaded or rejected, and every rejected row is in quarantine."""
    read, loaded, rejected = (f.get(k) for k in ("rows_read", "rows_loaded", "rows_rejected"))
    if read is None or loaded is None:
        return False
    return read == loaded + (rejected or 0) and f["quarantined"] == (rejected or 0)


def _binned(
    con: duckdb.DuckDBPyConnection, query: str, run_id: str, order: dict[str, str]
) -> dict[str, list[int]]:
    """{series: counts per bin} from a (bin, series, n) query, series in a stable order."""
    series: dict[str, list[int]] = {}
    for row in sql.rows(con, query, run_id=run_id, bins=HIST_BINS):
        b, name, n = row.values()
        series.setdefault(str(name), [0] * HIST_BINS)[int(b)] += int(n)
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(series.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


# --------------------------------------------------------------------------- rendering


def write_report(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    out_dir: Path,
    calibration: list[dict[str, Any]] | None = None,
    *,
    data: dict[str, Any] | None = None,
) -> Path:
    """Write report.html for `run_id` atomically and return its path.

    `out_dir` is the run's folder (as for the exports: out/<run_id>); given the output root
    instead, the report goes to <out_dir>/<run_id>/. `calibration` rows (lo, hi, n,
    mean_confidence, accuracy; e.g. skiptrace.flows.demo.evaluate's reliability table) add a reliability
    diagram; without them the report shows the confidence distribution. `data` is the run's
    `collect_run_data` when the caller already has it (the refresh also publishes the Prefect
    artifacts from it: collecting reads every contact point of the run, 9-10 s at 1M
    accounts, so it is done once).
    """
    from skiptrace.atomic import atomic_write_text

    out_dir = Path(out_dir)
    run_dir = out_dir if out_dir.name == run_id else out_dir / run_id
    if data is not None and calibration is not None:
        raise ValueError("write_report: calibration goes to collect_run_data, not beside its data")
    data = run_data(con, run_id, data, calibration)
    return atomic_write_text(run_dir / "report.html", render_report(data))


def run_data(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    data: dict[str, Any] | None = None,
    calibration: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`data` when it is `run_id`'s collection (refused when it is another run's), else
    `collect_run_data` of the run: what the report and the artifacts render from."""
    if data is None:
        return collect_run_data(con, run_id, calibration)
    if data["run"]["run_id"] != run_id:
        raise ValueError(f"data of run {data['run']['run_id']!r} given for run {run_id!r}")
    return data


def render_report(data: dict[str, Any]) -> str:
    """The report page for data from `collect_run_data`."""
    run, model, totals = data["run"], data["model"], data["totals"]
    sections = [
        _header(run, model, totals, data["inputs_recorded"], data.get("warnings", [])),
        _warnings(data.get("warnings", [])),
        _stages(data["stages"]),
        _files(data["files"], data["quarantine"]),
        _field_issues(data.get("field_issues", [])),
        _matching(data["match_hist"], data["guards"], model, totals),
        _confidence(data["confidence_hist"], data["calibration"]),
        _sources(
            data["sources"], int(totals["accounts"] or 0), bool(totals["accounts_from_files"])
        ),
        _reliability(data.get("reliability") or []),
        _suppressions(data["suppressions"], data["flags"]),
        _exports(data["exports"]),
    ]
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>skiptrace run {escape(run['run_id'])}</title><style>{CSS}</style></head><body>"
        + "".join(sections)
        + f"<footer>Generated {generated} by skiptrace. Aggregates and file metadata only: no "
        "personal data. Per-contact lineage: <code>skiptrace explain ACCOUNT_ID --run "
        f"{escape(run['run_id'])}</code>.</footer></body></html>\n"
    )


def _header(
    run: dict[str, Any],
    model: dict[str, Any],
    totals: dict[str, Any],
    recorded: bool,
    warnings: list[dict[str, Any]] | None = None,
) -> str:
    status = badge = str(run.get("status") or "unknown")
    if status == "completed" and warnings:
        status, badge = "completed with warnings", "warnings"
    started, ended = run.get("started_at"), run.get("ended_at")
    took = f" · {(ended - started).total_seconds() / 60:.1f} min" if started and ended else ""
    # Only a completed run published anything: a run killed during emit has contact points
    # and some files, but no manifest, and its folder says INCOMPLETE (README, "Outputs").
    published = status in ("completed", "completed with warnings")
    tiles = [
        ("accounts", totals["accounts"]),
        ("records matched", totals["matched"]),
        ("associates", totals["associates"]),
        (
            "contacts emitted" if published else "contacts resolved, not published",
            totals["emitted"],
        ),
        ("suppressed", totals["suppressed"]),
        ("rows quarantined", totals["quarantined"]),
    ]
    gaps = int(totals["lineage_gaps"] or 0)
    lineage = (
        '<p class="ok">✓ Every contact traces back to an input file and a record.</p>'
        if not gaps
        else f'<p class="bad">✗ {gaps:,} contact(s) without complete lineage: '
        "<code>SELECT * FROM contact_lineage_gaps WHERE run_id = …</code></p>"
    )
    if not published:
        lineage = (
            f'<p class="bad">✗ This run did not complete ({escape(status)}): nothing was '
            "published. Its folder holds no manifest and is not an export set; the contacts "
            "counted here were never delivered.</p>" + lineage
        )
    if not recorded:
        lineage += (
            '<p class="warn">Run inputs were not recorded; the file list is approximated.</p>'
        )
    meta = [
        ("as of", run.get("as_of")),
        ("started", _ts(started)),
        ("ended", f"{_ts(ended)}{took}"),
        ("code", run.get("code_version")),
        ("matcher", model.get("matcher_version")),
        ("threshold", _num(model.get("threshold"), 3)),
        ("prior λ", _num(model.get("prior"), 4)),
        ("parameters", model.get("trained_on")),
    ]
    return (
        f'<header><h1>Run <span class="mono">{escape(run["run_id"])}</span> '
        f'<span class="badge {escape(badge)}">{escape(status)}</span></h1>'
        '<dl class="meta">'
        + "".join(
            f"<div><dt>{k}</dt><dd>{escape(str(v if v is not None else '—'))}</dd></div>"
            for k, v in meta
        )
        + '</dl><div class="tiles">'
        + "".join(f'<div class="tile"><b>{_num(v)}</b><span>{k}</span></div>' for k, v in tiles)
        + f"</div>{lineage}</header>"
    )


def _warnings(warnings: list[dict[str, Any]]) -> str:
    """What the run completed without (e.g. an optional source that had no file); nothing when
    there is nothing to say, so a clean run's report stays as it was."""
    if not warnings:
        return ""
    items = "".join(
        f"<li><b>{escape(w['stage'])}</b>: {escape(w['message'])}</li>" for w in warnings
    )
    return _section(
        "warnings", "Warnings", "The run completed, but without what is listed here.",
        f'<ul class="warn">{items}</ul>',
    )  # fmt: skip


def _stages(stages: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(s['stage'])}</td><td class=n>{_num(s['rows_in'])}</td>"
        f"<td class=n>{_num(s['rows_out'])}</td><td class=n>{_num(s['seconds'], 2)}</td></tr>"
        for s in stages
    )
    table = _table(
        ("stage", "rows in", "rows out", "seconds"), rows, "no stage was logged",
        numeric=("rows in", "rows out", "seconds"),
    )  # fmt: skip
    chart = charts.hbar(
        [(s["stage"], float(s["rows_out"] or 0)) for s in stages],
        title="Rows out per stage", width=520, axis_label="rows out",
    )  # fmt: skip
    secs = charts.hbar(
        [(s["stage"], float(s["seconds"] or 0)) for s in stages],
        title="Seconds per stage", width=520, color=charts.PALETTE[1], axis_label="seconds",
        value_format=lambda v: f"{v:,.2f}",
    )  # fmt: skip
    return _section(
        "stages", "Stages", "What each stage read and wrote (stage_log).",
        f'<div class="grid2"><figure>{chart}</figure><figure>{secs}</figure></div>{table}',
    )  # fmt: skip


def _files(files: list[dict[str, Any]], quarantine: list[dict[str, Any]]) -> str:
    rows = []
    for f in files:
        ok = "✓" if f["reconciled"] else "✗"
        cls = "ok" if f["reconciled"] else "bad"
        carried = "" if f["this_run"] else ' <span class="tag">earlier load</span>'
        rows.append(
            f"<tr><td>{escape(str(f['source']))}</td><td>{escape(str(f['kind']))}</td>"
            f"<td class=mono>{escape(str(f['file_name']))}{carried}</td>"
            f"<td class=mono>{escape((f['sha256'] or '')[:12])}</td>"
            f"<td class=nw>{escape(str(f['received_at'] or '')[:10])}</td>"
            f"{_long_cell(f['permissible_purpose'] or '—', 'purpose')}"
            f"<td class=n>{_num(f['rows_read'])}</td><td class=n>{_num(f['rows_loaded'])}</td>"
            f"<td class=n>{_num(f['rows_rejected'])}</td><td class=n>{_num(f['quarantined'])}</td>"
            f'<td class="{cls}" title="reconciled: read = loaded + rejected, rejected = quarantined">{ok}</td></tr>'
        )
    table = _table(
        ("source", "kind", "file", "sha256", "received", "permissible purpose", "read", "loaded",
         "rejected", "quarantined", "ok"),
        "".join(rows), "no input files recorded for this run",
        numeric=("read", "loaded", "rejected", "quarantined"),
    )  # fmt: skip
    chart = charts.hbar(
        [(q["reason"], float(q["rows"])) for q in quarantine],
        title="Quarantined rows by reason", width=760, color=charts.PALETTE[3],
        axis_label="rows quarantined in this run",
    )  # fmt: skip
    return _section(
        "files", "Input files and quarantine",
        "Every delivered row is loaded or quarantined with a reason; checksums identify the files.",
        f"{table}<h3>Quarantine by reason</h3><figure>{chart}</figure>",
    )  # fmt: skip


def _field_issues(issues: list[dict[str, Any]]) -> str:
    """Fields NULLed or repaired in loaded rows, by source, column and reason (no values)."""
    rows = "".join(
        f"<tr><td>{escape(str(i['source']))}</td><td class=mono>{escape(str(i['column_name']))}"
        f"</td><td>{escape(str(i['reason']))}</td><td>{escape(str(i['action']))}</td>"
        f"<td class=n>{_num(i['n'])}</td></tr>"
        for i in issues
    )
    table = _table(
        ("source", "column", "reason", "action", "fields"), rows,
        "no field issues in this run", numeric=("fields",),
    )  # fmt: skip
    return _section(
        "field-issues", "Field issues",
        "A defective field (invalid SSN, date, ZIP, ...) does not drop its row: the row loads "
        "with the field empty, or repaired when the fix is unambiguous. Values: skiptrace "
        "rejects --fields.",
        table,
    )  # fmt: skip


def _matching(
    hist: dict[str, list[int]],
    guards: list[dict[str, Any]],
    model: dict[str, Any],
    totals: dict[str, Any],
) -> str:
    edges = [i / HIST_BINS for i in range(HIST_BINS + 1)]
    threshold = model.get("threshold")
    chart = charts.histogram(
        edges, hist, title="Match probability of scored pairs", x_label="match probability",
        y_label="candidate pairs", width=760, height=300, colors=ROLE_COLORS, marker=threshold,
        marker_label=f"threshold {threshold:g}" if threshold is not None else None,
    )  # fmt: skip
    note = (
        f"{_num(totals['matched'])} debtor links, {_num(totals['associates'])} associates "
        f"(third-party sources), {_num(totals['rejected'])} rejected by a wrong-party guard. "
        "Pairs just under the threshold are the review queue."
    )
    rows = "".join(
        f"<tr><td>{escape(g['role'] or '')}</td><td>{escape(g['guard'] or '—')}</td>"
        f"<td class=n>{_num(g['pairs'])}</td></tr>"
        for g in guards
    )
    table = _table(("role", "guard", "pairs"), rows, "no scored pairs", numeric=("pairs",))
    return _section(
        "matching", "Matching", note,
        f'<div class="grid-wide"><figure>{chart}</figure><div>{table}</div></div>'
        + _blocking(model.get("blocking_report")),
    )  # fmt: skip


def _blocking(report: Any) -> str:
    """Per blocking pass: its cap, pairs proposed, pairs only it found, blocks skipped.

    What a data engineer tunes `--block-cap` / `--name-block-cap` from. Counts only: the
    oversized blocks' keys hold name fragments, phones and e-mails (match_model keeps them for
    the database's own lineage; a report is not the place).
    """
    passes = json.loads(report) if isinstance(report, str) else (report or [])
    if not passes:
        return ""
    rows = "".join(
        f"<tr><td>{escape(str(p.get('pass', '')))}</td>"
        f"<td class=n>{_num(p.get('cap')) if p.get('cap') is not None else '—'}</td>"
        f"<td class=n>{_num(p.get('pairs'))}</td><td class=n>{_num(p.get('unique_pairs'))}</td>"
        f"<td class=n>{_num(p.get('oversized_blocks'))}</td>"
        f"<td class=n>{_num(p.get('skipped_pairs'))}</td></tr>"
        for p in passes
    )
    headers = (
        "blocking pass",
        "cap",
        "pairs",
        "only this pass",
        "blocks over cap",
        "pairs skipped",
    )
    return (
        '<h3>Blocking</h3><p class="note">Candidate pairs per blocking pass. A block larger than '
        "its pass's cap (left rows x right rows) is skipped whole: --block-cap for the passes on "
        "SSN, phone, email and address, --name-block-cap for names, places and dates of birth."
        "</p>" + _table(headers, rows, "no blocking report", numeric=headers[1:])
    )


def _confidence(hist: dict[str, list[int]], calibration: list[dict[str, Any]] | None) -> str:
    if calibration:
        chart = charts.reliability_diagram(calibration, title="Confidence calibration")
        rows = "".join(
            f"<tr><td>{float(r['lo']):.1f}–{float(r['hi']):.1f}</td><td class=n>{_num(r['n'])}</td>"
            f"<td class=n>{float(r['mean_confidence']):.3f}</td><td class=n>{float(r['accuracy']):.3f}</td></tr>"
            for r in calibration
        )
        table = _table(
            ("confidence", "contacts", "mean confidence", "accuracy"), rows, "",
            numeric=("contacts", "mean confidence", "accuracy"),
        )  # fmt: skip
        body = f'<div class="grid2"><figure>{chart}</figure><div>{table}</div></div>'
        note = "Observed accuracy per confidence bin: bars below the diagonal are over-confident."
    else:
        edges = [i / HIST_BINS for i in range(HIST_BINS + 1)]
        chart = charts.histogram(
            edges, hist, title="Contact confidence", x_label="confidence", y_label="contacts",
            width=760, height=280, colors=TYPE_COLORS,
        )  # fmt: skip
        body = f"<figure>{chart}</figure>"
        note = (
            "Distribution of contact confidence by type (no ground truth for this run, so no "
            "reliability diagram: `skiptrace report --calibration` adds one)."
        )
    return _section("confidence", "Confidence", note, body)


def _sources(sources: list[dict[str, Any]], accounts: int, from_files: bool) -> str:
    chart = charts.hbar(
        [(s["source"], float(s["hit_rate"])) for s in sources],
        title="Accounts with at least one contact from the source", max_value=1.0, width=760,
        value_format=charts.fmt_pct, color=charts.PALETTE[2],
        axis_label=f"share of {accounts:,} accounts",
    )  # fmt: skip
    rows = "".join(
        f"<tr><td>{escape(s['source'])}</td><td class=n>{_num(s['accounts_hit'])}</td>"
        f"<td class=n>{charts.fmt_pct(s['hit_rate'])}</td><td class=n>{_num(s['address_hit'])}</td>"
        f"<td class=n>{_num(s['phone_hit'])}</td><td class=n>{_num(s['email_hit'])}</td>"
        f"<td class=n>{_num(s['contacts'])}</td></tr>"
        for s in sources
    )
    table = _table(
        ("source", "accounts hit", "hit rate", "with address", "with phone", "with email", "contacts"),
        rows, "no source supported a debtor contact",
        numeric=("accounts hit", "hit rate", "with address", "with phone", "with email", "contacts"),
    )  # fmt: skip
    basis = "" if from_files else " (accounts counted from lineage: account rows not available)"
    return _section(
        "sources", "Contacts found per source",
        f"Hit rate = accounts with ≥ 1 debtor contact supported by the source / {accounts:,} "
        f"accounts{basis}. Contacts on file in the account export are not counted as finds.",
        f"<figure>{chart}</figure>{table}",
    )  # fmt: skip


def _reliability(rows: list[dict[str, Any]]) -> str:
    """Each source's reliability after collectors' outcomes (docs/push.md): prior, evidence,
    the posterior the run used."""
    body = "".join(
        f"<tr><td>{escape(r['source'])}</td><td class=n>{_num(r['prior'], 3)}</td>"
        f"<td class=n>{_num(r['outcomes'])}</td><td class=n>{_num(r['hits'])}</td>"
        f"<td class=n>{charts.fmt_pct(r['observed']) if r['observed'] is not None else '—'}</td>"
        f"<td class=n>{_num(r['reliability'], 3)}</td></tr>"
        for r in rows
    )
    table = _table(
        ("source", "registry reliability", "outcomes", "right-party hits", "hit rate",
         "reliability used"),
        body, "no source reliability recorded for this run",
        numeric=("registry reliability", "outcomes", "right-party hits", "hit rate",
                 "reliability used"),
    )  # fmt: skip
    strength = _num(rows[0]["strength"]) if rows else "20"
    return _section(
        "reliability", "Source reliability from collectors' outcomes",
        "Outcomes on contacts each source supported in the previous run: right-party contact = "
        "hit; wrong number, disconnected, returned mail, moved = miss. Reliability used = "
        f"(hits + {strength} × registry value) / (outcomes + {strength}), so the registry value "
        "holds until outcomes accumulate.",
        table,
    )  # fmt: skip


def _suppressions(sup: list[dict[str, Any]], flags: list[dict[str, Any]]) -> str:
    chart = charts.hbar(
        [(f"{s['rule']} → {s['action']}", float(s["contacts"])) for s in sup],
        title="Contacts suppressed by rule", width=760, color=charts.PALETTE[4],
        axis_label="contacts affected",
    )  # fmt: skip
    rows = "".join(
        f"<tr><td>{escape(s['rule'])}</td><td>{escape(s['action'] or '')}</td>"
        f"<td>{escape(s['regulation'] or '—')}</td><td class=n>{_num(s['accounts'])}</td>"
        f"<td class=n>{_num(s['contacts'])}</td></tr>"
        for s in sup
    )
    table = _table(
        ("rule", "action", "regulation", "accounts", "contacts"), rows, "no suppressions"
    )
    flag_chart = charts.hbar(
        [(f["flag"], float(f["accounts"])) for f in flags], title="Account flags", width=520,
        color=charts.PALETTE[5], axis_label="accounts",
    )  # fmt: skip
    return _section(
        "suppressions", "Suppressions and account flags",
        "Compliance rules applied before export; whole-account rules count every contact of the account.",
        f"<figure>{chart}</figure>{table}<h3>Account flags</h3><figure>{flag_chart}</figure>",
    )  # fmt: skip


def _exports(exports: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(e['kind'])}{' <span class=tag>contacts</span>' if e['kind'] in CONTACT_EXPORT_KINDS else ''}</td>"
        f"<td class=mono>{escape(Path(str(e['path'])).name)}</td>"
        f"<td class=mono>{escape((e['sha256'] or '')[:16])}</td><td class=n>{_num(e['rows'])}</td>"
        f"<td>{escape(_ts(e['written_at']))}</td></tr>"
        for e in exports
    )
    return _section(
        "exports", "Exports", "Files this run wrote, with the checksums recorded in lineage.",
        _table(("kind", "file", "sha256", "rows", "written"), rows, "no exports recorded", ("rows",)),
    )  # fmt: skip


def _section(anchor: str, title: str, note: str, body: str) -> str:
    return (
        f'<section id="{anchor}"><h2>{title}</h2><p class="note">{escape(note)}</p>{body}</section>'
    )


def _table(headers: tuple[str, ...], rows: str, empty: str, numeric: tuple[str, ...] = ()) -> str:
    """A table; headers named in `numeric` are right-aligned like their numbers."""
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>' if empty else ""
    head = "".join(f"<th{' class=n' if h in numeric else ''}>{escape(h)}</th>" for h in headers)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _long_cell(text: str, cls: str, limit: int = 48) -> str:
    """A cell for long free text (a permissible purpose can be a paragraph): shortened, with the
    whole text as its tooltip, so one column cannot stretch every row of the table."""
    short = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return f'<td class="{cls}" title="{escape(text)}">{escape(short)}</td>'


def _num(v: Any, digits: int = 0) -> str:
    if v is None:
        return "—"
    if digits:
        return f"{float(v):,.{digits}f}"
    return f"{int(v):,}" if float(v).is_integer() else f"{float(v):,.2f}"


def _ts(v: Any) -> str:
    return v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else str(v or "—")


CSS = """
:root{--ink:#1f2933;--muted:#5b6470;--line:#e3e7ec;--bg:#f6f8fa;--ok:#1a7f37;--bad:#c0392b;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1180px;padding:24px 28px 40px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:0 0 4px}h3{font-size:15px;margin:18px 0 6px}
header,section{border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 18px;background:#fff}
header{background:var(--bg)}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;vertical-align:middle;background:#ddd}
.badge.completed{background:#dafbe1;color:var(--ok)}.badge.failed{background:#ffebe9;color:var(--bad)}.badge.running,.badge.warnings{background:#fff8c5;color:var(--warn)}
.meta{display:flex;flex-wrap:wrap;gap:6px 22px;margin:0 0 14px}.meta div{display:flex;gap:6px}.meta dt{color:var(--muted)}.meta dd{margin:0;font-weight:600}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:10px}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:22px}.tile span{color:var(--muted);font-size:12px}
.note{color:var(--muted);margin:0 0 12px}.empty{color:var(--muted);font-style:italic}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}.warn{color:var(--warn)}
header p{margin:12px 0 0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px;align-items:start}
.grid-wide{display:grid;grid-template-columns:2fr 1fr;gap:18px;align-items:start}
figure{margin:0 0 10px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;vertical-align:bottom;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);padding:6px 7px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:5px 7px;vertical-align:top}
th.n{text-align:right}
td.nw{white-space:nowrap}
td.purpose{max-width:260px}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
.tag{font-size:11px;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:0 4px;color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:8px}
@media (max-width:900px){.tiles{grid-template-columns:repeat(3,1fr)}.grid2,.grid-wide{grid-template-columns:1fr}}
@media print{header,section{break-inside:avoid}}
"""
