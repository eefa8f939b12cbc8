"""What a push must not do to the collections system, whatever it is given: retire another
skiptrace database's contacts and holds, lift holds because rows are missing, wait forever on a
lock, write into tables changed by hand, or vanish from `pushes` when stopped (docs/push.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from skiptrace import errors, sql
from skiptrace.flows.exports.pg import PushError, PushSettings
from skiptrace.flows.exports.push import push_run
from tests.flows.exports import test_push
from tests.flows.exports.test_push import (
    RUN1,
    RUN2,
    _wait_for,
    add_contact,
    add_run,
    contacts,
    copy_decisions,
    table,
)
from tests.snippet import last_line, run_snippet

run1 = test_push.run1  # the fixture: RUN1 of test_push, six contacts, a flag, three decisions

OTHER = "20250701T000000Z-0009"


def _next_run(con: duckdb.DuckDBPyConnection, *, without: str | None = None) -> None:
    """RUN2: RUN1's contacts and decisions again (of every account but `without`)."""
    add_run(con, RUN2)
    con.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ? AND account_id IS DISTINCT FROM ?",
        [RUN2, RUN1, without],
    )
    con.execute(
        "INSERT INTO suppressions BY NAME SELECT * REPLACE (?::VARCHAR AS run_id)"
        " FROM suppressions WHERE run_id = ? AND account_id IS DISTINCT FROM ?",
        [RUN2, RUN1, without],
    )
    con.execute(
        "INSERT INTO account_flags BY NAME SELECT * REPLACE (?::VARCHAR AS run_id)"
        " FROM account_flags WHERE run_id = ? AND account_id IS DISTINCT FROM ?",
        [RUN2, RUN1, without],
    )


def _other_database(path: Path) -> duckdb.DuckDBPyConnection:
    """A second skiptrace database: a ten-contact portfolio of its own (accounts B*)."""
    con = sql.connect(path)
    add_run(con, OTHER, as_of="2025-07-01")
    for i in range(3):
        add_contact(con, OTHER, f"B{i}", f"+1706555030{i}")
    return con


def _in_force(url: str) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM skiptrace_contacts WHERE active),"
            " (SELECT count(*) FROM skiptrace_flags WHERE active),"
            " (SELECT count(*) FROM skiptrace_suppressions WHERE active)"
        ).fetchall()[0]


def _db_path(con: duckdb.DuckDBPyConnection) -> str:
    return str(
        con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()[0]  # type: ignore[index]
    )


def test_a_push_from_another_database_is_refused_and_retires_nothing(
    run1, pg_url: str, tmp_path: Path
) -> None:
    """The audit's case: a small portfolio run in another database and pushed to the same
    target retired every contact, flag and suppression of the first (cease-and-desists among
    them), then the first database's next push was refused as older. Now the target records its
    owner and the other database is refused (6) until told to replace it."""
    push_run(run1, RUN1, pg_url)
    before = _in_force(pg_url)
    assert before == (6, 1, 3)
    other = _other_database(tmp_path / "other.duckdb")
    try:
        with pytest.raises(PushError, match="owned by another skiptrace database") as refused:
            push_run(other, OTHER, pg_url)
        assert refused.value.exit_code == errors.REFUSED
        assert _in_force(pg_url) == before
        assert other.execute("SELECT status FROM pushes").fetchall() == [("failed",)]
        # the owner's next run is pushed as usual: the other database's later as-of date does
        # not make it "older"
        _next_run(run1)
        assert push_run(run1, RUN2, pg_url).retired == 0
        # handing the target over is explicit, and retiring the old owner's contacts is a
        # shrink like any other
        with pytest.raises(PushError, match=r"retire 6 of the 6 active contacts"):
            push_run(other, OTHER, pg_url, replace_owner=True)
        assert _in_force(pg_url) == before
        took = push_run(other, OTHER, pg_url, replace_owner=True, allow_shrink=True)
        assert (took.inserted, took.retired) == (3, 6)
    finally:
        other.close()
    with psycopg.connect(pg_url) as conn:
        owner = conn.execute("SELECT run_id, replaced IS NOT NULL FROM skiptrace_owner")
        assert owner.fetchall() == [(OTHER, True)]
    with pytest.raises(PushError, match="owned by another skiptrace database"):
        push_run(run1, RUN2, pg_url)


