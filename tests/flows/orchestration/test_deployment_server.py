"""Deployed runs against a real Prefect server: `skiptrace serve`, and prefect.yaml + a worker.

Issue 18: both paths failed on a real server (served runs in parameter validation, worker runs
on a missing entrypoint) while fakes kept the tests green. Here nothing is faked: a server
process, the `skiptrace serve` and `prefect deploy` / `prefect worker` commands users run, a
run triggered through the API, and the exports checked on disk.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from prefect.settings import PREFECT_API_URL, temporary_settings

from skiptrace import sql
from skiptrace.flows.orchestration import schedule_check

from .conftest import BIN, TERMINAL, PrefectServer, stop

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
POOL = "skiptrace-process"


def _tail(path: Path, lines: int = 40) -> str:
    return (
        "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
    )


def _assert_exports(out: Path, db: Path, flow_run_id: str) -> str:
    """The database's completed run row of the flow run, and its folder with the exports (a
    schedule may have begun another run meanwhile: its folder is not this one)."""
    con = sql.connect(db, read_only=True)
    try:
        ((run_id, status),) = con.execute(
            "SELECT run_id, status FROM runs WHERE flow_run_id = ?", [flow_run_id]
        ).fetchall()
    finally:
        con.close()
    assert status == "completed"
    run_dir = out / run_id
    for name in ("contacts.csv", "import_phones.csv", "run_summary.json", "manifest.json"):
        assert (run_dir / name).is_file(), name
    contacts = pl.read_csv(run_dir / "contacts.csv", infer_schema=False)
    assert contacts.height > 50
    assert (contacts["run_id"] == run_dir.name).all()
    return run_id


#: An optional source whose file is missing; the phone-shaped run in its name must reach the
#: Prefect API masked (the warning quotes the path).
MISSING_SOURCE = "credit_header"
MISSING_PATH = "credit header 404-555-0199.tsv"


def _portfolio_missing_optional_source(portfolio: Any, folder: Path) -> Path:
    shutil.copytree(portfolio.root, folder, ignore=shutil.ignore_patterns("truth"))
    registry = yaml.safe_load((folder / "sources.yml").read_text())
    for source in registry["sources"]:
        if source["name"] == MISSING_SOURCE:
            source.update(path=MISSING_PATH, optional=True)
    (folder / "sources.yml").write_text(yaml.safe_dump(registry))
    return folder / "sources.yml"


@contextmanager
def _serve(
    server: PrefectServer, portfolio: Any, tmp_path: Path, name: str, *options: str
) -> Iterator[tuple[dict[str, Any], Path]]:
    """`skiptrace serve` in a subprocess, as the README starts it; stopped afterwards. Its
    sources.yml has an optional source without a file (a warning, not a failure). The runner
    looks for due runs every second (Prefect's default: every 10 s)."""
    sources = _portfolio_missing_optional_source(portfolio, tmp_path / "p")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "skiptrace"), "serve", "--name", name, "--replace",
             "--accounts", str(tmp_path / "p" / "accounts.csv"), "--sources", str(sources),
             "--db", "data/skiptrace.duckdb", "--out", "out", *options],
            cwd=tmp_path, env={**server.env, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            yield server.deployment("refresh", name), log
        finally:
            stop(process)


def test_scheduler_starts_a_served_run(
    prefect_server: PrefectServer, tiny_portfolio: Any, tmp_path: Path
) -> None:
    """The schedule itself makes a run, which the serving process runs to completion.

    The other tests start runs through the API, which the server's scheduler service plays no
    part in: with SQLAlchemy 2.1 that service failed on every loop (its bulk insert of the
    scheduled runs), `serve` registered its deployment, and no scheduled run was ever made.
    A cron with a seconds field (Prefect's cron accepts a sixth field, seconds) makes a run due
    every 10 seconds; the server schedules every second (conftest SCHEDULER_LOOPS). The
    check `serve` makes at start (schedule_check) sees those runs.
    """
    with _serve(
        prefect_server, tiny_portfolio, tmp_path, "test-scheduled",
        "--cron", "* * * * * */10", "--timezone", "UTC",
    ) as (deployment, log):  # fmt: skip
        start = time.monotonic()
        while True:
            runs = prefect_server.scheduled_runs(deployment["id"])
            if not runs and time.monotonic() - start > 30:
                server_log = _tail(prefect_server.home / "server.log", 15)
                pytest.fail(f"the scheduler made no run in 30 s; server log:\n{server_log}")
            if done := [r for r in runs if r["state"] and r["state"]["type"] in TERMINAL]:
                break
            if time.monotonic() - start > 240:
                pytest.fail(f"no scheduled run ended in 240 s: {[r['state'] for r in runs[:3]]}")
            time.sleep(1)
        # what `serve` asks at start to tell a working scheduler (schedule_check)
        with temporary_settings({PREFECT_API_URL: prefect_server.api_url}):
            assert schedule_check.has_scheduled_run("refresh", "test-scheduled")
            assert not schedule_check.has_scheduled_run("refresh", "never-served")
    run = done[0]
    assert run["created_by"]["type"] == "SCHEDULE"
    assert run["state"]["type"] == "COMPLETED", _tail(log)
    _assert_served_run(prefect_server, run["id"], tmp_path)


def _assert_served_run(prefect_server: PrefectServer, flow_run_id: str, tmp_path: Path) -> None:
    """A served run's exports, summary, artifacts, and the ingest warning of the skiptrace
    logger on the run's logs in the API, masked. (The scheduled run is the one served run the
    suite makes: runs started through the API are the worker test's.)"""
    run_id = _assert_exports(tmp_path / "out", tmp_path / "data" / "skiptrace.duckdb", flow_run_id)
    summary = json.loads((tmp_path / "out" / run_id / "run_summary.json").read_text())
    assert [MISSING_SOURCE in w for w in summary["warnings"]] == [True]
    artifacts = {a["key"]: a for a in prefect_server.artifacts(flow_run_id)}
    assert artifacts["skiptrace-progress"]["type"] == "progress"
    assert float(artifacts["skiptrace-progress"]["data"]) == 100.0
    assert "skiptrace-run-summary" in artifacts

    logs = prefect_server.logs(prefect_server.run_tree(flow_run_id))
    ours = [entry for entry in logs if entry["name"].split(".")[0] == "skiptrace"]
    warning = [e for e in ours if f"source {MISSING_SOURCE}: no file matches" in e["message"]]
    assert warning, [e["message"] for e in logs][-20:]
    assert warning[0]["level"] == logging.WARNING and warning[0]["flow_run_id"]
    assert "credit header ***-***-0199.tsv" in warning[0]["message"]
    assert not any("404-555-0199" in e["message"] for e in logs)
    assert any(e["message"].startswith("match: ") for e in ours)  # INFO lines too


@pytest.fixture(scope="module")
def work_pool(prefect_server: PrefectServer) -> str:
    """The process work pool prefect.yaml names, as `prefect work-pool create POOL --type
    process` makes it: the process worker's default job template, posted to the server. Made
    here rather than by that command: the command is not what these tests are about, and its
    start-up cost 2.7 CPU s (importing Prefect's CLI) where this costs 0.25 s."""
    from prefect.workers.process import ProcessWorker

    template = ProcessWorker.get_default_base_job_template()
    pool = prefect_server.post(
        "/work_pools/", {"name": POOL, "type": "process", "base_job_template": template}
    )
    assert pool["type"] == "process" and pool["base_job_template"] == template
    return POOL


def _deploy(server: PrefectServer, cwd: Path, home: str | None) -> subprocess.CompletedProcess:
    """`prefect deploy --all` of the project's prefect.yaml, from a folder other than the project."""
    env = {k: v for k, v in server.env.items() if k != "SKIPTRACE_HOME"}
    if home is not None:
        env["SKIPTRACE_HOME"] = home
    return subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", "deploy", "--all",
         "--prefect-file", str(ROOT / "prefect.yaml")],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_deploy_refuses_unset_data_folder(
    prefect_server: PrefectServer, work_pool: str, tmp_path: Path
) -> None:
    result = _deploy(prefect_server, tmp_path, home=None)
    assert result.returncode != 0
    assert "SKIPTRACE_HOME is not set" in result.stdout + result.stderr
    with prefect_server.http() as c:
        assert c.get("/deployments/name/refresh/nightly-refresh").status_code == 404


