"""Push into a real PostgreSQL (pgserver): schema, idempotence, suppression, retirement, the
run recorded on both sides, the password kept out of everything shown, kill -9 mid-push."""

from __future__ import annotations

import logging
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
from skiptrace.flows.exports.pg import PushError, mask_url, resolve_url
from skiptrace.flows.exports.push import push_run
from tests.flows.exports.pg_outcomes import insert_outcomes

RUN1 = "20250501T000000Z-0001"
RUN2 = "20250601T000000Z-0002"
SECRET = "Sup3rSecretPw"


def add_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str = "completed",
    as_of: str = "2025-05-01",
) -> None:
    con.execute(
        "INSERT INTO runs (run_id, as_of, status, code_version) VALUES (?, CAST(? AS DATE), ?, 't')",
        [run_id, as_of, status],
    )


def add_contact(
    con: duckdb.DuckDBPyConnection, run_id: str, account_id: str, key: str, **kw: Any
) -> None:
    ctype = kw.pop("contact_type", "phone" if key.startswith("+") else "address")
    row: dict[str, Any] = {
        "run_id": run_id, "account_id": account_id, "contact_type": ctype, "contact_key": key,
        "rank": 1, "role": "debtor", "confidence": 0.8, "status": "new", "sources": "vendor",
        "reasons": "new from vendor", "on_hold": False,
    }  # fmt: skip
    if ctype == "phone":
        row.update(phone=key[2:], phone_type="mobile", dial_mode="manual")
    else:
        row.update(address_line1=key.split("|")[0], city="ROME", state="GA", zip=key.split("|")[1])
    row.update(kw)
    con.execute(
        f"INSERT INTO contact_points ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )


def copy_decisions(con: duckdb.DuckDBPyConnection, from_run: str, to_run: str) -> None:
    """The rules' decisions of one run as another's (a next run that decided the same)."""
    con.execute(
        "INSERT INTO suppressions BY NAME SELECT * REPLACE (?::VARCHAR AS run_id)"
        " FROM suppressions WHERE run_id = ?",
        [to_run, from_run],
    )


@pytest.fixture
def run1(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    add_run(con, RUN1)
    add_contact(con, RUN1, "A1", "+17065550101")
    add_contact(con, RUN1, "A1", "1 MAIN ST|30161", contact_type="address", confidence=0.9)
    add_contact(con, RUN1, "A1", "+17065550102", rank=2, confidence=0.4)
    # a wrong number collectors reported: suppressed by a rule, pushed with its reason
    add_contact(
        con, RUN1, "A2", "+17065550199", status="suppressed",
        reasons="SUPPRESSED: wrong number reported 2025-04-02",
    )  # fmt: skip
    add_contact(con, RUN1, "A3", "+17065550103", on_hold=True, reasons="HOLD: dispute")
    # the same value as a debtor's and a relative's contact: one row, the debtor's
    add_contact(con, RUN1, "A1", "+17065550102", role="third_party", rank=1, confidence=0.6)
    add_contact(con, RUN1, "A4", "+17065550177", role="third_party", relationship="sister")
    con.execute(
        "INSERT INTO account_flags (run_id, account_id, flag, confidence, evidence, rec_id) VALUES (?, 'A3', 'bankruptcy', 0.9, 'case 1', NULL),"
        " (?, 'A3', 'bankruptcy', 0.7, 'case 2', NULL)",
        [RUN1, RUN1],
    )
    con.execute(
        "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, role, rule,"
        " action, reason, regulation) VALUES (?, 'A2', 'phone', '+17065550199', 'debtor',"
        " 'outcome_wrong_number', 'suppress', 'wrong number', 'TCPA'),"
        " (?, 'A3', NULL, NULL, NULL, 'dispute', 'hold', 'disputed', 'FDCPA 1692g'),"
        # a decision on the relative's point of the shared number, none on the debtor's
        " (?, 'A1', 'phone', '+17065550102', 'third_party', 'third_party_location_only',"
        " 'third_party_only', 'location information only', 'FDCPA 1692b')",
        [RUN1, RUN1, RUN1],
    )
    return con


def table(url: str, name: str, order: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT xmin::text, * FROM {name} ORDER BY {order}").fetchall()


def contacts(url: str) -> dict[tuple[str, str], dict[str, Any]]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute("SELECT * FROM skiptrace_contacts").fetchall()
    return {(r["account_id"], r["contact_key"]): r for r in rows}


def test_push_writes_the_documented_schema_and_rows(run1, pg_url: str) -> None:
    from skiptrace.flows.exports.pg import pg_migrations

    result = push_run(run1, RUN1, pg_url)
    assert result.migrations_applied == len(pg_migrations())
    assert (result.contacts, result.inserted, result.updated, result.retired) == (6, 6, 0, 0)
    rows = contacts(pg_url)
    assert len(rows) == 6
    assert rows[("A1", "+17065550101")]["callable"] is True
    assert rows[("A1", "+17065550102")]["role"] == "debtor"  # debtor row wins the shared key
    wrong = rows[("A2", "+17065550199")]
    assert (wrong["status"], wrong["callable"]) == ("suppressed", False)
    assert "wrong number" in wrong["suppression_reason"]
    assert rows[("A3", "+17065550103")]["callable"] is False  # on hold
    assert rows[("A4", "+17065550177")]["callable"] is False  # third party
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(
            "SELECT flag, confidence, evidence FROM skiptrace_flags"
        ).fetchall() == [("bankruptcy", 0.9, "case 1")]
        # each decision names the point it was made for: the location-only rule on the
        # relative's point of a number the debtor shares is no decision on the debtor's
        # (callable) row of that number
        assert sorted(
            conn.execute(
                "SELECT account_id, contact_type, contact_key, role, rule"
                " FROM skiptrace_suppressions"
            ).fetchall()
        ) == [
            ("A1", "phone", "+17065550102", "third_party", "third_party_location_only"),
            ("A2", "phone", "+17065550199", "debtor", "outcome_wrong_number"),
            ("A3", "", "", "", "dispute"),
        ]
        run = conn.execute("SELECT run_id, contacts, callable, suppressed FROM skiptrace_runs")
        assert run.fetchall() == [(RUN1, 6, 3, 1)]
        versions = conn.execute("SELECT version FROM skiptrace_schema_version ORDER BY 1")
        assert versions.fetchall() == [(v,) for v, _ in pg_migrations()]
        # the database refuses a callable suppressed contact whoever writes it
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE skiptrace_contacts SET callable = true WHERE account_id = 'A2'")
    pushed = run1.execute("SELECT run_id, status, contacts, target FROM pushes").fetchall()
    assert pushed == [(RUN1, "completed", 6, mask_url(pg_url))]


def test_pushing_a_run_twice_changes_nothing(run1, pg_url: str) -> None:
    push_run(run1, RUN1, pg_url)
    before = {
        t: table(pg_url, t, "1")
        for t in (
            "skiptrace_contacts",
            "skiptrace_flags",
            "skiptrace_suppressions",
            "skiptrace_runs",
        )
    }
    again = push_run(run1, RUN1, pg_url)
    assert (again.inserted, again.updated, again.retired, again.migrations_applied) == (0, 0, 0, 0)
    after = {t: table(pg_url, t, "1") for t in before}
    assert after == before  # same rows, same row versions (xmin): nothing was rewritten


def test_a_database_pushed_before_roles_gets_them_on_the_next_push(run1, pg_url: str) -> None:
    """A PostgreSQL at schema version 1 (decisions keyed without the point's role) migrates on
    the next push: each active contact decision is written again with its role, and the
    role-less row is kept, inactive, as history."""
    from skiptrace.flows.exports import pg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.load("push/pg/version_table.sql"))
        conn.execute(sql.load("push/pg_migrations/001_schema.sql"))
        conn.execute("INSERT INTO skiptrace_schema_version (version, name) VALUES (1, '001')")
        conn.execute(
            "INSERT INTO skiptrace_suppressions (account_id, contact_type, contact_key, rule,"
            " action, reason, regulation, active, run_id) VALUES ('A2', 'phone', '+17065550199',"
            " 'outcome_wrong_number', 'suppress', 'wrong number', 'TCPA', true, 'old')"
        )
    # every version after 1 (this test was written at version 3, when that was 2)
    assert push_run(run1, RUN1, pg_url).migrations_applied == len(pg.pg_migrations()) - 1
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT role, active, run_id FROM skiptrace_suppressions"
            " WHERE account_id = 'A2' ORDER BY role"
        ).fetchall()
    assert rows == [("", False, RUN1), ("debtor", True, RUN1)]


def test_next_run_updates_changed_and_retires_dropped_contacts(run1, pg_url: str) -> None:
    push_run(run1, RUN1, pg_url)
    add_run(run1, RUN2)
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ? AND contact_key <> '+17065550102'",
        [RUN2, RUN1],
    )
    copy_decisions(run1, RUN1, RUN2)
    run1.execute(
        "UPDATE contact_points SET confidence = 0.95 WHERE run_id = ? AND contact_key = '+17065550101'",
        [RUN2],
    )
    result = push_run(run1, RUN2, pg_url)
    assert (result.inserted, result.updated, result.retired) == (0, 1, 1)
    rows = contacts(pg_url)
    assert rows[("A1", "+17065550101")]["confidence"] == 0.95
    assert rows[("A1", "+17065550101")]["run_id"] == RUN2
    gone = rows[("A1", "+17065550102")]
    assert (gone["active"], gone["callable"], gone["run_id"]) == (False, False, RUN2)
    assert rows[("A1", "1 MAIN ST|30161")]["run_id"] == RUN1  # unchanged rows keep their run
    with psycopg.connect(pg_url) as conn:
        assert [r[0] for r in conn.execute("SELECT run_id FROM skiptrace_runs ORDER BY 1")] == [
            RUN1,
            RUN2,
        ]
    with pytest.raises(PushError, match="older than run"):
        push_run(run1, RUN1, pg_url)