def test_a_target_pushed_before_owners_is_taken_only_by_the_database_of_its_newest_run(
    run1, pg_url: str, tmp_path: Path
) -> None:
    """A target pushed to before schema version 5 has runs but no owner: the database that
    holds the newest of them becomes the owner (and its runs its own); any other is refused."""
    push_run(run1, RUN1, pg_url)
    with psycopg.connect(pg_url) as conn:  # as an older skiptrace left it
        conn.execute("DELETE FROM skiptrace_owner")
        conn.execute("UPDATE skiptrace_runs SET database_id = NULL")
    other = _other_database(tmp_path / "other.duckdb")
    try:
        with pytest.raises(PushError, match=f"newest of them \\({RUN1}.*not in this database"):
            push_run(other, OTHER, pg_url)
    finally:
        other.close()
    _next_run(run1)
    push_run(run1, RUN2, pg_url)
    mine = run1.execute("SELECT database_id FROM database_identity").fetchall()[0][0]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT database_id FROM skiptrace_owner").fetchall() == [(mine,)]
        runs = conn.execute("SELECT run_id, database_id FROM skiptrace_runs ORDER BY 1")
        assert runs.fetchall() == [(RUN1, mine), (RUN2, mine)]


def test_the_holds_of_an_account_the_run_lacks_are_never_lifted(run1, pg_url: str) -> None:
    """An account missing from a run has its contacts retired (never callable), but its
    dispute hold and bankruptcy flag stay in force: a hold is lifted only by a run that has the
    account and no longer decides it."""
    push_run(run1, RUN1, pg_url)
    _next_run(run1, without="A3")
    result = push_run(run1, RUN2, pg_url)
    assert (result.retired, result.holds_lifted, result.flags_lifted) == (1, 0, 0)
    with psycopg.connect(pg_url) as conn:
        held = conn.execute(
            "SELECT rule, active FROM skiptrace_suppressions WHERE account_id = 'A3'"
        ).fetchall()
        flags = conn.execute("SELECT flag, active FROM skiptrace_flags").fetchall()
    assert held == [("dispute", True)]
    assert flags == [("bankruptcy", True)]
    gone = contacts(pg_url)[("A3", "+17065550103")]
    assert (gone["active"], gone["callable"]) == (False, False)


def test_lifting_holds_is_refused_past_max_shrink_and_never_silent(run1, pg_url: str) -> None:
    """A run that has the account but no longer makes its decision lifts the hold: past
    max_shrink of the holds in force that is refused like a shrinking run (6); allowed, the
    push says which holds it lifted (the CLI line, a warning, the `pushes` row)."""
    push_run(run1, RUN1, pg_url)
    _next_run(run1)
    run1.execute(
        "DELETE FROM suppressions WHERE run_id = ? AND rule = 'outcome_wrong_number'", [RUN2]
    )
    before = table(pg_url, "skiptrace_suppressions", "1, 2, 3, 4, 5")
    with pytest.raises(PushError, match=r"lift 1 of the 3 holds.*outcome_wrong_number 1") as no:
        push_run(run1, RUN2, pg_url)
    assert no.value.exit_code == errors.REFUSED
    assert table(pg_url, "skiptrace_suppressions", "1, 2, 3, 4, 5") == before
    result = push_run(run1, RUN2, pg_url, allow_shrink=True)
    assert (result.holds_lifted, result.holds_lifted_rules) == (1, "outcome_wrong_number 1")
    message = run1.execute(
        "SELECT message FROM pushes WHERE status = 'completed' AND run_id = ?", [RUN2]
    ).fetchall()[0][0]
    assert "lifted 1 hold(s) the run no longer makes: outcome_wrong_number 1" in message


def test_a_push_that_would_retire_most_contacts_is_refused(run1, pg_url: str) -> None:
    """The run's max_shrink applied to what the target has in force: a run of a fraction of the
    portfolio would retire the rest there; refused (6), nothing changed; a larger max_shrink
    lets it through."""
    push_run(run1, RUN1, pg_url)
    add_run(run1, RUN2)
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ? AND account_id IN ('A1', 'A2', 'A3')",
        [RUN2, RUN1],
    )
    copy_decisions(run1, RUN1, RUN2)
    before = table(pg_url, "skiptrace_contacts", "1, 2, 3, 4")
    with pytest.raises(PushError, match=r"retire 1 of the 6 active contacts") as no:
        push_run(run1, RUN2, pg_url, max_shrink=0.1)
    assert no.value.exit_code == errors.REFUSED
    assert table(pg_url, "skiptrace_contacts", "1, 2, 3, 4") == before
    assert push_run(run1, RUN2, pg_url).retired == 1  # 1 of 6 is within the default 20%


