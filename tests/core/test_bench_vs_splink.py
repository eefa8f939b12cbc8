"""bench/vs_splink.py scores skiptrace's links the way the pipeline's own scorer does.

The generator writes a few deliberately malformed records (a bad SSN or date). Since issue 15
they load with the field NULLed and may link to their own debtor, but the truth names no debtor
for them (relation 'malformed'). The demo's scorer (flows/demo/evaluate.py) scores those links
neither way; the benchmark counted each as a false link, so at 100,000 accounts it reported 475
false links where the pipeline counted 59 (416 were malformed records linked to their own
debtor). This runs the benchmark's generated mode end to end on a small portfolio, skiptrace
side only, and checks its precision against the demo scorer's on the same stored pairs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from skiptrace.flows.demo.evaluate import _match_scores

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.slow
def test_links_of_malformed_records_are_scored_neither_way(tmp_path: Path) -> None:
    work = tmp_path / "vs"
    out = tmp_path / "vs.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "vs_splink.py"),
            "--dataset",
            "generated",
            "--accounts",
            "1500",
            "--records-per-account",
            "5",
            "--no-splink",
            "--workdir",
            str(work),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    scores = json.loads(out.read_text())["scores"]["skiptrace"]

    # the product's reading of the same decision: matches.csv's rows (role 'debtor'), scored
    # by flows/demo/evaluate.py
    con = duckdb.connect()
    con.execute(f"ATTACH '{work / 'skiptrace.duckdb'}' AS st (READ_ONLY)")
    matches = con.sql(
        f"""
        SELECT p.account_id, r.source, r.record_id, p.role
        FROM read_parquet('{work / "pairs_skiptrace_stored.parquet"}') p
        JOIN (SELECT DISTINCT rec_id, source, record_id FROM st.source_records) r USING (rec_id)
        """
    ).pl()
    con.close()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    matches.write_csv(run_dir / "matches.csv")
    precision, _, _ = _match_scores(run_dir, work / "portfolio" / "truth")
    assert scores["precision"] == pytest.approx(precision, abs=1e-12)
    # the portfolio has malformed records linked to their own debtor: the case is exercised
    assert scores["malformed_links"]["own_debtor"] > 0
    # what the benchmark scores is every debtor link but those of malformed records
    debtor = matches.filter(pl.col("role") == "debtor").height
    malformed = scores["malformed_links"]
    assert (
        scores["tp"] + scores["fp"]
        == debtor - malformed["own_debtor"] - malformed["another_person"]
    )