def test_unknown_or_unfinished_runs_are_refused(run1, pg_url: str) -> None:
    add_run(run1, RUN2, status="running")
    with pytest.raises(PushError, match="not in this database"):
        push_run(run1, "nope", pg_url)
    with pytest.raises(PushError, match="not completed"):
        push_run(run1, RUN2, pg_url)


def test_an_archived_run_is_refused_until_restored(run1, pg_url: str) -> None:
    """Its contacts are in <db>.archive/, not in the tables: pushing it as it stands would
    retire every contact in the collections system."""
    from skiptrace.flows.audit.archive import archive_runs

    add_run(run1, RUN2)
    db = run1.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    assert [r.run_id for r in archive_runs(run1, Path(db), keep=1).runs] == [RUN1]
    with pytest.raises(PushError, match=f"archived: restore it first .*--restore {RUN1}"):
        push_run(run1, RUN1, pg_url)


def test_unreachable_server_is_one_line_without_the_password(run1, tmp_path: Path) -> None:
    url = f"postgresql://u:{SECRET}@/db?host={tmp_path}"
    with pytest.raises(PushError) as err:
        push_run(run1, RUN1, url)
    assert SECRET not in str(err.value) and "\n" not in str(err.value)
    failed = run1.execute("SELECT status, target, message FROM pushes").fetchall()
    assert failed[0][0] == "failed" and SECRET not in repr(failed)


