"""The real `skiptrace run` meeting the machine's failures (operations audit): a reader with
the database open, SIGTERM, kill -9 and the run after it, a refused delivery's log. Real
processes throughout: a read-only DuckDB connection in another process, a real signal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from skiptrace import errors

from ..conftest import copy_prefect_home, prefect_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: Holds the database read-only; with a release delay, lets go that many seconds after the
#: run has taken the run lock (so the run surely met DuckDB's lock: the run opens the database
#: in the statement after the one that writes its run id into the lock file), else holds on.
READER = (
    "import duckdb, json, sys, time\n"
    "db, delay = sys.argv[1], float(sys.argv[2])\n"
    "con = duckdb.connect(db, read_only=True)\n"
    "print('held', flush=True)\n"
    "while delay >= 0:\n"
    "    try:\n"
    "        if json.loads(open(db + '.lock').read() or '{}').get('run_id', '(').startswith('2'):\n"
    "            time.sleep(delay); break\n"
    "    except (OSError, ValueError): pass\n"
    "    time.sleep(0.1)\n"
    "else:\n"
    "    time.sleep(600)\n"
    "con.close()\n"
)


class Setup:
    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.db, self.out = root, root / "db" / "st.duckdb", root / "out"
        self.env = {**prefect_env(home), "SKIPTRACE_HMAC_KEY": "test-key-not-secret"}
        self.accounts = root / "p" / "accounts.csv"

    def args(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "skiptrace", "run", "--accounts", str(self.accounts),
                "--sources", str(self.root / "p" / "sources.yml"), "--db", str(self.db),
                "--out", str(self.out), "--as-of", "2026-11-01", *extra]  # fmt: skip

    def run(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.args(*extra), env=self.env, capture_output=True, text=True,
                              timeout=600)  # fmt: skip

    def start(self, *extra: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as f:
            return subprocess.Popen(self.args(*extra), env=self.env, stdout=f, stderr=f)

    def reader(self, release_after: float) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", READER, str(self.db), str(release_after)],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        return proc

    def runs(self) -> dict[str, tuple[str, str | None]]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            rows = con.execute("SELECT run_id, status, flow_run_id FROM runs").fetchall()
        finally:
            con.close()
        return {r[0]: (r[1], r[2]) for r in rows}


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _wait_for(log: Path, needle: str, timeout: float = 300, poll: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while needle not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(poll)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, prefect_home_template: Path) -> Path:
    """One completed run, made once for the file: each test starts from a copy of it (both
    tests need one behind them).

    Over an 80-account portfolio (the orchestration tests' `tiny_portfolio`): what is tested
    here (a reader's lock, a signal, a kill and the run after it) does not depend on the
    portfolio's size. This first run is the one that pays for the size (the tests' runs load
    nothing new): 15.4-17.6 CPU s against 18.3-20.4 s over the 300-account portfolio, measured
    in alternation on a loaded machine."""
    from skiptrace.flows.demo.synthetic import generate_portfolio

    root = tmp_path_factory.mktemp("first-run")
    generate_portfolio(root / "p", accounts=80, seed=5)
    home = copy_prefect_home(prefect_home_template, root / "prefect-home")
    first = Setup(root, home).run("-q")
    assert first.returncode == 0, first.stderr[-3000:]
    return root


@pytest.fixture
def setup(first_run: Path, tmp_path: Path, prefect_home: Path) -> Setup:
    for part in ("p", "db", "out"):
        shutil.copytree(first_run / part, tmp_path / part, symlinks=True)
    return Setup(tmp_path, prefect_home)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_reader_holding_the_file(setup: Setup) -> None:
    """A read-only connection in another process: the run waits it out (--wait), and past the
    wait fails in one last line, exit 5, naming the reader's pid (was: exit 1, "this is a bug",
    --wait ignored)."""
    reader = setup.reader(release_after=1)
    try:
        done = setup.run("-q", "--wait", "120")
        # it completes; the fixture's files again, so with the one warning that nothing new came
        assert done.returncode == errors.WARNINGS, done.stderr[-3000:]
        assert "nothing new was delivered" in done.stderr
        assert reader.wait(timeout=30) == 0
    finally:
        _stop(reader)
    reader = setup.reader(release_after=-1)  # holds on
    try:
        done = setup.run("-q", "--wait", "1")
        assert done.returncode == errors.BUSY, done.stderr[-3000:]
        last = _last_line(done.stderr)
        assert last.startswith("skiptrace: error: database busy: "), done.stderr[-3000:]
        assert f"pid {reader.pid}" in last and "--wait" in last
        assert "Traceback" not in done.stderr and "nanobind" not in done.stderr
    finally:
        _stop(reader)


def test_sigterm_then_kill_9_then_a_refused_run(setup: Setup, prefect_home: Path) -> None:
    completed = {r for r, (status, _) in setup.runs().items() if status == "completed"}
    (done_dir,) = [setup.out / r for r in completed]
    manifest = (done_dir / "manifest.json").read_bytes()

    # SIGTERM mid-run: one last line, exit 143, recorded failed, earlier outputs untouched.
    # Sent the moment standardize has finished, so it lands as match links (where a signal
    # in a DuckDB callback was once "this is a bug"), with the rest of the run still ahead.
    # (Was: 1 s after the first subflow began; this run loads nothing new and finished 4 s
    # after that line on a loaded 2-core machine, so a machine a few times faster completed
    # the run before the signal came.)
    log = setup.root / "term.log"
    proc = setup.start(log=log)
    try:
        _wait_for(log, "Task run 'standardize-", poll=0.01)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM, log.read_text()[-3000:]
    finally:
        _stop(proc)
    text = log.read_text()
    assert _last_line(text).startswith("skiptrace: error: interrupted by SIGTERM"), text[-3000:]
    assert "this is a bug" not in text and "nanobind" not in text
    statuses = setup.runs()
    assert sorted(s for s, _ in statuses.values()) == ["completed", "failed"]
    assert (done_dir / "manifest.json").read_bytes() == manifest

    # kill -9 mid-run: left 'running', its INCOMPLETE says "is being written"
    log = setup.root / "kill.log"
    proc = setup.start(log=log)
    try:
        _wait_for(log, "for flow 'emit'")
        deadline = time.monotonic() + 120
        while not any(
            "is being written" in m.read_text() for m in setup.out.glob("*/INCOMPLETE")
        ):  # killed after the first export began: its folder says "is being written"
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        _stop(proc)
    (killed, (_, flow_run_id)) = next((r, v) for r, v in setup.runs().items() if v[0] == "running")
    assert flow_run_id

    # the next run: a header-only export with --replace, refused by the shrink check
    header = setup.accounts.read_text().splitlines()[0]
    setup.accounts.write_text(header + "\n")
    done = setup.run("--replace")
    assert done.returncode == errors.REFUSED, done.stderr[-3000:]
    last = _last_line(done.stderr)
    assert last.startswith("skiptrace: error: run refused"), done.stderr[-3000:]
    reason = last.removeprefix("skiptrace: error: ")[:60]
    flat = " ".join(done.stderr.split())
    assert flat.count(reason) == 2, done.stderr  # once in the log, once as the last line
    assert f"as abandoned: {killed}" in flat  # the warning names the run
    marker = (setup.out / killed / "INCOMPLETE").read_text()
    assert "abandoned" in marker and "is being written" not in marker
    assert setup.runs()[killed][0] == "abandoned"
    prefect_db = sqlite3.connect(prefect_home / "prefect.db")
    try:
        (state,) = prefect_db.execute(
            "SELECT state_type FROM flow_run WHERE id = ?", [flow_run_id]
        ).fetchone()
    finally:
        prefect_db.close()
    assert state == "CRASHED"
    assert json.loads((done_dir / "manifest.json").read_bytes()) == json.loads(manifest)
    os.sync()


#: `skiptrace run` with a SIGTERM sent to itself the moment finalize has recorded the run
#: completed (as it moves out/LATEST): a scheduler's signal in the last fraction of a second.
SIGTERM_AS_IT_COMPLETES = (
    "import os, signal, sys\n"
    "from skiptrace.flows.exports import outputs\n"
    "real = outputs.write_latest\n"
    "def write_latest(*args, **kwargs):\n"
    "    os.kill(os.getpid(), signal.SIGTERM)\n"
    "    return real(*args, **kwargs)\n"
    "outputs.write_latest = write_latest\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


def test_a_sigterm_after_the_run_is_recorded_completed_leaves_it_completed(
    setup: Setup,
) -> None:
    """A SIGTERM that came as finalize recorded the run completed (found sending SIGTERM at
    many moments of a run) was the failure path's: the run recorded failed again, its
    published folder marked INCOMPLETE ("failed: Interrupted"), LATEST moved to it or not as
    the signal fell, and the command said "the run stopped and is recorded failed". Now the
    completion is whole, the run stays completed, and the last line says what happened
    (exit 143: the command was stopped)."""
    before = set(setup.runs())
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_AS_IT_COMPLETES, *setup.args()[3:]],
        env=setup.env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 128 + signal.SIGTERM, done.stderr[-3000:]
    (run_id,) = set(setup.runs()) - before
    last = _last_line(done.stderr)
    assert last.startswith(
        f"skiptrace: error: interrupted by SIGTERM after run {run_id} was recorded completed"
    ), done.stderr[-3000:]
    assert "this is a bug" not in done.stderr and "recorded failed" not in done.stderr
    assert setup.runs()[run_id][0] == "completed"
    assert not (setup.out / run_id / "INCOMPLETE").exists()
    assert (setup.out / run_id / "manifest.json").is_file()
    assert (setup.out / "LATEST").read_text().strip() == run_id
