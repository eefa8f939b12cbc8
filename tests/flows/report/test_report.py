"""The run report (self-contained HTML with SVG charts) and the Prefect artifacts built from it."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace.flows.report import charts
from skiptrace.flows.report.artifacts import KEY_PATTERN, build_artifacts, publish_artifacts
from skiptrace.flows.report.run_report import collect_run_data, render_report, write_report
from tests.flows.audit.test_lineage import RUN, build_cases, put

SSN_SHAPED = re.compile(r"\b\d{3}-\d{2}-\d{4}\b|\b\d{9}\b")
VOID = {"meta", "br", "hr", "img", "input", "link"}


class _TagBalance(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.svgs += tag == "svg"
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.fixture
def run_db(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    build_cases(con)
    put(con, "stage_log", [
        {"run_id": RUN, "stage": s, "seconds": sec, "rows_in": i, "rows_out": o}
        for s, sec, i, o in [("emit", 0.4, 7, 7), ("ingest", 2.5, 18, 15), ("match", 1.2, 40, 6),
                             ("standardize", 0.8, 15, 15), ("resolve", 0.3, 6, 7),
                             ("suppress", 0.1, 7, 2)]
    ])  # fmt: skip
    # three quarantined rows of the vendor file, one of them with an SSN-shaped run in its line
    put(con, "quarantine", [
        {"run_id": RUN, "file_no": 5, "source": "vendorx", "line_no": n, "raw_line": "x", "reason": r}
        for n, r in [(7, "bad date 123-45-6789"), (8, "missing account_id"), (9, "missing account_id")]
    ])  # fmt: skip
    con.execute("UPDATE input_files SET rows_read = 6, rows_rejected = 3 WHERE file_no = 5")
    return con


def test_report_is_self_contained_html_with_charts(
    run_db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_report(run_db, RUN, tmp_path / "out")
    assert path == tmp_path / "out" / RUN / "report.html"
    assert write_report(run_db, RUN, tmp_path / "out" / RUN) == path  # the run folder works too
    html = path.read_text(encoding="utf-8")
    parser = _TagBalance()
    parser.feed(html)
    assert parser.errors == [] and parser.stack == []
    assert parser.svgs >= 7
    for section in (
        "stages",
        "files",
        "matching",
        "confidence",
        "sources",
        "suppressions",
        "exports",
    ):
        assert f'<section id="{section}">' in html, section
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert not SSN_SHAPED.search(html), SSN_SHAPED.search(html)
    for expected in ("ncoa_return.txt", "USPS NCOA licensed use", "bankruptcy_stay", "11 USC 362",
                     "missing account_id", "threshold 0.9", "Every contact traces back"):  # fmt: skip
        assert expected in html, expected
    assert list(tmp_path.glob("out/*/.tmp-*")) == []


def test_report_numbers(run_db: duckdb.DuckDBPyConnection) -> None:
    data = collect_run_data(run_db, RUN)
    assert [s["stage"] for s in data["stages"]] == [
        "ingest", "standardize", "match", "resolve", "suppress", "emit",
    ]  # fmt: skip
    t = data["totals"]
    assert (t["accounts"], t["matched"], t["associates"], t["emitted"], t["suppressed"]) == (
        3,
        5,
        1,
        5,
        2,
    )
    assert t["lineage_gaps"] == 0 and t["quarantined"] == 3
    by_file = {f["file_no"]: f for f in data["files"]}
    assert by_file[5]["reconciled"] and by_file[5]["quarantined"] == 3
    assert data["quarantine"][0] == {"reason": "missing account_id", "rows": 2, "files": 1}
    assert data["quarantine"][1]["reason"] == "bad date ***-**-6789"
    hits = {s["source"]: s for s in data["sources"]}
    # credhdr supported debtor contacts of A1 and A2; the son's phone is third-party, not a find
    assert hits["credhdr"]["accounts_hit"] == 2 and hits["credhdr"]["hit_rate"] == pytest.approx(
        2 / 3
    )
    assert "accounts" not in hits  # contacts on file are not finds
    sup = data["suppressions"][0]
    assert (sup["rule"], sup["accounts"], sup["contacts"]) == ("bankruptcy_stay", 1, 2)
    assert sum(data["match_hist"]["debtor"]) == 5 and sum(data["match_hist"]["associate"]) == 1


def test_lineage_gap_count_equals_the_view(run_db: duckdb.DuckDBPyConnection) -> None:
    """The report counts gaps without the contact_lineage_gaps view (speed); every kind of gap,
    and every way a contact is traced, must count as the view counts it."""
    from tests.flows.audit.test_lineage import F

    con = run_db

    def both() -> tuple[int, int]:
        view = con.execute(
            "SELECT count(*) FROM contact_lineage_gaps WHERE run_id = ?", [RUN]
        ).fetchone()
        return collect_run_data(con, RUN)["totals"]["lineage_gaps"], view[0]  # type: ignore[index]

    assert both() == (0, 0)
    contacts = [("no-support@x.com", None, None), ("no-record@x.com", 2 * F + 99, 2),
                ("no-file@x.com", 2 * F + 2, 99), ("no-line@x.com", None, 2),
                ("purged@x.com", 6 * F + 2, 6), ("two-rows@x.com", 2 * F + 98, 2)]  # fmt: skip
    put(con, "contact_points", [
        {"run_id": RUN, "account_id": "A1", "contact_type": "email", "contact_key": key,
         "role": "debtor", "status": "new"}
        for key, _, _ in contacts
    ])  # fmt: skip
    put(con, "contact_support", [
        {"run_id": RUN, "account_id": "A1", "contact_type": "email", "contact_key": key,
         "rec_id": rec, "source": "credhdr", "file_no": file_no, "role": "debtor"}
        for key, rec, file_no in contacts[1:]
    ])  # fmt: skip
    assert both() == (6, 6)  # the purged file's contact too: no such file yet
    put(con, "input_files", [{"file_no": 6, "run_id": RUN, "source": "old", "kind": "person_records",
                              "file_name": "old.csv", "status": "purged"}])  # fmt: skip
    put(con, "purge_log", [{"file_no": 6, "purged_at": dt.datetime(2026, 11, 2)}])
    # a second support row of one contact that does reach a record closes that gap
    put(con, "contact_support", [
        {"run_id": RUN, "account_id": "A1", "contact_type": "email", "contact_key": "two-rows@x.com",
         "rec_id": 2 * F + 2, "source": "credhdr", "file_no": 2, "role": "debtor"}
    ])  # fmt: skip
    assert both() == (4, 4)
    # the account file's own line traces a contact the account file supports
    con.execute("UPDATE contact_support SET file_no = 1 WHERE contact_key = 'no-line@x.com'")
    assert both() == (3, 3)
    # the same contact point of another run is not this run's gap
    con.execute("UPDATE contact_points SET run_id = 'other' WHERE contact_key = 'no-support@x.com'")
    assert both() == (2, 2)


def test_unreconciled_file_and_calibration(
    run_db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    run_db.execute("UPDATE input_files SET rows_read = 99 WHERE file_no = 2")
    calibration = [
        {"lo": 0.6, "hi": 0.7, "n": 40, "mean_confidence": 0.65, "accuracy": 0.55},
        {"lo": 0.9, "hi": 1.0, "n": 200, "mean_confidence": 0.95, "accuracy": 0.96},
    ]
    html = write_report(run_db, RUN, tmp_path, calibration=calibration).read_text()
    assert "Confidence calibration" in html and "ECE 0.025" in html
    files = collect_run_data(run_db, RUN)["files"]
    assert [f["file_no"] for f in files if not f["reconciled"]] == [2]


def test_charts_escape_and_scale() -> None:
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(0.93) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    svg = charts.hbar([("<b>&", 3.0), ("ok", 1.0)], title="t")
    assert "<b>&" not in svg and "&lt;b&gt;&amp;" in svg
    assert "no data" in charts.histogram([0, 1], {"a": [0]}, title="empty", x_label="x")
    hist = charts.histogram(
        [0, 0.5, 1],
        {"a": [3, 1], "b": [1, 0]},
        title="h",
        x_label="p",
        marker=0.9,
        marker_label="thr",
    )
    assert hist.count("<rect") >= 3 and "thr" in hist


def test_artifacts_have_valid_keys_and_masked_content(run_db: duckdb.DuckDBPyConnection) -> None:
    specs = build_artifacts(run_db, RUN, report_path=Path("out") / RUN / "report.html")
    keys = [s.key for s in specs]
    assert keys == ["skiptrace-run-summary", "skiptrace-files", "skiptrace-quarantine",
                    "skiptrace-sources", "skiptrace-suppressions"]  # fmt: skip
    assert all(KEY_PATTERN.match(k) for k in keys)
    summary = specs[0].markdown
    assert "| 3 | 5 | 1 | 5 | 2 | 3 |" in summary and "report.html" in summary
    assert not SSN_SHAPED.search(repr(specs))
    quarantine = next(s for s in specs if s.key == "skiptrace-quarantine").table
    assert {q["reason"] for q in quarantine} == {"missing account_id", "bad date ***-**-6789"}


def test_publish_artifacts_calls_prefect(
    run_db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing only calls Prefect's create_* functions (stubbed: no Prefect server here)."""
    import prefect.artifacts as pa

    calls: list[tuple[str, str, Any]] = []
    monkeypatch.setattr(
        pa,
        "create_markdown_artifact",
        lambda markdown, key, description: calls.append(("md", key, markdown)),
    )
    monkeypatch.setattr(
        pa,
        "create_table_artifact",
        lambda table, key, description: calls.append(("table", key, table)),
    )
    keys = publish_artifacts(run_db, RUN)
    assert [c[1] for c in calls] == keys and calls[0][0] == "md"
    assert all(isinstance(c[2], list) for c in calls[1:])