def test_password_never_reaches_logs_or_the_pushes_table(run1, pg_url, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    push_run(run1, RUN1, pg_url)
    assert SECRET in pg_url
    assert SECRET not in caplog.text and "***" in caplog.text
    assert SECRET not in repr(run1.execute("SELECT * FROM pushes").fetchall())


def test_url_masking_and_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mask_url("postgresql://app:p%40ss@db:5432/x") == "postgresql://app:***@db:5432/x"
    assert mask_url("postgresql://app@db/x") == "postgresql://app@db/x"
    assert mask_url("host=db password='a b' user=x") == "host=db password=*** user=x"
    f = tmp_path / "url"
    f.write_text("\npostgresql://a:b@h/d\n")
    monkeypatch.setenv("SKIPTRACE_PUSH_URL", "postgresql://env@h/d")
    assert resolve_url("postgresql://opt@h/d", f) == "postgresql://opt@h/d"
    assert resolve_url(None, f) == "postgresql://a:b@h/d"
    assert resolve_url(None, None) == "postgresql://env@h/d"
    with pytest.raises(PushError, match="cannot read"):
        resolve_url(None, tmp_path / "missing")


GRANTS = Path(__file__).resolve().parents[3] / "docs" / "push_role.sql"


def test_the_documented_least_privileges_are_enough(run1, pg_url: str) -> None:
    """docs/push_role.sql (the grants docs/push.md lists) lets a role push and pull outcomes
    once the owner has migrated, and nothing in it lets the role delete the platform's rows."""
    from skiptrace.flows.exports.outcomes_pull import pull_outcomes

    push_run(run1, RUN1, pg_url)  # the owner's first push creates the schema
    with psycopg.connect(pg_url, autocommit=True) as conn:
        db = conn.execute("SELECT current_database()").fetchall()[0][0]
        conn.execute(GRANTS.read_text().replace(":db", db).replace(":'password'", "'pw'"))
    role_url = pg_url.replace("postgres:" + SECRET, "skiptrace_push:pw")
    add_run(run1, RUN2)
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id, 0.3 AS confidence)"
        " FROM contact_points WHERE run_id = ?",
        [RUN2, RUN1],
    )
    copy_decisions(run1, RUN1, RUN2)  # its holds stand: the push's shrink check passes
    assert push_run(run1, RUN2, role_url).updated == 6
    assert pull_outcomes(run1, role_url) == 0
    with psycopg.connect(role_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM skiptrace_contacts")
    # a privilege missing is one line that points at the grants, not a traceback
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("REVOKE INSERT ON skiptrace_runs FROM skiptrace_push")
    add_run(run1, "20250701T000000Z-0003")
    run1.execute(  # the same contacts and holds: only the missing grant stops it
        "INSERT INTO contact_points SELECT * REPLACE ('20250701T000000Z-0003' AS run_id)"
        " FROM contact_points WHERE run_id = ?",
        [RUN2],
    )
    copy_decisions(run1, RUN2, "20250701T000000Z-0003")
    with pytest.raises(PushError, match=r"lacks a privilege.*docs/push\.md"):
        push_run(run1, "20250701T000000Z-0003", role_url)


_CHILD = """
import sys
from skiptrace import errors, sql
from skiptrace.flows.exports.push import push_run
con = sql.connect(sys.argv[1])
push_run(con, sys.argv[2], sys.argv[3])
"""


def test_kill_9_mid_push_leaves_the_previous_state(run1, pg_url: str, tmp_path: Path) -> None:
    """The pushing process is killed while its upsert runs (held on a row lock so the moment is
    certain): PostgreSQL rolls the whole push back, and the next push completes."""
    push_run(run1, RUN1, pg_url)
    add_run(run1, RUN2)
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id, 0.5 AS confidence)"
        " FROM contact_points WHERE run_id = ?",
        [RUN2, RUN1],
    )
    copy_decisions(run1, RUN1, RUN2)  # its holds stand: the push's shrink check passes
    db = run1.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    run1.close()
    before = {t: table(pg_url, t, "1") for t in ("skiptrace_contacts", "skiptrace_runs")}
    blocker = psycopg.connect(pg_url)
    blocker.execute("SELECT 1 FROM skiptrace_contacts WHERE account_id = 'A1' FOR UPDATE")
    child = subprocess.Popen([sys.executable, "-c", _CHILD, db, RUN2, pg_url])
    try:
        waiting = _wait_for(
            pg_url,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'skiptrace'"
            " AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO skiptrace_contacts%'",
        )
        assert waiting, "the push never reached its upsert"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        blocker.rollback()
        blocker.close()
    assert _wait_for(
        pg_url,
        "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'skiptrace'",
    )
    after = {t: table(pg_url, t, "1") for t in before}
    assert after == before
    con = sql.connect(db)
    try:
        assert push_run(con, RUN2, pg_url).updated == 6
    finally:
        con.close()


