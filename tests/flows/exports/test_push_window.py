"""The push against a real PostgreSQL (pgserver), on what the collections system must not be
told wrong: a phone's calling window as import_phones.csv states it, the outcomes the platform
recorded after the run (the latest verdict, a dispute), and an older run pushed over a newer
one (--allow-older-run), which must not lift what the newer run held or suppressed."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import psycopg
import pytest

from skiptrace import sql
from skiptrace.flows.exports.pg import pg_migrations
from skiptrace.flows.exports.push import push_run
from tests.flows.exports.pg_outcomes import insert_outcomes
from tests.flows.exports.test_push import (
    GRANTS,
    RUN1,
    RUN2,
    add_contact,
    add_run,
    contacts,
    copy_decisions,
    run1,  # noqa: F401 (the fixture, reached as `portfolio`)
    table,
)


@pytest.fixture
def portfolio(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    """test_push.py's run1: its contacts, decisions and flags in a migrated DuckDB."""
    con: duckdb.DuckDBPyConnection = request.getfixturevalue("run1")
    return con


NO_COMMON_HOUR = ["America/New_York", "Asia/Kolkata", "Pacific/Honolulu"]


def push_role(pg_url: str, *, before_rollbacks: bool = False) -> str:
    """docs/push_role.sql run by the owner for a role of this test's own (roles are the
    server's, shared by the tests' databases); the URL logging in as it. `before_rollbacks`:
    the grants as they were before schema version 4."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        db = conn.execute("SELECT current_database()").fetchall()[0][0]
        grants = GRANTS.read_text()
        if before_rollbacks:  # the grants of schema version 3: no rollbacks, no owner table
            grants = "\n".join(
                line
                for line in grants.replace(",\n       skiptrace_owner", "").splitlines()
                if "rollbacks" not in line
            )
        conn.execute(
            grants.replace(":db", db).replace(":'password'", "'pw'")
            .replace("skiptrace_push", f"role_{db}")
        )  # fmt: skip
    scheme, rest = pg_url.split("://", 1)
    return f"{scheme}://role_{db}:pw@{rest.split('@', 1)[1]}"


def next_run(con: duckdb.DuckDBPyConnection, run_id: str, as_of: str = "2025-05-01") -> None:
    """`run_id`: RUN1's contacts and decisions again (a next run that found the same)."""
    add_run(con, run_id, as_of=as_of)
    con.execute(
        "INSERT INTO contact_points SELECT * REPLACE (?::VARCHAR AS run_id) FROM contact_points"
        " WHERE run_id = ?",
        [run_id, RUN1],
    )
    copy_decisions(con, RUN1, run_id)


