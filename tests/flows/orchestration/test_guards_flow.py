"""The guards in the real Prefect `refresh` flow and the real `skiptrace` command (issue 19).

A refused delivery publishes nothing (no run folder, so no delta.csv removing every contact), a
completed run's folder is private and carries a manifest and no INCOMPLETE marker, and the
command line ends a refused run with one line and exit code 6, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.safety import KeyMismatchError, ShrinkError
from tests.pipeline import portfolio_params

from ..conftest import copy_prefect_home

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _prefect_home(prefect_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


FIRST = "20261101T000000Z-0001"


@pytest.fixture(scope="module")
def first_run(
    tiny_portfolio, tmp_path_factory: pytest.TempPathFactory, prefect_home_template: Path
) -> tuple[Path, dict]:
    """One completed refresh flow run of the portfolio (its database and out folder), made once
    for the file under the usual umask and no SKIPTRACE_FILE_MODE: each test that needs a run
    behind it starts from a copy (the run took 20-30 s here, and two tests began with the same
    one). The 80-account portfolio: no guard here depends on the portfolio's size, and each of
    the file's full runs matches and resolves fewer accounts than over the 300-account one."""
    from skiptrace.flows.orchestration.refresh import run_refresh

    root = tmp_path_factory.mktemp("first-run")
    home = copy_prefect_home(prefect_home_template, root / "prefect-home")
    previous = os.umask(0o022)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PREFECT_HOME", str(home))
            mp.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
            mp.delenv("SKIPTRACE_FILE_MODE", raising=False)
            base = portfolio_params(tiny_portfolio, root / "data" / "st.duckdb", root / "out")
            first = run_refresh(base, run_id=FIRST)
    finally:
        os.umask(previous)
    return root, first


def _copy_first_run(first_run: tuple[Path, dict], tmp_path: Path) -> dict:
    """The first run's database and out folder copied into tmp_path (modes kept); its result."""
    root, first = first_run
    for part in ("data", "out"):
        shutil.copytree(root / part, tmp_path / part, symlinks=True)
    return first


def test_refused_delivery_publishes_nothing_and_outputs_are_private(
    tiny_portfolio,
    first_run: tuple[Path, dict],
    tmp_path: Path,
    usual_umask: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skiptrace.flows.orchestration.refresh import run_refresh

    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    db, out = tmp_path / "data" / "st.duckdb", tmp_path / "out"
    base = portfolio_params(tiny_portfolio, db, out)
    first = _copy_first_run(first_run, tmp_path)  # the flow's run, copied with its modes
    run_dir = out / first["run_id"]

    # a completed run: manifest with every file's checksum, no INCOMPLETE marker, all private
    assert not (run_dir / "INCOMPLETE").exists()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    listed = {f["file"]: f["sha256"] for f in manifest["files"]}
    assert {"contacts.csv", "delta.csv", "run_summary.json"} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((run_dir / name).read_bytes()).hexdigest() == digest, name
    assert _mode(db) == 0o600 and _mode(run_dir) == 0o700
    assert {p.name: _mode(p) for p in run_dir.iterdir()} == {
        p.name: 0o600 for p in run_dir.iterdir()
    }

    # tonight's account export is a header and nothing else, delivered with --replace
    empty = tmp_path / "tonight" / tiny_portfolio.accounts_path.name
    empty.parent.mkdir()
    empty.write_text(tiny_portfolio.accounts_path.read_text().splitlines()[0] + "\n")
    refused = base.model_copy(update={"accounts": empty, "replace": True})
    with pytest.raises(ShrinkError, match=r"remove (\d+) of the \1 accounts .*(100.0%)"):
        run_refresh(refused, run_id="20261101T000000Z-0002")
    assert not (out / "20261101T000000Z-0002").exists()  # no delta.csv, nothing at all
    con = sql.connect(db, read_only=True)
    statuses = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    files = con.execute(
        "SELECT run_id, status FROM input_files WHERE source = 'accounts' ORDER BY file_no"
    ).fetchall()
    con.close()
    assert statuses == {first["run_id"]: "completed", "20261101T000000Z-0002": "failed"}
    # the refusal changed nothing: the header-only file is set aside, the first one current
    assert files == [(first["run_id"], "loaded"), ("20261101T000000Z-0002", "refused")]

    # so the right file, delivered again as it was, runs (it used to be refused as a
    # re-delivery of a different version, the empty file being 'loaded')
    again = run_refresh(base, run_id="20261101T000000Z-0003")
    assert again["totals"]["emitted"] == first["totals"]["emitted"] > 0

    # a run with another HMAC key never starts
    monkeypatch.setenv("SKIPTRACE_HMAC_KEY", "another-key-than-the-first-run")
    with pytest.raises(KeyMismatchError):
        run_refresh(base, run_id="20261101T000000Z-0004")
    con = sql.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)
    con.close()


