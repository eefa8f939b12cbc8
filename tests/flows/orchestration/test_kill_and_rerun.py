"""kill -9 during a stage, then rerun: no partial exports, no duplicated rows, same outputs.

The run executes in a child process that SIGKILLs itself the moment a given stage starts (or
mid-way through writing an export), so the interruption is real and lands where we want it.
The portfolio is the 80-account one (conftest `tiny_portfolio`): where a kill lands does not
depend on its size, and the file's nine runs took 44 s on the 300-account one (37 s on this).
Only the killed runs need a process of their own; the uninterrupted reference run and each
rerun are the same calls made in the test's process (a rerun is a new process after a kill in
any case, and the database does not know which one), which saves five interpreter starts and
imports. Each database starts as a copy of the session's migrated one (`migrated_template`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from skiptrace import sql
from skiptrace.flows.audit.runs import abandon_stale_runs
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import run_stages

pytestmark = pytest.mark.slow

RUNNER = r"""
import json, os, signal, sys, datetime as dt
from pathlib import Path
from skiptrace import sql
from skiptrace.flows.orchestration import stages
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.progress import listening
from skiptrace.flows.audit.runs import abandon_stale_runs, finish_run, start_run

cfg = json.loads(sys.argv[1])
params = RefreshParams(accounts=cfg["accounts"], sources=cfg["sources"], db=cfg["db"],
                       out=cfg["out"], as_of=dt.date.fromisoformat(cfg["as_of"]))
kill_at = cfg.get("kill_at")

def on_event(event, stage):
    if event == "start" and stage == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

if cfg.get("kill_in_export"):
    import skiptrace.atomic as atomic
    real_replace = os.replace
    def dying_replace(src, dst):
        if str(dst).endswith("contacts.parquet"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst)
    os.replace = dying_replace

con = sql.connect(params.db)
abandon_stale_runs(con)
run_id = cfg["run_id"]
start_run(con, run_id, as_of=params.as_of, params={})
with listening(on_event):
    stages.ingest(con, params, run_id)
    stages.standardize(con, run_id)
    stages.match(con, run_id)
    stages.resolve(con, run_id, params.as_of)
    stages.suppress(con, run_id, params.as_of)
    stages.emit(con, run_id, params.out / run_id)
finish_run(con, run_id, "completed")
"""


def _run_killed(cfg: dict) -> None:
    """RUNNER in a child process, which must end by the SIGKILL it sends itself."""
    env = {**os.environ, "SKIPTRACE_HMAC_KEY": "test-key-not-secret"}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(cfg)],
        env=env, capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]


def _run_here(cfg: dict) -> None:
    """RUNNER's run without a kill, in this process: stale runs marked abandoned, then every
    stage as one completed run (tests.pipeline.run_stages: the same stage calls)."""
    params = RefreshParams(accounts=cfg["accounts"], sources=cfg["sources"], db=cfg["db"],
                           out=cfg["out"], as_of=dt.date.fromisoformat(cfg["as_of"]))  # fmt: skip
    con = sql.connect(params.db)
    try:
        abandon_stale_runs(con)
        run_stages(con, params, cfg["run_id"])
    finally:
        con.close()


def _outputs(run_dir: Path) -> dict[str, pl.DataFrame]:
    keep = ("contacts.csv", "matches.csv", "account_flags.csv")
    return {
        name: pl.read_csv(run_dir / name, infer_schema=False).drop("run_id").sort(pl.all())
        for name in keep
    }


@pytest.fixture(scope="module")
def reference(
    tiny_portfolio, tmp_path_factory: pytest.TempPathFactory, migrated_template: Path
) -> dict:
    tmp = tmp_path_factory.mktemp("ref")
    cfg = _cfg(tiny_portfolio, tmp, "20261101T000000Z-ref0", template=migrated_template)
    _run_here(cfg)
    outputs = _outputs(Path(cfg["out"]) / cfg["run_id"])
    assert all(frame.height > 0 for frame in outputs.values())  # something to compare
    return outputs


def _cfg(portfolio, tmp: Path, run_id: str, template: Path | None = None, **extra) -> dict:
    """The run's settings; with `template`, its database starts as a copy of that file."""
    if template is not None:
        shutil.copyfile(template, tmp / "st.duckdb")
    return {
        "accounts": str(portfolio.accounts_path), "sources": str(portfolio.sources_path),
        "db": str(tmp / "st.duckdb"), "out": str(tmp / "out"), "as_of": str(portfolio.as_of),
        "run_id": run_id, **extra,
    }  # fmt: skip


@pytest.mark.parametrize("kill_at", ["standardize", "match", "emit", "export-rename"])
def test_killed_run_then_rerun_matches_uninterrupted(
    kill_at: str, tiny_portfolio, reference: dict, tmp_path: Path, migrated_template: Path
) -> None:
    killed = _cfg(tiny_portfolio, tmp_path, "20261101T000000Z-kill", template=migrated_template)
    if kill_at == "export-rename":
        killed["kill_in_export"] = True
    else:
        killed["kill_at"] = kill_at
    _run_killed(killed)

    killed_dir = tmp_path / "out" / killed["run_id"]
    if killed_dir.exists():
        # kill -9 can leave a hidden temp file behind, but never a partial file under an export's
        # real name: every visible file is complete and readable.
        for p in killed_dir.iterdir():
            if p.name.startswith("."):
                continue
            if p.suffix == ".parquet":
                pl.read_parquet(p)
            elif p.suffix == ".csv":
                pl.read_csv(p, infer_schema=False)
        assert not (killed_dir / "manifest.json").exists()  # written only for a completed run
        assert (killed_dir / "INCOMPLETE").is_file()  # and the folder says it is not one

    rerun = _cfg(tiny_portfolio, tmp_path, "20261101T000001Z-rert")
    _run_here(rerun)
    got = _outputs(tmp_path / "out" / rerun["run_id"])
    for name, frame in reference.items():
        assert got[name].equals(frame), name

    con = sql.connect(tmp_path / "st.duckdb", read_only=True)
    statuses = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    assert statuses == {killed["run_id"]: "abandoned", rerun["run_id"]: "completed"}
    # no duplicated raw rows: each input file loaded exactly once
    dup = con.execute(
        "SELECT sha256, count(*) FROM input_files WHERE status = 'loaded' GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    assert dup == []
    con.close()
