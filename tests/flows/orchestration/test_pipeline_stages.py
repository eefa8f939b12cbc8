"""The whole refresh, stage by stage, without Prefect: every stage does real work."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from skiptrace import sql
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.flows.report.summary import build_summary
from tests.pipeline import portfolio_params, summarized_run

CONTACT_COLUMNS = [
    "account_id", "contact_type", "rank", "address_line1", "address_line2", "city", "state",
    "zip", "street_number", "street_name", "unit", "phone", "phone_type", "email", "confidence",
    "status", "sources", "first_seen", "last_seen", "reasons", "run_id", "on_hold",
    "contact_key",
]  # fmt: skip


@pytest.fixture(scope="module")
def pipeline_run(
    small_portfolio, tmp_path_factory: pytest.TempPathFactory, migrated_template: Path
):
    params = portfolio_params(small_portfolio, tmp_path_factory.mktemp("run") / "st.duckdb")
    run_id = "20261101T000000Z-test"
    shutil.copyfile(migrated_template, params.db)  # the session's migrated database
    con = sql.connect(params.db)
    summary = summarized_run(con, params, run_id)
    yield con, params, run_id, summary
    con.close()


def test_every_stage_moves_rows(pipeline_run) -> None:
    _, _, _, summary = pipeline_run
    by_name = {s["name"]: s for s in summary["stages"]}
    assert list(by_name) == ["ingest", "standardize", "match", "resolve", "suppress", "emit"]
    assert by_name["ingest"]["rows_out"] > 300
    assert by_name["match"]["rows_out"] > 0
    assert by_name["emit"]["rows_out"] > 0


def test_counts_reconcile_per_file(pipeline_run) -> None:
    _, _, _, summary = pipeline_run
    assert len(summary["files"]) >= 6
    for f in summary["files"]:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"], f
        assert len(f["sha256"]) == 64


def test_output_contracts(pipeline_run) -> None:
    _, params, run_id, _ = pipeline_run
    run_dir = params.out / run_id
    contacts = pl.read_csv(run_dir / "contacts.csv", infer_schema=False)
    assert contacts.columns == CONTACT_COLUMNS
    assert pl.read_parquet(run_dir / "contacts.parquet").height == contacts.height
    assert set(contacts["contact_type"].unique()) <= {"address", "phone", "email"}
    assert set(contacts["status"].unique()) <= {"new", "confirmed", "on_file", "suppressed"}
    conf = contacts["confidence"].cast(pl.Float64)
    assert conf.is_between(0.0, 1.0).all()
    matches = pl.read_csv(run_dir / "matches.csv", infer_schema=False)
    assert matches.columns == [
        "account_id",
        "source",
        "record_id",
        "match_probability",
        "role",
        "run_id",
    ]
    flags = pl.read_csv(run_dir / "account_flags.csv", infer_schema=False)
    assert flags.columns == ["account_id", "flag", "confidence", "evidence", "run_id", "legal_hold"]
    summary = json.loads((run_dir / "run_summary.json").read_text())
    assert summary["run_id"] == run_id and summary["as_of"] == str(params.as_of)


def test_rank_one_is_best_per_type(pipeline_run) -> None:
    _, params, run_id, _ = pipeline_run
    contacts = pl.read_csv(params.out / run_id / "contacts.csv", infer_schema=False).with_columns(
        pl.col("rank").cast(pl.Int64), pl.col("confidence").cast(pl.Float64)
    )
    ranked = contacts.filter(pl.col("rank").is_not_null())
    dup = ranked.group_by("account_id", "contact_type", "rank").len().filter(pl.col("len") > 1)
    assert dup.height == 0


def test_no_raw_ssn_anywhere(pipeline_run, small_portfolio) -> None:
    """Raw SSNs given in the inputs reach neither the database file nor any output."""
    con, params, run_id, _ = pipeline_run
    accounts = pl.read_csv(small_portfolio.accounts_path, infer_schema=False)
    ssns = [s for s in accounts["ssn"].drop_nulls().to_list() if s]
    digits = {s.replace("-", "") for s in ssns}
    con.execute("CHECKPOINT")
    blobs = [Path(params.db).read_bytes()]
    blobs += [p.read_bytes() for p in (params.out / run_id).iterdir() if p.is_file()]

    # Every SSN, bare and dashed, as a substring anywhere in a file. A 9-digit one lies inside
    # a maximal run of digits and dashes, so every 9- and 11-byte window of those runs is
    # looked up in a set; the few with a typo in them (a letter O) are searched for as before.
    # (The first 200 SSNs searched for one by one, twice in each file, took 2.7 s of the
    # module's 13 s; every SSN is now checked, in a fraction of a second.)
    def dashed(s: str) -> bytes:
        return f"{s[:3]}-{s[3:5]}-{s[5:]}".encode()

    nine = {s for s in digits if re.fullmatch(r"\d{9}", s)}
    wanted = {s.encode() for s in nine} | {dashed(s) for s in nine}
    odd = [form for s in digits - nine for form in (s.encode(), dashed(s))]
    assert len(wanted) == 2 * len(nine) and len(digits) > 200
    for blob in blobs:
        found = {
            run[i : i + width]
            for run in re.findall(rb"[0-9-]{9,}", blob)
            for width in (9, 11)
            for i in range(len(run) - width + 1)
        }
        hits = found & wanted
        assert not hits, sorted(hits)[:5]
        assert not [form for form in odd if form in blob]


def test_inbox_run_files_loaded_and_rejected_files(
    small_portfolio, tmp_path: Path, migrated_template: Path
) -> None:
    """Inbox mode: good files load and move to processed/, a file missing mapped columns is
    quarantined whole with a reason file, and the run goes on."""
    from skiptrace.sources.registry import load_registry

    registry = load_registry(small_portfolio.sources_path)
    root = tmp_path / "drop"
    (root / "inbox" / "accounts").mkdir(parents=True)
    shutil.copy(small_portfolio.accounts_path, root / "inbox" / "accounts" / "accounts.csv")
    for source in registry.sources:
        (root / "inbox" / source.name).mkdir(parents=True, exist_ok=True)
        for f in source.files():
            shutil.copy(f, root / "inbox" / source.name / f.name)
    ncoa = registry.sources[[s.kind for s in registry.sources].index("ncoa")]
    bad = root / "inbox" / ncoa.name / ncoa.files()[0].name
    bad.write_text("WRONG,HEADER\n1,2\n")  # same name pattern, wrong layout

    params = RefreshParams(
        sources=small_portfolio.sources_path, inbox=root, db=tmp_path / "i.duckdb",
        out=tmp_path / "out", as_of=small_portfolio.as_of,
    )  # fmt: skip
    shutil.copyfile(migrated_template, params.db)  # the session's migrated database
    con = sql.connect(params.db)
    start_run(con, "r-inbox", as_of=params.as_of, params={})
    st = stages.ingest(con, params, "r-inbox")
    assert [q["source"] for q in st.details["quarantined_files"]] == [ncoa.name]
    assert (root / "quarantine" / ncoa.name / (bad.name + ".reason.txt")).exists()
    assert not any(p.is_file() for p in (root / "inbox").rglob("*"))
    processed = sorted(p.name for p in (root / "processed" / "r-inbox").rglob("*") if p.is_file())
    assert "accounts.csv" in processed and bad.name not in processed
    assert st.rows_out > 300
    # a file not loaded is a warning of the run (exit 7), not only a line in the details
    (warning,) = [w[0] for w in con.execute("SELECT message FROM run_warnings").fetchall()]
    assert warning.startswith(f"{ncoa.name} file quarantined, not loaded") and bad.name in warning


def test_block_cap_reaches_the_matcher(pipeline_run) -> None:
    """`--block-cap` and `--name-block-cap` (RefreshParams) are the matcher's caps, recorded
    with the run; smaller caps propose fewer candidates."""
    import json

    con, _, run_id, _ = pipeline_run
    stats = stages.match(con, "capped-run", block_cap=3, name_block_cap=2, full_rebuild=True)
    q = "SELECT settings, candidate_pairs FROM match_run JOIN match_model USING (run_id) "
    rows = {
        r: (json.loads(s), n)
        for r, s, n in con.execute(q.replace("SELECT", "SELECT run_id,")).fetchall()
    }
    assert rows["capped-run"][0]["block_cap"] == 3
    assert rows["capped-run"][0]["name_block_cap"] == 2
    assert stats.details["candidate_pairs"] == rows["capped-run"][1] < rows[run_id][1]


def test_a_rerun_lists_the_files_it_found_already_loaded(pipeline_run) -> None:
    """The same delivery again: every file is skipped by checksum, and the summary says so
    instead of listing no file at all."""
    con, params, _, first = pipeline_run
    again = "20261101T000000Z-again"
    start_run(con, again, as_of=params.as_of, params={})
    stats = stages.ingest(con, params, again)
    summary = build_summary(con, again, [stats.as_dict()])
    finish_run(con, again, "failed")  # leave the module's run the latest completed one
    listed = {(f["source"], f["sha256"]): f for f in summary["files"]}
    assert set(listed) == {(f["source"], f["sha256"]) for f in first["files"]}
    assert {f["status"] for f in listed.values()} == {"skipped_duplicate"}
    assert all(f["rows_read"] == f["rows_loaded"] == 0 for f in listed.values())