def test_report_command_uses_demo_scores(run_db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from skiptrace.flows.cli.lineage import register

    run_db.close()
    app = typer.Typer()
    register(app)
    out = tmp_path / "out"
    (out / RUN).mkdir(parents=True)
    scores = {
        "reliability": [{"lo": 0.9, "hi": 1.0, "n": 5, "mean_confidence": 0.95, "accuracy": 1.0}]
    }
    (out / RUN / "demo_scores.json").write_text(json.dumps(scores))
    result = CliRunner().invoke(
        app, ["report", "--db", str(tmp_path / "test.duckdb"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Confidence calibration" in (out / RUN / "report.html").read_text()


def test_report_shows_blocking_counts_without_keys(run_db: duckdb.DuckDBPyConnection) -> None:
    """The matching section lists each blocking pass's cap and counts; the oversized blocks'
    keys (name fragments) stay in the database."""
    import json

    data = collect_run_data(run_db, RUN)
    data["model"]["blocking_report"] = json.dumps([
        {"pass": "name", "cap": 100, "pairs": 1234, "unique_pairs": 56, "oversized_blocks": 7,
         "skipped_pairs": 890123, "oversized": [{"key": "SMT|JN", "n_left": 40, "n_right": 90,
                                                 "size": 3600, "skipped": 3600}]},
        {"pass": "echo", "cap": None, "pairs": 3, "unique_pairs": 1, "oversized_blocks": 0,
         "skipped_pairs": 0, "oversized": []},
    ])  # fmt: skip
    html = render_report(data)
    assert "<h3>Blocking</h3>" in html
    for expected in ("890,123", "1,234", "--name-block-cap"):
        assert expected in html, expected
    assert "SMT|JN" not in html
    data["model"]["blocking_report"] = None
    assert "<h3>Blocking</h3>" not in render_report(data)


def test_suppressions_count_only_contacts_that_exist(run_db: duckdb.DuckDBPyConnection) -> None:
    """A whole-account rule that fired on an account with no contact points in the run (every
    current account is a rule subject) counts the account and no contact: the left join's
    empty side is not a contact."""
    put(run_db, "suppressions", [
        {"run_id": RUN, "account_id": acct, "contact_type": None, "contact_key": None,
         "rule": rule, "action": "suppress", "reason": "r", "regulation": None}
        for acct, rule in [("A404", "bankruptcy_stay"), ("A404", "deceased"), ("A405", "deceased")]
    ])  # fmt: skip
    by_rule = {s["rule"]: s for s in collect_run_data(run_db, RUN)["suppressions"]}
    bk, dead = by_rule["bankruptcy_stay"], by_rule["deceased"]
    assert (bk["accounts"], bk["contacts"]) == (2, 2)
    assert (dead["accounts"], dead["contacts"]) == (2, 0)


def test_a_third_partys_support_is_not_a_find_for_the_debtors_same_number(
    run_db: duckdb.DuckDBPyConnection,
) -> None:
    """The relative's phone on A3 is also listed as the debtor's own (a shared line: resolve
    keeps a point per role, with the same key). The credit header reported it only as the
    relative's (resolve writes that support as 'third_party:<evidence>'), so it is no find of
    the credit header's for A3; the vendor's report of the debtor's point is."""
    from tests.flows.audit.test_lineage import F

    run_db.execute(
        "UPDATE contact_support SET evidence = 'third_party:record', role = 'third_party' "
        "WHERE account_id = 'A3' AND contact_key = '+13155550111'"
    )
    put(run_db, "contact_points", [
        {"run_id": RUN, "account_id": "A3", "contact_type": "phone", "contact_key": "+13155550111",
         "rank": 2, "role": "debtor", "status": "new", "confidence": 0.5, "sources": "vendorx",
         "phone": "3155550111", "factors": "{}"},
    ])  # fmt: skip
    put(run_db, "contact_support", [
        {"run_id": RUN, "account_id": "A3", "contact_type": "phone", "contact_key": "+13155550111",
         "rec_id": 5 * F + 2, "source": "vendorx", "file_no": 5, "match_probability": 0.98,
         "evidence": "vendor_candidate", "role": "debtor"},
    ])  # fmt: skip
    hits = {s["source"]: s for s in collect_run_data(run_db, RUN)["sources"]}
    assert hits["credhdr"]["accounts_hit"] == 2 and hits["credhdr"]["phone_hit"] == 1
    assert hits["vendorx"]["accounts_hit"] == 1 and hits["vendorx"]["contacts"] == 2


def test_the_refresh_collects_the_run_data_once_for_report_and_artifacts(
    run_db: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collecting reads every contact point of the run (about 13 s at 1M accounts): the refresh
    renders the report and the artifacts from one collection, and both show the same numbers
    as when each collects its own."""
    import prefect.artifacts as pa

    from skiptrace.flows.orchestration.refresh import publish_report
    from skiptrace.flows.report import run_report

    published: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        pa,
        "create_markdown_artifact",
        lambda markdown, key, description: published.append((key, markdown)),
    )
    monkeypatch.setattr(
        pa, "create_table_artifact", lambda table, key, description: published.append((key, table))
    )
    real = run_report.collect_run_data
    collected: list[str] = []

    def counting(con: duckdb.DuckDBPyConnection, run_id: str, *a: Any) -> dict[str, Any]:
        collected.append(run_id)
        return real(con, run_id, *a)

    monkeypatch.setattr(run_report, "collect_run_data", counting)
    publish_report(run_db, RUN, tmp_path / RUN)  # logs instead of raising: check what it wrote
    assert collected == [RUN]
    report = tmp_path / RUN / "report.html"
    assert report.read_text() == render_report(real(run_db, RUN))
    expected = build_artifacts(run_db, RUN, report, data=real(run_db, RUN))
    assert published == [
        (s.key, s.markdown if s.kind == "markdown" else list(s.table)) for s in expected
    ]
    with pytest.raises(ValueError, match="given for"):
        build_artifacts(run_db, "another-run", data=real(run_db, RUN))


def test_a_run_that_did_not_complete_says_nothing_was_published(
    run_db: duckdb.DuckDBPyConnection,
) -> None:
    """A run killed during emit has contact points: its report said "4,151 contacts emitted"."""
    run_db.execute("UPDATE runs SET status = 'abandoned' WHERE run_id = ?", [RUN])
    html = render_report(collect_run_data(run_db, RUN))
    assert "contacts emitted" not in html
    assert "contacts resolved, not published" in html
    assert "This run did not complete (abandoned): nothing was published" in html
    run_db.execute("UPDATE runs SET status = 'completed' WHERE run_id = ?", [RUN])
    html = render_report(collect_run_data(run_db, RUN))
    assert "contacts emitted" in html and "did not complete" not in html