def _data_folder(portfolio: Any, home: Path) -> Path:
    """The layout prefect.yaml expects: inbox/accounts.csv and sources.yml with its files."""
    shutil.copytree(portfolio.root, home, ignore=shutil.ignore_patterns("truth", "accounts.csv"))
    (home / "inbox").mkdir()
    shutil.copy(portfolio.accounts_path, home / "inbox" / "accounts.csv")
    return home


def test_worker_runs_the_deployed_prefect_yaml(
    prefect_server: PrefectServer, work_pool: str, tiny_portfolio: Any, tmp_path: Path
) -> None:
    home = _data_folder(tiny_portfolio, tmp_path / "home")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    deployed = _deploy(prefect_server, elsewhere, home=str(home))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    deployment = prefect_server.deployment("refresh", "nightly-refresh")
    assert deployment["parameters"]["params"]["accounts"] == str(home / "inbox" / "accounts.csv")

    flow_run_id = prefect_server.run_deployment(deployment["id"])
    worker = subprocess.run(
        [str(BIN / "prefect"), "worker", "start", "--pool", work_pool, "--run-once"],
        cwd=elsewhere, env={**prefect_server.env, "PREFECT_WORKER_QUERY_SECONDS": "1"},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    run = prefect_server.wait_for(flow_run_id, timeout=30)
    assert run["state"]["type"] == "COMPLETED", worker.stdout[-4000:] + worker.stderr[-4000:]
    _assert_exports(home / "out", home / "data" / "skiptrace.duckdb", flow_run_id)