def test_the_push_carries_the_calling_window_of_import_phones(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str, tmp_path: Path
) -> None:
    """Reg F 1006.6(b)(1): a New York consumer with a Central area code may be called
    09:00-21:00 New York time. The push carried only the address's zone, and a dialer reading it
    called from 08:00. Each phone row (and the usable view) now has the window the import file
    states, from the same SQL; a phone with no common hour is held, never callable, and the
    database refuses a callable phone whose zones give no window."""
    import polars as pl

    from skiptrace.flows.exports.emit import emit

    add_contact(
        portfolio, RUN1, "A7", "+13125550171", time_zone="America/New_York",
        tz_area_code="America/Chicago", tz_zones=["America/New_York", "America/Chicago"],
        tz_conflict=True,
    )  # fmt: skip
    add_contact(
        portfolio, RUN1, "A7", "+17065550172", rank=2, time_zone="America/New_York",
        tz_area_code="Pacific/Honolulu", tz_zones=NO_COMMON_HOUR, tz_conflict=True,
    )  # fmt: skip
    add_contact(
        portfolio, RUN1, "A7", "+17065550173", rank=3, time_zone="America/New_York",
        tz_area_code="America/New_York", tz_zones=["America/New_York"], tz_conflict=False,
    )  # fmt: skip
    push_run(portfolio, RUN1, pg_url)
    rows = contacts(pg_url)
    conflict = rows[("A7", "+13125550171")]
    assert (conflict["time_zone"], conflict["call_window_tz"]) == (
        "America/New_York",
        "America/New_York",
    )
    assert (str(conflict["call_window_start"]), str(conflict["call_window_end"])) == (
        "09:00:00",
        "21:00:00",
    )
    assert conflict["call_window_zones"] == ["America/New_York", "America/Chicago"]
    assert (conflict["tz_conflict"], conflict["callable"]) == (True, True)
    nowhere = rows[("A7", "+17065550172")]
    assert nowhere["callable"] is False and nowhere["on_hold"] is True
    assert nowhere["call_window_start"] is None and nowhere["call_window_zones"] == NO_COMMON_HOUR
    assert "no calling window" in nowhere["hold_reason"]
    address = rows[("A1", "1 MAIN ST|30161")]
    assert address["call_window_zones"] is None and address["tz_conflict"] is None
    # every phone of import_phones.csv, as the push wrote it
    files = {f.kind: f.path for f in emit(portfolio, RUN1, tmp_path / "out")}
    checked = 0
    for r in pl.read_csv(files["import_phones"], infer_schema=False).iter_rows(named=True):
        pushed = rows[(r["account_number"], "+1" + r["phone"])]
        clock = [str(pushed[c])[:5] if pushed[c] else None
                 for c in ("call_window_start", "call_window_end")]  # fmt: skip
        assert [pushed["call_window_tz"], *clock] == [
            r["call_window_tz"],
            r["call_window_start"],
            r["call_window_end"],
        ], r
        assert ("Y" if pushed["tz_conflict"] else "N") == r["tz_conflict"], r
        assert (pushed["time_zone"], pushed["tz_area_code"]) == (r["time_zone"], r["tz_area_code"])
        checked += 1
    assert checked == 6  # A1's two, A3's held one, A7's three
    with psycopg.connect(pg_url) as conn:
        view = conn.execute(
            "SELECT contact_key, call_window_tz, call_window_start::text, call_window_end::text,"
            " call_window_zones, tz_conflict FROM skiptrace_current_contacts"
            " WHERE account_id = 'A7' ORDER BY usable_rank"
        ).fetchall()
        assert view == [
            ("+13125550171", "America/New_York", "09:00:00", "21:00:00",
             ["America/New_York", "America/Chicago"], True),
            ("+17065550173", "America/New_York", "08:00:00", "21:00:00",
             ["America/New_York"], False),
        ]  # fmt: skip
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "UPDATE skiptrace_contacts SET call_window_start = NULL"
                " WHERE contact_key = '+13125550171'"
            )
    before = table(pg_url, "skiptrace_contacts", "1")
    assert push_run(portfolio, RUN1, pg_url).updated == 0  # still idempotent
    assert table(pg_url, "skiptrace_contacts", "1") == before


def test_a_no_answer_after_a_wrong_number_does_not_make_it_callable(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str
) -> None:
    """The push-time check takes the latest verdict, as the runs do (sql/outcomes/latest.sql):
    a no-answer, or an account fact logged against the number, says nothing about whose number
    it is. It used to take any later outcome as the latest and push the number callable."""
    push_run(portfolio, RUN1, pg_url)  # creates contact_outcomes
    insert_outcomes(
        pg_url,
        [
            ("A1", "706-555-0101", "wrong_number", "2025-11-17"),
            ("A1", "706-555-0101", "no_answer", "2025-11-18"),
            ("A1", "7065550102", "disconnected", "2025-11-17"),
            ("A1", "7065550102", "right_party", "2025-11-18"),  # a verdict: good again
            ("A1", "7065550102", "no_answer", "2025-11-19"),
        ],
    )
    next_run(portfolio, RUN2)
    push_run(portfolio, RUN2, pg_url)
    rows = contacts(pg_url)
    wrong = rows[("A1", "+17065550101")]
    assert wrong["callable"] is False
    assert "collector outcome wrong number on 2025-11-17" in wrong["suppression_reason"]
    assert rows[("A1", "+17065550102")]["callable"] is True


def test_the_push_checks_verdicts_as_the_runs_define_them(
    portfolio: duckdb.DuckDBPyConnection,
) -> None:
    """One list of verdicts: the runs' (vocabulary.sql) is what the push gives PostgreSQL."""
    from skiptrace.sources.outcomes import outcome_lists

    sql.run(portfolio, "outcomes/vocabulary.sql")
    verdicts = sql.scalar(portfolio, "SELECT verdict_outcomes()")
    assert tuple(verdicts) == outcome_lists()["verdict_outcomes"]
    assert set(verdicts) < set(outcome_lists()["known_outcomes"]) and "no_answer" not in verdicts
    assert "wrong_number" in verdicts and "right_party" in verdicts