def test_a_push_behind_a_held_lock_times_out_with_exit_8(run1, pg_url: str) -> None:
    """A session holding a skiptrace table used to keep the push waiting forever, holding the
    push's advisory lock and DuckDB's write lock. Now lock_timeout ends it: exit 8, recorded
    failed, rolled back, and the next push gets through. (The holder gives up after 20 s on its
    own, so without the timeout this test fails instead of hanging.)"""
    push_run(run1, RUN1, pg_url)
    _next_run(run1)
    holder = psycopg.connect(pg_url)
    holder.execute("SET idle_in_transaction_session_timeout = '20s'")
    holder.execute("LOCK TABLE skiptrace_contacts IN ACCESS EXCLUSIVE MODE")
    t0 = time.monotonic()
    try:
        with pytest.raises(PushError, match=r"waiting 1s for a lock \(--lock-timeout\)") as late:
            push_run(run1, RUN2, pg_url, settings=PushSettings(lock_timeout=1))
    finally:
        holder.rollback()
        holder.close()
    assert time.monotonic() - t0 < 15
    assert late.value.exit_code == errors.UNREACHABLE
    failed = run1.execute("SELECT status, message FROM pushes WHERE run_id = ?", [RUN2])
    assert [r[0] for r in failed.fetchall()] == ["failed"]
    assert push_run(run1, RUN2, pg_url).run_id == RUN2
    from skiptrace.flows.exports import pg

    with pg.connect(pg_url, PushSettings(lock_timeout=2, statement_timeout=90)) as conn:
        shown = [
            conn.execute(f"SHOW {name}").fetchall()[0][0]
            for name in ("lock_timeout", "statement_timeout")
        ]
    assert shown == ["2s", "90s"]


def test_tables_changed_by_hand_are_refused_before_writing(run1, pg_url: str) -> None:
    """A column renamed or a view dropped in the target was a traceback (exit 1) or a push that
    succeeded with the view still gone. Now the target is compared with what the migrations
    create before anything is written: one line, exit 3."""
    push_run(run1, RUN1, pg_url)
    _next_run(run1)
    with psycopg.connect(pg_url) as conn:
        conn.execute("ALTER TABLE skiptrace_contacts RENAME COLUMN dial_mode TO dialer_mode")
        conn.execute("DROP VIEW skiptrace_current_contacts")
    before = table(pg_url, "skiptrace_contacts", "1, 2, 3, 4")
    with pytest.raises(PushError) as drift:
        push_run(run1, RUN2, pg_url)
    assert drift.value.exit_code == errors.CONFIG
    assert "skiptrace_contacts lacks dial_mode; skiptrace_current_contacts is missing" in str(
        drift.value
    )
    assert table(pg_url, "skiptrace_contacts", "1, 2, 3, 4") == before
    # a column the check runs after (the owner's) is caught all the same: one line, 3
    with psycopg.connect(pg_url) as conn:
        conn.execute("ALTER TABLE skiptrace_owner RENAME COLUMN run_id TO pushed_run")
    with pytest.raises(PushError, match="differ from what skiptrace's migrations") as late:
        push_run(run1, RUN2, pg_url)
    assert late.value.exit_code == errors.CONFIG