def _wait_for(url: str, query: str, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute(query).fetchall()[0][0]:
                return True
            time.sleep(0.05)
    return False


def test_cli_push_prints_the_masked_target_and_fails_in_one_line(
    run1, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from skiptrace.flows.cli.main import app

    db = run1.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    run1.close()
    url_file = tmp_path / "url"
    url_file.write_text(pg_url + "\n")
    monkeypatch.delenv("SKIPTRACE_PUSH_URL", raising=False)
    ok = CliRunner().invoke(app, ["push", RUN1, "--to-file", str(url_file), "--db", db])
    assert ok.exit_code == 0, ok.output
    assert "6 contacts" in " ".join(ok.output.split()) and SECRET not in ok.output
    monkeypatch.setenv("SKIPTRACE_PUSH_URL", pg_url)
    again = CliRunner().invoke(app, ["push", RUN1, "--db", db])
    assert again.exit_code == 0 and "0 new, 0 changed" in " ".join(again.output.split())
    for args, code in (
        (["push", "nope", "--db", db], errors.USAGE),
        (["push", RUN1, "--db", db, "--to", "postgresql://u:pw@/x?host=/nonexistent"],
         errors.UNREACHABLE),
        (["push", RUN1, "--db", db, "--to", _login_as(pg_url, "no_such_role")], errors.CONFIG),
    ):  # fmt: skip
        bad = CliRunner().invoke(app, args)
        assert bad.exit_code == code, (args, bad.output)
        assert bad.output.count("\n") == 1 and bad.output.startswith("skiptrace: error: ")
        assert "pw@" not in bad.output and "Traceback" not in bad.output
    monkeypatch.delenv("SKIPTRACE_PUSH_URL")
    none = CliRunner().invoke(app, ["push", RUN1, "--db", db])
    assert none.exit_code == errors.USAGE and "SKIPTRACE_PUSH_URL" in none.output


def _login_as(url: str, user: str) -> str:
    """The same server and database, logging in as another role."""
    scheme, rest = url.split("://", 1)
    return (
        f"{scheme}://{user}@{rest.split('@', 1)[1]}" if "@" in rest else f"{scheme}://{user}@{rest}"
    )


def test_each_push_problem_carries_the_exit_code_of_its_kind() -> None:
    """Schedulers branch on the code: only an unreachable server (8) is worth retrying as is."""
    from skiptrace.flows.exports import pg

    assert pg.PushError("x").exit_code == errors.UNREACHABLE
    assert pg.PushConfigError("x").exit_code == errors.CONFIG
    assert pg.PushUnknownRun("x").exit_code == errors.USAGE
    assert pg.PushRefused("x").exit_code == errors.REFUSED
    for kind in (pg.PushConfigError, pg.PushUnknownRun, pg.PushRefused):
        assert issubclass(kind, pg.PushError) and issubclass(kind, errors.SkiptraceError)


def test_a_contact_the_platform_reported_bad_is_never_pushed_callable(run1, pg_url: str) -> None:
    """An outcome recorded after the run read the outcomes (here: before any pull) still wins
    at push time, and a second push changes nothing."""
    push_run(run1, RUN1, pg_url)  # creates contact_outcomes
    insert_outcomes(
        pg_url,
        [
            ("A1", "706-555-0101", "wrong_number", "2025-05-02"),
            ("A1", "706.555.0102", "wrong_number", "2025-05-02"),
            ("A1", "7065550102", "right_party", "2025-05-03"),  # later: good again
        ],
    )
    add_run(run1, RUN2)
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ?",
        [RUN2, RUN1],
    )
    copy_decisions(run1, RUN1, RUN2)
    assert push_run(run1, RUN2, pg_url).updated == 1
    rows = contacts(pg_url)
    guarded = rows[("A1", "+17065550101")]
    assert guarded["callable"] is False and guarded["status"] == "new"
    assert "collector outcome wrong number on 2025-05-02" in guarded["suppression_reason"]
    assert rows[("A1", "+17065550102")]["callable"] is True
    before = table(pg_url, "skiptrace_contacts", "1")
    assert push_run(run1, RUN2, pg_url).updated == 0
    assert table(pg_url, "skiptrace_contacts", "1") == before


def test_the_outcome_guard_names_one_outcome_with_its_own_date(run1, pg_url: str) -> None:
    """An account's cease-and-desist, attorney or death outcomes: the reason names the latest
    one with its own date (a later record wins a tie on the date), never one outcome's name
    with another's date."""
    push_run(run1, RUN1, pg_url)  # creates contact_outcomes
    insert_outcomes(
        pg_url,
        [
            ("A1", "", "cease_and_desist", "2025-01-15"),
            ("A1", "", "attorney", "2025-03-30"),
            ("A3", "", "deceased_confirmed", "2025-02-01"),  # A3 is held: not guarded
            ("A5", "", "attorney", "2025-02-01"),
            ("A5", "", "cease_and_desist", "2025-02-01"),  # same date, recorded later
        ],
    )
    add_run(run1, RUN2)
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ?",
        [RUN2, RUN1],
    )
    add_contact(run1, RUN2, "A5", "+17065550155")
    copy_decisions(run1, RUN1, RUN2)  # its holds stand: the push's shrink check passes
    push_run(run1, RUN2, pg_url)
    rows = contacts(pg_url)
    for key in ("+17065550101", "1 MAIN ST|30161"):
        why = rows[("A1", key)]["suppression_reason"]
        assert rows[("A1", key)]["callable"] is False
        assert "collector outcome attorney on 2025-03-30" in why, why
        assert "cease and desist" not in why
    why = rows[("A5", "+17065550155")]["suppression_reason"]
    assert "collector outcome cease and desist on 2025-02-01" in why and "attorney" not in why


