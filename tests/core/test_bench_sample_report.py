"""The report screenshot's sample run builds against the current schema and renders.

`bench/screenshot_report.py` fills a database with a deterministic sample run (lineage rows
only) to lay the HTML report out in Chromium. It inserted rows positionally, and two columns
added since (`input_files`' encoding and field issues, `suppressions.role`) had broken it with
nothing to notice: it is run by hand. Now every insert names its columns, and this test builds
the sample and writes its report (Chromium itself is not needed for that).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from skiptrace import sql
from skiptrace.flows.report.run_report import write_report

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_sample_run_builds_and_its_report_renders(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "screenshot_report", BENCH / "screenshot_report.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    db = tmp_path / "sample.duckdb"
    run_id = module.build_sample_run(db, accounts=300)
    con = sql.connect(db)
    try:
        support = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE role IS NULL) FROM contact_support"
        ).fetchone()
        assert support is not None and support[0] > 300 and support[1] == 0
        html = write_report(con, run_id, tmp_path / "out", calibration=module.SAMPLE_CALIBRATION)
    finally:
        con.close()
    text = html.read_text(encoding="utf-8")
    assert run_id in text and "credhdr" in text