def test_a_push_stopped_by_sigterm_is_recorded_failed_and_exits_143(
    run1, pg_url: str, tmp_path: Path
) -> None:
    """`skiptrace push` killed by a scheduler (SIGTERM) while it waits in PostgreSQL: exit 143,
    one line, a failed row in `pushes`, its statement cancelled in the server (the next push
    is not kept waiting behind it), nothing changed there."""
    push_run(run1, RUN1, pg_url)
    _next_run(run1)
    db = _db_path(run1)
    run1.close()
    before = table(pg_url, "skiptrace_contacts", "1, 2, 3, 4")
    holder = psycopg.connect(pg_url)
    holder.execute("LOCK TABLE skiptrace_contacts IN ACCESS EXCLUSIVE MODE")
    child = subprocess.Popen(
        [sys.executable, "-m", "skiptrace", "push", RUN2, "--db", db, "--to", pg_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    try:
        assert _wait_for(
            pg_url,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'skiptrace'"
            " AND wait_event_type = 'Lock'",
        ), "the push never waited on the lock"
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
        # its statement was cancelled: the server does not wait on for a lock, holding the
        # push's advisory lock, until the holder lets go
        gone = _wait_for(
            pg_url,
            "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'skiptrace'",
            seconds=10,
        )
    finally:
        if child.poll() is None:
            child.kill()
        holder.rollback()
        holder.close()
    assert child.returncode == errors.TERMINATED, err
    assert err.strip().splitlines()[-1].startswith("skiptrace: error: interrupted by SIGTERM")
    assert gone, "the stopped push's statement still waits in the server"
    assert table(pg_url, "skiptrace_contacts", "1, 2, 3, 4") == before
    con = sql.connect(db)
    try:
        recorded = con.execute("SELECT status, message FROM pushes WHERE run_id = ?", [RUN2])
        status, message = recorded.fetchall()[0]
        assert status == "failed" and "interrupted by SIGTERM" in message
    finally:
        con.close()


#: `skiptrace push` with a signal sent to itself the moment PostgreSQL has committed the push
#: (as _push_in_transaction returns), before DuckDB records it: a scheduler's signal in the
#: last fraction of a second.
SIGNAL_AS_IT_COMMITS = (
    "import os, sys\n"
    "from skiptrace.flows.exports import push\n"
    "signum = int(sys.argv.pop(1))\n"
    "real = push._push_in_transaction\n"
    "def committed(*args, **kwargs):\n"
    "    real(*args, **kwargs)\n"
    "    os.kill(os.getpid(), signum)\n"
    "push._push_in_transaction = committed\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_after_the_commit_leaves_the_push_recorded_completed(
    run1, pg_url: str, signum: signal.Signals
) -> None:
    """A SIGTERM or Ctrl-C that came after PostgreSQL committed the push (found sending SIGTERM
    to `skiptrace push` at many moments) took the failure path: the push recorded 'failed' in
    `pushes` and the command's last line said "nothing changed in the collections database"
    while PostgreSQL held the run. Now the push is recorded completed and the line says the
    signal came after the commit (still 143 / 130: the command was stopped)."""
    db = _db_path(run1)
    run1.close()
    done = run_snippet(
        SIGNAL_AS_IT_COMMITS, str(int(signum)), "push", RUN1, "--db", db, "--to", pg_url
    )
    assert done.returncode == 128 + signum, done.stderr[-3000:]
    last = last_line(done)
    assert last.startswith(
        f"skiptrace: error: interrupted by {signum.name} after the push of run {RUN1} was committed"
    ), done.stderr[-3000:]
    assert "nothing changed" not in done.stderr and "Sup3rSecretPw" not in done.stderr
    with psycopg.connect(pg_url) as conn:
        pushed = conn.execute("SELECT run_id FROM skiptrace_runs").fetchall()
    assert pushed == [(RUN1,)]
    con = sql.connect(db)
    try:
        recorded = con.execute("SELECT status FROM pushes WHERE run_id = ?", [RUN1]).fetchall()
    finally:
        con.close()
    assert recorded == [("completed",)]


#: `skiptrace push` with a SIGTERM sent to itself as it reads the run to push.
SIGTERM_AS_IT_READS_THE_RUN = (
    "import os, signal, sys\n"
    "from skiptrace.flows.exports import push\n"
    "real = push._completed_run\n"
    "def reading(*args, **kwargs):\n"
    "    os.kill(os.getpid(), signal.SIGTERM)\n"
    "    return real(*args, **kwargs)\n"
    "push._completed_run = reading\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


def test_a_sigterm_before_the_push_reaches_postgresql_says_so(run1, pg_url: str) -> None:
    """A SIGTERM while the push read its run from DuckDB (found sending SIGTERM to `skiptrace
    push` at many moments) ended with the run's line, "the run stopped and is recorded failed;
    the outputs of earlier runs are untouched": no run was stopped. Now it is the push's."""
    db = _db_path(run1)
    run1.close()
    done = run_snippet(SIGTERM_AS_IT_READS_THE_RUN, "push", RUN1, "--db", db, "--to", pg_url)
    assert done.returncode == errors.TERMINATED, done.stderr[-3000:]
    assert last_line(done).startswith(
        f"skiptrace: error: interrupted by SIGTERM: the push of run {RUN1} stopped before it "
        "reached the collections database; nothing changed there"
    ), done.stderr[-3000:]
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'skiptrace%'")
        assert tables.fetchone() == (0,)
