"""The machine's failures are one line and a documented code, not "(this is a bug)": another
process holding DuckDB's file lock (exit 5, naming its pid), a full disk and a folder gone
read-only (3, naming the path), a corrupt database file (4). Real processes and real files:
a read-only DuckDB connection in another process, bytes written over the file, /dev/full."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skiptrace import errors, resources, sql
from skiptrace.flows.cli.main import app
from tests.snippet import last_line, run_snippet

#: Holds the database open until its stdin is closed (or it is killed).
HOLD = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro')\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"
)


def hold(db: Path, mode: str = "ro") -> subprocess.Popen[str]:
    """Another process with the database open (read-only 'ro', or 'rw' as a run has it), until
    its stdin is closed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def _one_line(args: list[str], code: int, *needles: str) -> str:
    result = CliRunner().invoke(app, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("skiptrace: error: "), result.stderr
    assert "Traceback" not in result.output and "this is a bug" not in result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "st.duckdb"
    sql.connect(path).close()
    return path


def test_connect_waits_for_a_reader_in_another_process(db: Path) -> None:
    """A read-only connection elsewhere blocks a writer; connect waits it out.

    The reader lets go when told, 0.5 s after connect began: a reader that slept a fixed time
    from "held" could be gone before connect started on a loaded machine."""
    reader = hold(db, "ro")
    assert reader.stdin is not None
    letting_go = threading.Timer(0.5, reader.stdin.close)
    try:
        started = time.monotonic()
        letting_go.start()
        sql.connect(db, wait=60).close()
        assert time.monotonic() - started >= 0.5  # it did meet the lock
        assert reader.wait(timeout=30) == 0  # and got through once the reader let go
    finally:
        letting_go.cancel()
        stop(reader)


def test_connect_gives_up_after_wait_naming_the_pid(db: Path) -> None:
    reader = hold(db, "ro")
    try:
        with pytest.raises(sql.DatabaseLocked) as caught:
            sql.connect(db, wait=0.5)
        line = caught.value.one_line()
        assert caught.value.exit_code == errors.BUSY
        assert f"pid {reader.pid}" in line and str(db) in line and "waited 0.5s" in line
    finally:
        stop(reader)


def test_readers_during_a_run_are_busy_naming_the_run(db: Path) -> None:
    """explain, report, rejects while a run writes: exit 5, one line naming the run and pid."""
    writer = hold(db, "rw")
    try:
        lock = db.with_name(db.name + ".lock")
        lock.write_text(json.dumps({"pid": writer.pid, "run_id": "R-night", "since": "x"}))
        for args in (["explain", "A1"], ["report"], ["rejects"], ["calibrate", "--outcomes"]):
            _one_line([*args, "--db", str(db)], errors.BUSY, "database busy",
                      f"run R-night (pid {writer.pid})", "--wait")  # fmt: skip
    finally:
        stop(writer)


def _corrupt(db: Path, offset: int, size: int = 4096) -> None:
    with db.open("r+b") as f:
        f.seek(offset)
        f.write(os.urandom(size))


def _filled(db: Path) -> int:
    con = sql.connect(db)
    con.execute("CREATE TABLE filler AS SELECT i, md5(i::VARCHAR) h FROM range(300000) t(i)")
    con.close()
    return db.stat().st_size


def test_a_corrupt_database_header_is_one_line_restore_from_backup(db: Path) -> None:
    """Random bytes over the file's header (dd): every command that opens it says so."""
    _filled(db)
    _corrupt(db, 0)
    for args in (["rejects"], ["explain", "A1"]):
        _one_line([*args, "--db", str(db)], errors.INPUT, str(db), "corrupt",
                  "restore it from a backup")  # fmt: skip


@pytest.mark.parametrize("where", ["middle", "truncated"])
def test_damage_met_by_a_query_is_named_corrupt(db: Path, where: str) -> None:
    """The damage is found where a query reads it (a run's stage, audit corrupt/mid and
    corrupt/trunc): DuckDB's own error, named against the database and its remedy."""
    import duckdb

    size = _filled(db)
    if where == "middle":
        _corrupt(db, size // 2, 1 << 20)
    else:
        os.truncate(db, size // 2)
    with pytest.raises(duckdb.Error) as caught:
        con = duckdb.connect(str(db))
        con.execute("SELECT count(*), sum(hash(h)) FROM filler").fetchall()
    known = resources.known_failure(RuntimeError("stage failed").with_traceback(None), db)
    assert known is None
    known = resources.known_failure(caught.value, db)
    assert isinstance(known, resources.DatabaseCorrupt), caught.value
    assert known.exit_code == errors.INPUT and str(db) in known.one_line()
    assert "restore it from a backup" in known.one_line()


def test_disk_full_on_a_real_write_is_config_naming_the_path() -> None:
    """/dev/full: every write fails with ENOSPC, a real one."""
    with pytest.raises(OSError) as caught, open("/dev/full", "w") as f:
        f.write("x")
        f.flush()
    assert caught.value.errno == errno.ENOSPC
    caught.value.filename = "/dev/full"
    known = resources.known_failure(caught.value)
    assert isinstance(known, resources.DiskFull) and known.exit_code == errors.CONFIG
    assert "/dev/full" in known.one_line() and "free space" in known.one_line()


def test_a_folder_gone_read_only_is_config_naming_the_path(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        exc = OSError(errno.EROFS, "Read-only file system", str(tmp_path / "out" / "x.csv"))
    else:
        (tmp_path / "out").mkdir(mode=0o500)
        with pytest.raises(OSError) as caught:
            (tmp_path / "out" / "x.csv").write_text("x")
        exc = caught.value
    known = resources.known_failure(RuntimeError("wrapped"))
    assert known is None  # a plain bug stays a bug
    wrapped = RuntimeError("task failed")
    wrapped.__cause__ = exc
    known = resources.known_failure(wrapped)
    assert isinstance(known, resources.NotWritable) and known.exit_code == errors.CONFIG
    assert str(tmp_path / "out" / "x.csv") in known.one_line()


_SIGTERM_IN_A_CALLBACK = """
import os, signal, duckdb
from skiptrace import resources

def udf(x: int) -> int:
    os.kill(os.getpid(), signal.SIGTERM)  # arrives while DuckDB is calling Python
    return x

# one thread: no DuckDB worker thread exists, so the UDF runs in the main thread, where
# Python runs signal handlers (with workers, the task may run elsewhere and the handler
# only after the query, raising Interrupted itself: the other path, already the interruption)
con = duckdb.connect(config={"threads": 1})
con.create_function("udf", udf, ["BIGINT"], "BIGINT")
with resources.noting_signals():
    try:
        con.execute("SELECT udf(1)").fetchall()
    except BaseException as exc:
        # as the CLI's boundary decides: our own error as it is, anything else classified
        known = exc if isinstance(exc, resources.SkiptraceError) else resources.known_failure(exc)
        print(type(exc).__name__, type(known).__name__, known.exit_code if known else None)
"""


def test_a_sigterm_inside_a_duckdb_callback_is_the_interruption_not_a_bug() -> None:
    """A SIGTERM whose handler raised inside Python code DuckDB was calling (a registered
    frame's schema, a UDF) comes back as DuckDB's own error naming the exception: it is the
    interruption, exit 143, not "internal error ... (this is a bug)" (seen in the SIGTERM run
    of test_errors_run_integration when the signal landed as match registered its pairs)."""
    done = subprocess.run(
        [sys.executable, "-c", _SIGTERM_IN_A_CALLBACK], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["InvalidInputException", "Interrupted", "143"], done.stderr


_SIGTERM_IN_A_DEFERRED_BLOCK = """
import os, signal
from skiptrace import resources

steps = []
with resources.noting_signals():
    try:
        with resources.signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)  # handled at once: noted, kept for later
            steps.append("after the signal")
        steps.append("after the block")
    except resources.Interrupted as exc:
        print(*steps, "|", exc.exit_code, sep=",")
"""


def test_a_sigterm_in_a_deferred_block_interrupts_when_the_block_ends() -> None:
    """finalize's publication (completed, INCOMPLETE gone, LATEST) is done whole: a SIGTERM
    inside `signals_deferred` is the interruption only once the block has ended."""
    done = subprocess.run(
        [sys.executable, "-c", _SIGTERM_IN_A_DEFERRED_BLOCK],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "after the signal,|,143", done.stderr


#: `skiptrace push` with a Ctrl-C (a real SIGINT) sent to itself as it opens the database,
#: before the push installs its own handling: a KeyboardInterrupt leaves the command.
SIGINT_AS_IT_OPENS = (
    "import os, signal, sys\n"
    "from skiptrace.flows.cli import lineage\n"
    "def opening(*args, **kwargs):\n"
    "    os.kill(os.getpid(), signal.SIGINT)\n"
    "lineage._open = opening\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


def test_a_ctrl_c_that_leaves_a_command_is_one_line_and_130(tmp_path: Path) -> None:
    """Typer turns a KeyboardInterrupt that leaves a command into exit 130 with nothing on
    stderr (found sending SIGINT to `skiptrace push`, `purge` and `archive` at many moments):
    the boundary never saw it. Now it is the one line, naming the command."""
    done = run_snippet(
        SIGINT_AS_IT_OPENS,
        "push",
        "RUN",
        "--db",
        str(tmp_path / "x"),
        "--to",
        "postgresql://nobody@/nowhere",
    )
    assert done.returncode == 130, done.stderr[-3000:]
    lines = done.stderr.strip().splitlines()
    assert lines and lines[-1] == (
        "skiptrace: error: interrupted by SIGINT: skiptrace push stopped"
    ), done.stderr[-3000:]


#: `skiptrace replay` with a SIGTERM sent to itself as it copies the database into its scratch
#: folder.
SIGTERM_AS_REPLAY_COPIES = (
    "import os, signal, sys\n"
    "from skiptrace.flows.orchestration import replay\n"
    "def copying(*args, **kwargs):\n"
    "    os.kill(os.getpid(), signal.SIGTERM)\n"
    "replay.copy_database = copying\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


def test_a_sigterm_of_a_replay_says_the_database_is_unchanged(tmp_path: Path) -> None:
    """A SIGTERM of `skiptrace replay` (sent at many moments of a real replay) ended with the
    run's line, "the run stopped and is recorded failed; the outputs of earlier runs are
    untouched": a replay records nothing in the database. Now it is the replay's line, and
    its scratch folder is gone."""
    import duckdb

    db = tmp_path / "skiptrace.duckdb"
    duckdb.connect(str(db)).close()
    done = run_snippet(SIGTERM_AS_REPLAY_COPIES, "replay", "RUN", "--db", str(db))
    assert done.returncode == errors.TERMINATED, done.stderr[-3000:]
    assert last_line(done).startswith(
        "skiptrace: error: interrupted by SIGTERM: skiptrace replay stopped; the database is "
        "unchanged"
    ), done.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["skiptrace.duckdb"]
