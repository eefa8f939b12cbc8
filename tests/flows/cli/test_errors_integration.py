"""A known error raised inside the real Prefect flow still ends as one line and its code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skiptrace import errors

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_an_ssn_keyed_export_found_inside_the_flow_is_one_line_and_not_retried(
    tmp_path: Path, prefect_home: Path
) -> None:
    """The account export is keyed by SSN: only the ingest task inside Prefect reads the rows
    and finds it (the checks before Prefect read headers; a missing column, this test's case
    until they did, no longer reaches the flow). The run fails with exit 4 and the file named,
    no SSN, no traceback and no retry (the ingest task retries I/O errors only)."""
    (tmp_path / "sources.yml").write_text("[]\n")
    (tmp_path / "accounts.csv").write_text(
        "account_id,first_name,last_name\n531-77-0001,Ann,Lee\n531-77-0002,Bob,Ray\n"
    )
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",  # shared machine
        "SKIPTRACE_HMAC_KEY": "test-key-not-secret",
    }
    done = subprocess.run(
        [sys.executable, "-m", "skiptrace", "run", "--sources", "sources.yml",
         "--accounts", "accounts.csv", "--db", "st.duckdb", "--out", "out"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == errors.INPUT, done.stderr
    assert "Beginning subflow run" in done.stderr  # found inside the flow, not before it
    # Prefect's own log lines surround it (its temporary server stops at exit), one error line
    (last,) = [ln for ln in done.stderr.splitlines() if ln.startswith("skiptrace: error: ")]
    assert "use an SSN as their account_id" in last
    assert "accounts.csv" in last and "not loaded" in last
    assert "531-77-000" not in done.stderr and "53177000" not in done.stderr
    assert "Traceback" not in done.stderr
    assert "Retry 1/" not in done.stderr  # Prefect's line for a scheduled retry