def test_a_run_of_an_earlier_as_of_date_is_refused_unless_allowed(
    run1, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill (as of an earlier date) started after the newest pushed run is still older:
    the guard orders runs by as-of date, then start, and refuses it in one line with exit
    status 6 unless --allow-older-run says so; the newer run then pushes as usual."""
    from typer.testing import CliRunner

    from skiptrace.flows.cli.main import app

    backfill, later = "20250701T000000Z-0003", "20250801T000000Z-0004"
    add_run(run1, RUN2, as_of="2025-06-01")
    add_run(run1, backfill, as_of="2025-04-01")  # started later, describes an earlier date
    add_run(run1, later, as_of="2025-06-01")
    for rid in (RUN2, backfill, later):
        run1.execute(
            "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
            " WHERE run_id = ?",
            [rid, RUN1],
        )
    run1.execute(
        "UPDATE contact_points SET confidence = 0.55 WHERE run_id = ? AND account_id = 'A1'",
        [backfill],
    )
    push_run(run1, RUN2, pg_url)
    before = table(pg_url, "skiptrace_contacts", "1")
    with pytest.raises(
        PushError, match=r"as of 2025-04-01.* older than run .*as of 2025-06-01"
    ) as err:
        push_run(run1, backfill, pg_url)
    assert err.value.exit_code == errors.REFUSED and "\n" not in str(err.value)
    assert table(pg_url, "skiptrace_contacts", "1") == before
    db = run1.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    run1.close()
    monkeypatch.setenv("SKIPTRACE_PUSH_URL", pg_url)
    refused = CliRunner().invoke(app, ["push", backfill, "--db", db])
    assert refused.exit_code == errors.REFUSED, refused.output
    assert refused.output.count("\n") == 1 and "--allow-older-run" in refused.output
    forced = CliRunner().invoke(app, ["push", backfill, "--db", db, "--allow-older-run"])
    assert forced.exit_code == 0, forced.output
    assert contacts(pg_url)[("A1", "+17065550101")]["run_id"] == backfill
    # the newest as-of date pushed is still RUN2's: a run of that date started later is newer
    assert CliRunner().invoke(app, ["push", later, "--db", db]).exit_code == 0
    assert contacts(pg_url)[("A1", "+17065550101")]["run_id"] == later


def test_callable_is_false_exactly_where_the_import_files_say_bad_or_on_hold(
    run1, pg_url: str, tmp_path: Path
) -> None:
    """One definition of usable: a contact the run's import files mark `bad` (moved away, a
    do-not-mail decision, an invalid number, below the bad band) or hold (a rule, or below the
    verify band of the run's rules file) is pushed not callable, and the row says why in the
    import files' words."""
    import polars as pl

    from skiptrace.flows.exports.emit import emit
    from skiptrace.matchers.rules import DEFAULT_RULES

    rules = tmp_path / "rules.yml"  # the shipped rules with a verify band of 0.45
    rules.write_text(DEFAULT_RULES.read_text().replace("verify: 0.30", "verify: 0.45"))
    assert "verify: 0.45" in rules.read_text()
    run1.execute("UPDATE runs SET params = ? WHERE run_id = ?", [f'{{"rules": "{rules}"}}', RUN1])
    add_contact(run1, RUN1, "A6", "2 ELM ST|30161", factors='{"moved_from": true}')
    add_contact(run1, RUN1, "A6", "3 OAK ST|30161", rank=2)  # a do-not-mail rule names it
    add_contact(run1, RUN1, "A6", "4 PINE ST|30161", rank=3, factors='{"ncoa_no_forward": true}')
    add_contact(run1, RUN1, "A6", "+17065550161", factors='{"valid": false}')
    add_contact(run1, RUN1, "A6", "+17065550162", rank=2, confidence=0.05)
    add_contact(run1, RUN1, "A6", "+17065550163", rank=3, confidence=0.2)
    add_contact(run1, RUN1, "A6", "+17065550164", rank=4, confidence=0.9)
    run1.execute(
        "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, role, rule,"
        " action, reason, regulation) VALUES"
        " (?, 'A6', 'address', '2 ELM ST|30161', 'debtor', 'known_not_at_address', 'do_not_mail',"
        " 'USPS change of address shows the consumer moved away: do not mail here', 'Reg F'),"
        " (?, 'A6', 'address', '3 OAK ST|30161', 'debtor', 'returned_letters', 'do_not_mail',"
        " 'letters returned undeliverable', 'Reg F')",
        [RUN1, RUN1],
    )
    push_run(run1, RUN1, pg_url)
    rows = contacts(pg_url)
    why = {k: (r["callable"], r["on_hold"], r["suppression_reason"], r["hold_reason"])
           for k, r in rows.items() if k[0] == "A6"}  # fmt: skip
    assert why == {
        ("A6", "2 ELM ST|30161"): (False, False, "DO NOT MAIL: USPS change of address shows the "
                                   "consumer moved away: do not mail here", None),
        ("A6", "3 OAK ST|30161"): (False, False, "DO NOT MAIL: letters returned undeliverable",
                                   None),
        ("A6", "4 PINE ST|30161"): (False, False, "DO NOT MAIL: USPS change of address shows the "
                                    "consumer moved away", None),
        ("A6", "+17065550161"): (False, False, "not a valid phone number", None),
        ("A6", "+17065550162"): (False, True, "confidence 0.050 below the bad band 0.10",
                                 "confidence 0.050 below the verify band 0.45: verify the number"
                                 " before use"),
        ("A6", "+17065550163"): (False, True, None, "confidence 0.200 below the verify band 0.45:"
                                 " verify the number before use"),
        ("A6", "+17065550164"): (True, False, None, None),
    }  # fmt: skip
    # the run's own verify band (0.45, not the shipped 0.30) holds A1's 0.40 number
    assert rows[("A1", "+17065550102")]["hold_reason"].startswith("confidence 0.400 below the")
    assert rows[("A3", "+17065550103")]["hold_reason"] == "disputed"  # the rule's words
    # every row of the import files, as the push wrote it
    out = emit(run1, RUN1, tmp_path / "out", rules=rules)
    files = {f.kind: f.path for f in out}
    checked = 0
    for kind in ("import_phones", "import_addresses"):
        for r in pl.read_csv(files[kind], infer_schema=False).iter_rows(named=True):
            key = "+1" + r["phone"] if "phone" in r else f"{r['address_line1']}|{r['zip']}"
            pushed = rows[(r["account_number"], key)]
            usable = r["status"] != "bad" and r["on_hold"] == "N"
            assert pushed["callable"] is usable, (kind, r)
            assert pushed["on_hold"] is (r["on_hold"] == "Y"), (kind, r)
            assert pushed["hold_reason"] == (r["on_hold_reason"] or None), (kind, r)
            checked += 1
    assert checked == 11  # 7 phones, 4 addresses
    before = table(pg_url, "skiptrace_contacts", "1")
    assert push_run(run1, RUN1, pg_url).updated == 0  # still idempotent
    assert table(pg_url, "skiptrace_contacts", "1") == before
    with psycopg.connect(pg_url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "UPDATE skiptrace_contacts SET callable = true WHERE contact_key = '+17065550161'"
        )


def test_a_rules_file_the_run_used_that_is_gone_stops_the_push(run1, pg_url: str) -> None:
    """Its bands decide which contacts are callable: guessing them (the shipped ones) could push
    as callable a contact the run's import files hold."""
    run1.execute('UPDATE runs SET params = \'{"rules": "/nonexistent/rules.yml"}\'')
    with pytest.raises(PushError, match=r"rules file /nonexistent/rules\.yml") as err:
        push_run(run1, RUN1, pg_url)
    assert err.value.exit_code == errors.CONFIG and "\n" not in str(err.value)


def test_the_bands_are_those_of_the_rules_the_run_recorded(run1, pg_url: str, tmp_path) -> None:
    """A run records the rules it applied (run_config_files): the push takes the bands from that
    text, not from the file, which may have been edited or removed since."""
    from skiptrace.flows.audit.run_config import read_rules, record_config
    from skiptrace.matchers.rules import DEFAULT_RULES

    strict = tmp_path / "strict.yml"  # a verify band above every contact: all held
    strict.write_text(
        DEFAULT_RULES.read_text(encoding="utf-8")
        .replace("good: 0.70", "good: 0.9995")
        .replace("verify: 0.30", "verify: 0.999"),
        encoding="utf-8",
    )
    record_config(run1, RUN1, read_rules(strict))
    strict.unlink()  # gone after the run: the recorded text decides
    run1.execute(f'UPDATE runs SET params = \'{{"rules": "{strict}"}}\'')
    push_run(run1, RUN1, pg_url)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT callable, hold_reason FROM skiptrace_contacts WHERE role = 'debtor'"
        ).fetchall()
    assert rows and not any(callable_ for callable_, _ in rows)
    assert all("below the verify band 1.00" in (reason or "") for _, reason in rows if reason)