def test_a_dispute_the_platform_recorded_holds_the_account_at_push_time(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str
) -> None:
    """FDCPA 1692g(b), Reg F 1006.38: after a timely written dispute, collection stops until
    the verification is mailed. The next run holds the account (rule outcome_dispute); until
    then the push did not, and pushed the account's contacts callable."""
    push_run(portfolio, RUN1, pg_url)
    insert_outcomes(
        pg_url, [("A1", "", "dispute", "2025-05-01"), ("A1", "", "dispute", "2025-05-02")]
    )
    next_run(portfolio, RUN2)
    push_run(portfolio, RUN2, pg_url)
    rows = contacts(pg_url)
    for key in ("+17065550101", "1 MAIN ST|30161", "+17065550102"):
        row = rows[("A1", key)]
        assert (row["callable"], row["on_hold"]) == (False, True), key
        assert (
            "collector outcome dispute on 2025-05-02 (platform record at push time)"
            in (row["hold_reason"])
        )
    assert rows[("A1", "+17065550101")]["suppression_reason"] is None
    before = table(pg_url, "skiptrace_contacts", "1")
    assert push_run(portfolio, RUN2, pg_url).updated == 0
    assert table(pg_url, "skiptrace_contacts", "1") == before


def test_an_older_run_pushed_anyway_keeps_what_the_newer_run_held_or_suppressed(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """--allow-older-run puts the older run's rows back, but a number the newer run suppressed
    (a wrong number from the dialer's file, which PostgreSQL does not hold), a contact it held,
    and its suppressions and flags stay as the newer run pushed them; the rollback is recorded
    in PostgreSQL and warned about. It used to make such numbers callable again, silently. A
    run newer than both lifts them as usual. The push role's grants (docs/push_role.sql) allow
    it."""
    push_run(portfolio, RUN1, pg_url)  # the owner's first push creates the schema
    role_url = push_role(pg_url)
    newer = "20250601T000000Z-0009"
    next_run(portfolio, newer, as_of="2025-06-01")
    portfolio.execute(
        "UPDATE contact_points SET status = 'suppressed', reasons = 'SUPPRESSED: wrong number'"
        " WHERE run_id = ? AND contact_key = '+17065550101'",
        [newer],
    )
    portfolio.execute(
        "UPDATE contact_points SET on_hold = true WHERE run_id = ? AND contact_key = ?",
        [newer, "1 MAIN ST|30161"],
    )
    portfolio.execute(
        "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, role, rule,"
        " action, reason, regulation) VALUES (?, 'A1', 'address', '1 MAIN ST|30161', 'debtor',"
        " 'bankruptcy_stay', 'hold', 'bankruptcy stay', '11 USC 362'),"
        " (?, 'A1', 'phone', '+17065550101', 'debtor', 'outcome_wrong_number', 'suppress',"
        " 'wrong number', 'TCPA')",
        [newer, newer],
    )
    portfolio.execute(
        "INSERT INTO account_flags (run_id, account_id, flag, confidence, evidence) VALUES"
        " (?, 'A1', 'bankruptcy', 0.95, 'case 9')",
        [newer],
    )
    push_run(portfolio, newer, role_url)
    caplog.set_level(logging.WARNING)
    older = push_run(portfolio, RUN1, role_url, allow_older_run=True)
    assert older.kept_from_newer == 2
    rows = contacts(pg_url)
    phone, address = rows[("A1", "+17065550101")], rows[("A1", "1 MAIN ST|30161")]
    assert (phone["callable"], phone["on_hold"], phone["hold_reason"]) == (False, False, None)
    assert phone["suppression_reason"] == (
        f"kept from run {newer} (as of 2025-06-01), pushed before this older run: "
        "SUPPRESSED: wrong number"
    )
    assert (address["callable"], address["on_hold"]) == (False, True)
    assert address["hold_reason"].startswith(f"kept from run {newer} (as of 2025-06-01)")
    assert rows[("A1", "+17065550102")]["callable"] is True  # held by neither run
    with psycopg.connect(pg_url) as conn:
        active = conn.execute(
            "SELECT account_id, rule, run_id FROM skiptrace_suppressions WHERE active ORDER BY 2, 1"
        ).fetchall()
        assert active == [
            ("A1", "bankruptcy_stay", newer),
            ("A3", "dispute", RUN1),
            ("A1", "outcome_wrong_number", newer),
            ("A2", "outcome_wrong_number", RUN1),
            ("A1", "third_party_location_only", RUN1),
        ]
        flags = conn.execute("SELECT account_id, flag, active FROM skiptrace_flags ORDER BY 1")
        assert flags.fetchall() == [("A1", "bankruptcy", True), ("A3", "bankruptcy", True)]
        rolled = conn.execute(
            "SELECT run_id, over_run_id, over_as_of::text, contacts_kept, suppressions_kept,"
            " flags_kept FROM skiptrace_rollbacks"
        ).fetchall()
        assert rolled == [(RUN1, newer, "2025-06-01", 2, 2, 1)]
    assert f"run {RUN1} is older than run {newer}: 2 contacts kept not callable" in caplog.text
    before = table(pg_url, "skiptrace_contacts", "1")
    again = push_run(portfolio, RUN1, role_url, allow_older_run=True)
    assert (again.inserted, again.updated, again.retired) == (0, 0, 0)
    assert table(pg_url, "skiptrace_contacts", "1") == before
    # a run newer than both decides again: what it no longer holds is lifted (2 of this tiny
    # target's 5 holds, over the push's max_shrink: allowed, as an operator would)
    next_run(portfolio, "20250701T000000Z-0010", as_of="2025-07-01")
    push_run(portfolio, "20250701T000000Z-0010", role_url, allow_shrink=True)
    assert contacts(pg_url)[("A1", "+17065550101")]["callable"] is True
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM skiptrace_rollbacks").fetchall() == [(2,)]
        lifted = conn.execute(
            "SELECT count(*) FROM skiptrace_suppressions WHERE active AND run_id = %s", [newer]
        )
        assert lifted.fetchall() == [(0,)]


def test_a_push_role_granted_before_rollbacks_were_recorded_keeps_working(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str
) -> None:
    """A database at schema version 3 with its push role granted then: the owner's push that
    adds skiptrace_rollbacks (version 4) grants the role what it has on skiptrace_runs, so its
    older-run push can record the rollback."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.load("push/pg/version_table.sql"))
        for version, name in ((1, "001_schema"), (2, "002_suppression_role"),
                              (3, "003_usable_contacts")):  # fmt: skip
            conn.execute(sql.load(f"push/pg_migrations/{name}.sql"))
            conn.execute(
                "INSERT INTO skiptrace_schema_version (version, name) VALUES (%s, %s)",
                [version, name],
            )
    role_url = push_role(pg_url, before_rollbacks=True)
    next_run(portfolio, RUN2, as_of="2025-06-01")
    # the owner upgrades past version 3, then grants what version 5 asks (docs/push.md)
    upgrade = push_run(portfolio, RUN2, pg_url).migrations_applied
    assert upgrade == len(pg_migrations()) - 3
    role = role_url.split("://", 1)[1].split(":", 1)[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"GRANT SELECT, INSERT, UPDATE ON skiptrace_owner TO {role}")
    push_run(portfolio, RUN1, role_url, allow_older_run=True)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT run_id FROM skiptrace_rollbacks").fetchall() == [(RUN1,)]


def test_an_opt_out_the_platform_recorded_makes_that_contact_not_callable_at_push_time(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str
) -> None:
    """Reg F 1006.14(h): the consumer asked not to be called at one number. The platform can
    now record it (`opted_out`, schema version 6); the push marks that number not callable at
    once, and a later right party or no answer does not lift it (it is not a verdict on whose
    number it is). The account's other number stays callable; a second push changes nothing."""
    push_run(portfolio, RUN1, pg_url)
    insert_outcomes(
        pg_url,
        [
            ("A1", "706-555-0101", "opted_out", "2025-11-17"),
            ("A1", "706-555-0101", "right_party", "2025-11-18"),
            ("A1", "706-555-0101", "no_answer", "2025-11-19"),
        ],
    )
    next_run(portfolio, RUN2)
    push_run(portfolio, RUN2, pg_url)
    rows = contacts(pg_url)
    opted = rows[("A1", "+17065550101")]
    assert opted["callable"] is False
    assert "consumer opted out of this contact on 2025-11-17" in opted["suppression_reason"]
    assert rows[("A1", "+17065550102")]["callable"] is True
    before = table(pg_url, "skiptrace_contacts", "1")
    assert push_run(portfolio, RUN2, pg_url).updated == 0
    assert table(pg_url, "skiptrace_contacts", "1") == before