def test_command_line_refusal_is_one_line_and_exit_code_6(tiny_portfolio, tmp_path: Path) -> None:
    from skiptrace.flows.orchestration import guards

    db = tmp_path / "st.duckdb"
    con = sql.connect(db)
    guards.check_key(con, db, "earlier")  # the database's key: the test session's
    con.close()
    env = {
        **os.environ,
        "SKIPTRACE_HMAC_KEY": "not-the-key-this-database-was-hashed-with",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [
            sys.executable, "-m", "skiptrace", "run",
            "--accounts", str(tiny_portfolio.accounts_path),
            "--sources", str(tiny_portfolio.sources_path),
            "--db", str(db), "--out", str(tmp_path / "out"),
        ],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 6, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    ours = [line for line in done.stderr.splitlines() if line.startswith("skiptrace: ")]
    assert len(ours) == 1  # Prefect's own log lines around it carry no traceback either
    assert ours[0].startswith(
        "skiptrace: error: the HMAC key from $SKIPTRACE_HMAC_KEY is not the key"
    )
    assert "not-the-key" not in done.stderr and "leaked" not in done.stderr


def test_allowed_shrink_warns_latest_names_the_good_run_and_old_folders_go(
    tiny_portfolio, first_run: tuple[Path, dict], tmp_path: Path
) -> None:
    """The real flow (ops audit 1 and 4): an --allow-shrink run publishes and says so in its
    warnings (exit 7: `skiptrace run` exits 7 when the summary has any); out/LATEST names the
    newest completed run, written after its manifest; --keep-runs 1 removes the older run's
    folder (it held its manifest) and leaves a folder skiptrace did not write."""
    from skiptrace.flows.exports.outputs import LATEST
    from skiptrace.flows.orchestration.refresh import run_refresh

    db, out = tmp_path / "data" / "st.duckdb", tmp_path / "out"
    base = portfolio_params(tiny_portfolio, db, out)
    first = _copy_first_run(first_run, tmp_path)
    assert first["warnings"] == []
    assert (out / LATEST).read_text() == "20261101T000000Z-0001\n"
    # the copied folder's manifest names the fixture's database, which still exists: archive
    # keeps a folder another database wrote (tests/flows/audit/test_archive_copies.py). Here
    # the first run stands for one this database made, so its record names this file.
    manifest_path = out / "20261101T000000Z-0001" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["database"]["path"] = str(db.resolve())
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    (out / "mine").mkdir()
    empty = tmp_path / "tonight" / tiny_portfolio.accounts_path.name
    empty.parent.mkdir()
    empty.write_text(tiny_portfolio.accounts_path.read_text().splitlines()[0] + "\n")
    allowed = base.model_copy(
        update={"accounts": empty, "replace": True, "allow_shrink": True, "keep_runs": 1}
    )
    second = run_refresh(allowed, run_id="20261101T000000Z-0002")
    assert any(
        w.startswith("allowed by allow_shrink") and "accounts" in w for w in second["warnings"]
    )
    assert any("contacts" in w for w in second["warnings"])
    assert (out / LATEST).read_text() == "20261101T000000Z-0002\n"
    assert not (out / "20261101T000000Z-0001").exists()
    assert (out / "20261101T000000Z-0002" / "manifest.json").is_file() and (out / "mine").is_dir()


def test_the_flow_refuses_an_ssn_in_a_path_before_storing_anything(tmp_path: Path) -> None:
    """A deployment's parameters (prefect.yaml, a custom run) skip the command's checks: the
    flow itself refuses an account export named with an SSN before the lock, the database or
    the run row exist, with the number masked in the failure Prefect records."""
    from skiptrace.errors import InputFileError
    from skiptrace.flows.orchestration.refresh import refresh_flow

    (tmp_path / "sources.yml").write_text("[]\n")
    accounts = tmp_path / "accounts_531-77-0022.csv"
    accounts.write_text("account_id,first_name,last_name\nA1,Ann,Lee\n")
    params = RefreshParams(
        accounts=accounts, sources=tmp_path / "sources.yml", db=tmp_path / "st.duckdb",
        out=tmp_path / "out",
    )  # fmt: skip
    with pytest.raises(InputFileError) as refused:
        refresh_flow(params)  # as a served deployment's run calls it
    assert "accounts_***-**-0022.csv" in str(refused.value)
    assert "531-77" not in str(refused.value)
    assert not (tmp_path / "st.duckdb").exists() and not (tmp_path / "out").exists()