def test_the_current_contacts_view_lists_the_usable_contacts_best_first(run1, pg_url: str) -> None:
    """skiptrace_current_contacts: the active, callable rows, numbered per account and type
    among themselves (a held number ranked first leaves the next usable one first)."""
    add_contact(run1, RUN1, "A1", "+17065550100", rank=0, on_hold=True, reasons="HOLD: x")
    push_run(run1, RUN1, pg_url)
    query = (
        "SELECT account_id, contact_type, contact_key, usable_rank, rank, dial_mode"
        " FROM skiptrace_current_contacts ORDER BY 1, 2, 4"
    )
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(query).fetchall() == [
            ("A1", "address", "1 MAIN ST|30161", 1, 1, None),
            ("A1", "phone", "+17065550101", 1, 1, "manual"),
            ("A1", "phone", "+17065550102", 2, 2, "manual"),
        ]
    add_run(run1, RUN2)  # the next run drops +17065550101: retired, so no longer listed
    run1.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ? AND contact_key <> '+17065550101'",
        [RUN2, RUN1],
    )
    copy_decisions(run1, RUN1, RUN2)
    push_run(run1, RUN2, pg_url)
    with psycopg.connect(pg_url) as conn:
        assert [r[2:4] for r in conn.execute(query).fetchall()] == [
            ("1 MAIN ST|30161", 1),
            ("+17065550102", 1),
        ]
