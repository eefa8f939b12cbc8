"""Collectors' outcomes as a source kind (`outcomes` in sources.yml) and the shared store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from skiptrace import sql
from skiptrace.sources.outcomes import (
    OutcomeError,
    load_outcome_source,
    report_unmatched,
    store_outcomes,
)
from skiptrace.sources.registry import load_registry

REGISTRY = """
- name: dialer
  kind: outcomes
  path: dispositions_*.csv
  format: csv
  columns: {account_id: ACCT, contact: NUMBER, outcome: RESULT, outcome_date: DATE, agent: AGENT}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def outcomes(con) -> list[tuple]:
    return con.execute(
        "SELECT origin, origin_id, account_id, contact_type, contact_key, outcome,"
        " CAST(outcome_date AS VARCHAR), agent FROM contact_outcomes ORDER BY origin_id"
    ).fetchall()


def test_an_outcomes_file_is_loaded_normalized_and_kept_as_history(con, tmp_path: Path) -> None:
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    assert source.reliability == 1.0 and source.permissible_purpose  # defaults for the kind
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,(404) 555-0101,Wrong_Number,2026-10-30,jd\n"
        "A1,Jo@Example.COM,right_party,2026-10-31,\n"
        "A2,12 OAK ST|30301,returned_mail,2026-10-29,mk\n"
        ",4045550100,wrong_number,2026-10-30,x\n",
    )  # fmt: skip
    assert load_outcome_source(con, source) == 3  # the row without an account is not stored
    first = [
        ("dialer", "dispositions_1.csv:2", "A1", "phone", "+14045550101", "wrong_number", "2026-10-30", "jd"),
        ("dialer", "dispositions_1.csv:3", "A1", "email", "jo@example.com", "right_party", "2026-10-31", None),
        ("dialer", "dispositions_1.csv:4", "A2", "address", "12 OAK ST|30301", "returned_mail", "2026-10-29", "mk"),
    ]  # fmt: skip
    assert outcomes(con) == first
    # a night without the file forgets nothing (it used to erase the source's every outcome)
    (tmp_path / "dispositions_1.csv").unlink()
    assert load_outcome_source(con, source) == 0
    assert outcomes(con) == first
    # a file of the day's dispositions adds to them
    write(
        tmp_path,
        "dispositions_2.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\nA3,4045550102,cease_and_desist,2026-11-01,jd\n",
    )
    assert load_outcome_source(con, source) == 1
    assert [r[2] for r in outcomes(con)] == ["A1", "A1", "A2", "A3"]
    # a cumulative file re-delivered (other name, other lines, a line twice, the date written
    # another way) stores only what is new
    write(
        tmp_path, "dispositions_3.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A3,404-555-0102,cease_and_desist,11/01/2026,jd\n"
        "A1,4045550101,wrong_number,2026-10-30,jd\n"
        "A1,4045550101,wrong_number,2026-10-30,jd\n"
        "A1,jo@example.com,right_party,2026-10-31,\n"
        "A4,4045550109,wrong_number,2026-11-02,jd\n",
    )  # fmt: skip
    assert load_outcome_source(con, source) == 1
    assert load_outcome_source(con, source) == 0  # and again the next night: nothing new
    assert [r[2] for r in outcomes(con)] == ["A1", "A1", "A2", "A3", "A4"]


def test_outcome_dates_are_read_with_the_sources_date_formats(con, tmp_path: Path) -> None:
    """'11/06/2026' (a built-in format) and the source's own '%d.%m.%Y' are read, where the
    store's TRY_CAST used to drop both without a word."""
    registry = REGISTRY + "  date_formats: ['%d.%m.%Y']\n"
    source = load_registry(write(tmp_path, "sources.yml", registry)).sources[0]
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,4045550101,wrong_number,11/06/2026,jd\n"
        "A2,4045550102,wrong_number,07.11.2026,jd\n",
    )  # fmt: skip
    assert load_outcome_source(con, source) == 2
    assert [(r[2], r[6]) for r in outcomes(con)] == [("A1", "2026-11-06"), ("A2", "2026-11-07")]


def test_outcome_times_are_read_and_offsets_dated_on_the_agencys_clock(con, tmp_path: Path) -> None:
    """A cease-and-desist written `07/15/2026 14:05` used to be left unread ('unreadable date':
    the consumer was called again), and one at `2026-07-16T02:30:00Z`, 22:30 on 07-15 in New
    York, was dated 07-16: a run as of 07-15 did not apply it. The time of day is kept
    (migration 114); a time with a UTC offset is converted to the source's time_zone
    (America/New_York unless stated); one that cannot be a time of day is unreadable."""
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    assert source.time_zone == "America/New_York"
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,4045550101,cease_and_desist,07/15/2026 14:05,jd\n"
        "A2,4045550102,cease_and_desist,2026-07-16T02:30:00Z,jd\n"
        "A3,4045550103,wrong_number,2026-07-15T08:00:00-04:00,jd\n"
        "A4,4045550104,wrong_number,07/15/2026 2:05 PM,jd\n"
        "A5,4045550105,wrong_number,2026-07-15,jd\n"
        "A6,4045550106,wrong_number,2026-01-16 01:00:00+00:00,jd\n"  # winter: UTC-5
        "A7,4045550107,wrong_number,07/15/2026 25:10,jd\n",
    )  # fmt: skip
    assert load_outcome_source(con, source) == 6
    got = con.execute(
        "SELECT account_id, CAST(outcome_date AS VARCHAR), CAST(outcome_time AS VARCHAR)"
        " FROM contact_outcomes ORDER BY account_id"
    ).fetchall()
    assert got == [
        ("A1", "2026-07-15", "14:05:00"), ("A2", "2026-07-15", "22:30:00"),
        ("A3", "2026-07-15", "08:00:00"), ("A4", "2026-07-15", "14:05:00"),
        ("A5", "2026-07-15", None), ("A6", "2026-01-15", "20:00:00"),
    ]  # fmt: skip
    # the agency's zone is the source's setting: on the west coast 02:30 UTC is 19:30 the day before
    west = REGISTRY.replace("path: dispositions_*.csv", "path: west_*.csv")
    west += "  time_zone: America/Los_Angeles\n"
    source = load_registry(write(tmp_path, "sources.yml", west)).sources[0]
    write(
        tmp_path,
        "west_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\nW1,4045550108,cease_and_desist,2026-07-16T02:30:00Z,jd\n",
    )
    assert load_outcome_source(con, source) == 1
    assert con.execute(
        "SELECT CAST(outcome_date AS VARCHAR), CAST(outcome_time AS VARCHAR) FROM contact_outcomes"
        " WHERE account_id = 'W1'"
    ).fetchone() == ("2026-07-15", "19:30:00")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  time_zone: Mars/Olympus\n", "unknown time_zone 'Mars/Olympus'"),
        ("  time_zone: 'UTC; DROP TABLE x'\n", "unknown time_zone"),
    ],
)
def test_an_unknown_time_zone_is_refused(tmp_path: Path, entry: str, message: str) -> None:
    from skiptrace.sources.errors import RegistryError

    with pytest.raises(RegistryError, match=message):
        load_registry(write(tmp_path, "sources.yml", REGISTRY + entry))
    people = (
        "- {name: p, kind: person_records, path: p.csv, reliability: 0.5,"
        " permissible_purpose: collection, time_zone: America/Chicago}\n"
    )
    with pytest.raises(RegistryError, match="`time_zone` is for outcomes sources"):
        load_registry(write(tmp_path, "sources.yml", people))


def test_rows_not_stored_are_counted_with_their_reason_as_run_warnings(con, tmp_path: Path) -> None:
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,4045550101,wrong_number,2026-11-06,jd\n"
        ",4045550102,wrong_number,2026-11-06,jd\n"
        "A3,4045550103,wrong_number,the sixth,jd\n"
        "A4,4045550104,wrong_number,,jd\n"
        "A5,555-0105,wrong_number,2026-11-06,jd\n"
        "A6,,cease_and_desist,2026-11-06,jd\n",
    )  # fmt: skip
    assert load_outcome_source(con, source, "run-1") == 2  # A1, and A6's account fact
    warnings = con.execute(
        "SELECT stage, message FROM run_warnings WHERE run_id = 'run-1'"
    ).fetchall()
    assert warnings == [
        ("ingest",
         "outcomes from dialer: 4 of 6 row(s) not stored: 1 no account (dispositions_1.csv:3);"
         " 1 no date (dispositions_1.csv:5); 1 no usable contact (dispositions_1.csv:6);"
         " 1 unreadable date (dispositions_1.csv:4) (fix them where they are recorded; a"
         " corrected row delivered again is stored)"),
    ]  # fmt: skip
    assert "555" not in warnings[0][1]  # ids, never the values


def test_an_account_fact_without_a_readable_date_is_stored_and_reported(
    con, tmp_path: Path
) -> None:
    """A cease-and-desist (attorney, dispute, death) whose date is missing or unreadable is an
    account fact all the same: stored undated and named in a run warning when first stored
    (suppression applies it: test_suppress), never dropped like a wrong number without a date,
    which says nothing without knowing when."""
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,4045550101,cease_and_desist,07/15/2026 14:05:99,jd\n"
        "A2,4045550102,attorney,,jd\n"
        "A3,4045550103,wrong_number,the 15th,jd\n",
    )  # fmt: skip
    assert load_outcome_source(con, source, "run-1") == 2
    stored = con.execute(
        "SELECT account_id, outcome, outcome_date FROM contact_outcomes ORDER BY account_id"
    ).fetchall()
    assert stored == [("A1", "cease_and_desist", None), ("A2", "attorney", None)]
    warnings = [r[0] for r in con.execute("SELECT message FROM run_warnings").fetchall()]
    assert warnings == [
        "outcomes from dialer: 2 cease-and-desist, attorney, dispute, death or opt-out report(s)"
        " stored without a date and applied from this run's as-of date on: 1 no date"
        " (dispositions_1.csv:3); 1 unreadable date (dispositions_1.csv:2) (fix the date where"
        " it is recorded; a corrected row delivered again is stored beside it)",
        "outcomes from dialer: 1 of 3 row(s) not stored: 1 unreadable date"
        " (dispositions_1.csv:4) (fix them where they are recorded; a corrected row delivered"
        " again is stored)",
    ]
    # delivered again: stored once, reported once; the verdict without a date again
    assert load_outcome_source(con, source, "run-2") == 0
    again = [
        r[0]
        for r in con.execute("SELECT message FROM run_warnings WHERE run_id = 'run-2'").fetchall()
    ]
    assert len(again) == 1 and "1 of 3 row(s) not stored" in again[0]


def test_ties_on_a_date_go_to_the_later_line_as_a_number(con, tmp_path: Path) -> None:
    """Line 10 (a wrong number) is later than line 9 (right party) of the same day: as text,
    'dispositions_1.csv:9' sorted after 'dispositions_1.csv:10' and the right party won."""
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    lines = [f"A9,4045550199,no_answer,2026-11-05,ag{i}\n" for i in range(7)]  # lines 2-8
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n" + "".join(lines)
        + "A1,252-218-9913,right_party,2026-11-06,ag6\n"  # line 9
        "A1,252-218-9913,wrong_number,2026-11-06,ag6\n",  # line 10
    )  # fmt: skip
    load_outcome_source(con, source)
    # and PostgreSQL's outcome_id 9 and 10, the same way
    pulled = [
        {"origin_id": str(i), "origin_seq": i, "account_id": "A2", "contact": "4045550102",
         "outcome": o, "outcome_date": "2026-11-06"}
        for i, o in ((9, "right_party"), (10, "wrong_number"))
    ]  # fmt: skip
    store_outcomes(con, pl.DataFrame(pulled), "postgres", replace=True)
    sql.run(con, "outcomes/vocabulary.sql")
    sql.run(con, "outcomes/latest.sql")
    latest = con.execute(
        "SELECT account_id, outcome FROM latest_contact_outcomes(DATE '2026-11-08')"
        " WHERE account_id IN ('A1', 'A2') ORDER BY account_id"
    ).fetchall()
    assert latest == [("A1", "wrong_number"), ("A2", "wrong_number")]


def test_one_days_verdicts_are_ordered_by_their_time_not_their_row(con, tmp_path: Path) -> None:
    """A right party at 10:00 and a wrong number at 16:00 (or the reverse) used to be ordered
    by the file's rows: the same events left the number confirmed or suppressed. With a time on
    every verdict of the day, the time decides; a day with a report of unknown hour keeps the
    load order (then the row), as before; a report repeated later in the day is a new report."""
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,4045550101,right_party,2026-07-15T15:00:00-04:00,ag1\n"
        "A1,4045550101,wrong_number,2026-07-15T09:00:00-04:00,ag2\n"
        "A2,4045550102,wrong_number,07/15/2026 4:00 PM,ag1\n"
        "A2,4045550102,right_party,07/15/2026 10:00 AM,ag2\n"
        # a wrong number between two right parties of one agent: three reports, not two
        "A3,4045550103,right_party,07/15/2026 10:00,ag1\n"
        "A3,4045550103,wrong_number,07/15/2026 12:00,ag1\n"
        "A3,4045550103,right_party,07/15/2026 16:00,ag1\n"
        # the wrong number has no time: the day's rows keep their order (the wrong number last)
        "A4,4045550104,right_party,07/15/2026 18:00,ag1\n"
        "A4,4045550104,wrong_number,07/15/2026,ag1\n"
        # a later day still wins whatever the hours
        "A5,4045550105,right_party,07/15/2026 23:59,ag1\n"
        "A5,4045550105,wrong_number,07/16/2026 00:01,ag1\n",
    )  # fmt: skip
    assert load_outcome_source(con, source) == 11
    sql.run(con, "outcomes/vocabulary.sql")
    sql.run(con, "outcomes/latest.sql")
    latest = con.execute(
        "SELECT account_id, outcome, agent FROM latest_contact_outcomes(DATE '2026-07-16')"
        " ORDER BY account_id"
    ).fetchall()
    assert latest == [
        ("A1", "right_party", "ag1"), ("A2", "wrong_number", "ag1"), ("A3", "right_party", "ag1"),
        ("A4", "wrong_number", "ag1"), ("A5", "wrong_number", "ag1"),
    ]  # fmt: skip


def test_an_unknown_outcome_fails_its_row_and_a_missing_column_the_file(
    con, tmp_path: Path
) -> None:
    """A disposition code the dialer added (hung_up) is not stored and is reported by name; the
    wrong number beside it is stored. Failing the whole file used to leave that wrong number
    unread, and the number was called again."""
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('r1', DATE '2026-11-01', 'running')"
    )
    write(
        tmp_path,
        "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE\nA1,4045550101,hung_up,2026-10-30\n"
        "A1,4045550102,wrong_number,2026-10-30\nA1,4045550103,hung_up,2026-10-30\n",
    )
    load_outcome_source(con, source, run_id="r1")
    stored = con.execute("SELECT contact_key, outcome FROM contact_outcomes").fetchall()
    assert stored == [("+14045550102", "wrong_number")]
    (warning,) = [r[0] for r in con.execute("SELECT message FROM run_warnings").fetchall()]
    assert "2 unknown outcome (dispositions_1.csv:2, dispositions_1.csv:4)" in warning
    assert "['hung_up']" in warning
    # the phone column mapped as the outcome: the warning names no number, address or email
    write(
        tmp_path,
        "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE\nA1,wrong_number,4045550101,2026-10-30\n"
        "A1,wrong_number,1 Main St|30161,2026-10-30\nA1,wrong_number,ann@x.com,2026-10-30\n"
        "A1,wrong_number,po box 12,2026-10-30\nA1,wrong_number,po box 12,2026-10-30\n"
        "A1,wrong_number,john smith,2026-10-30\nA1,wrong_number,jsmith-gmail,2026-10-30\n",
    )
    load_outcome_source(con, source, run_id="r1")
    (swapped,) = [
        r[0] for r in con.execute("SELECT message FROM run_warnings").fetchall() if "7 of 7" in r[0]
    ]
    for value in ("4045550101", "Main", "ann@", "po box", "john", "jsmith"):
        assert value not in swapped.lower(), value
    assert "6 value(s), not shown (is the outcome column mapped?)" in swapped
    write(tmp_path, "dispositions_1.csv", "ACCT,NUMBER,DATE\nA1,4045550101,2026-10-30\n")
    with pytest.raises(OutcomeError, match=r"no column for \['outcome'\]"):
        load_outcome_source(con, source)


def test_a_pull_mirrors_its_origin_and_leaves_another_alone(con) -> None:
    """PostgreSQL's table is read whole: a row it no longer holds goes, a re-pulled row is not
    stored twice and keeps when it was first stored; a file source's rows are left alone."""
    row = {"origin_id": "1", "origin_seq": 1, "account_id": "A1", "contact": "4045550101",
           "outcome": "no_answer", "outcome_date": "2026-10-30"}  # fmt: skip
    assert store_outcomes(con, pl.DataFrame([row]), "postgres", replace=True) == 1
    store_outcomes(con, pl.DataFrame([{**row, "account_id": "A2"}]), "dialer")
    loaded = con.execute(
        "SELECT loaded_at FROM contact_outcomes WHERE account_id = 'A1'"
    ).fetchall()
    again = [row, {**row, "origin_id": "2", "origin_seq": 2, "account_id": "A3"}]
    assert store_outcomes(con, pl.DataFrame(again), "postgres", replace=True) == 1
    assert (
        con.execute("SELECT loaded_at FROM contact_outcomes WHERE account_id = 'A1'").fetchall()
        == loaded
    )
    assert store_outcomes(con, pl.DataFrame(again[1:]), "postgres", replace=True) == 0
    assert sorted(r[:3] for r in outcomes(con)) == [("dialer", "1", "A2"), ("postgres", "2", "A3")]


def test_outcomes_on_an_unknown_account_or_contact_are_run_warnings(con, tmp_path: Path) -> None:
    """They used to be stored and to change nothing, without a word (a mistyped account number
    or phone at the collections system). Counted per origin, rows named, never the phone."""
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES (1, 'accounts', 'accounts', 'loaded')"
    )
    con.execute(
        "INSERT INTO accounts (file_no, line_no, account_id) VALUES (1, 2, 'A1'), (1, 3, 'A2')"
    )
    con.execute(
        "INSERT INTO contact_points (run_id, account_id, contact_type, contact_key) VALUES"
        " ('run-1', 'A1', 'phone', '+14045550101'), ('run-1', 'A2', 'phone', '+14045550102')"
    )
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,4045550101,wrong_number,2026-11-05,ag5\n"  # known: acts
        "9999999999,5551234567,wrong_number,2026-11-05,ag5\n"  # no such account
        "A2,9725550111,wrong_number,2026-11-05,ag5\n"  # A2 has no such number
        "A2,9725550111,no_answer,2026-11-05,ag5\n"  # never acts anyway: not counted
        "A2,9725550111,cease_and_desist,2026-11-05,ag5\n",  # an account fact: acts
    )  # fmt: skip
    load_outcome_source(con, source, "run-1")
    assert report_unmatched(con, "run-1") == 2
    assert report_unmatched(con, "run-2") == 0  # another run stored none of them
    (message,) = [
        r[0]
        for r in con.execute("SELECT message FROM run_warnings WHERE stage = 'resolve'").fetchall()
    ]
    assert message.startswith(
        "outcomes from dialer: 1 for an account not in the account files (dispositions_1.csv:3);"
        " 1 on a contact the account does not have (dispositions_1.csv:4): they change nothing;"
    )
    assert "555" not in message and "9999999999" not in message

    # run-1 was refused after storing them: its warnings reached no one, so the next run
    # reports its rows once; after a completed run they are old news
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES ('run-1', DATE '2026-11-06', 'failed'),"
        " ('run-2', DATE '2026-11-06', 'running')"
    )
    con.execute(
        "INSERT INTO contact_points (run_id, account_id, contact_type, contact_key) VALUES"
        " ('run-2', 'A1', 'phone', '+14045550101'), ('run-2', 'A2', 'phone', '+14045550102'),"
        " ('run-3', 'A1', 'phone', '+14045550101'), ('run-3', 'A2', 'phone', '+14045550102')"
    )
    assert report_unmatched(con, "run-2") == 2
    con.execute("UPDATE runs SET status = 'completed' WHERE run_id = 'run-2'")
    assert report_unmatched(con, "run-3") == 0


def test_a_corrected_pulled_row_keeps_its_place_among_the_days_outcomes(con) -> None:
    """outcome_id 5 (right party) and 9 (wrong number) on one date: 9 is the latest. The
    platform then corrects id 5's agent; re-pulled, id 5 is a new row. It kept a new loaded_at,
    which breaks same-date ties before the id, so the right party overtook the wrong number and
    the number was called again. A corrected row keeps when its id was first stored."""
    import time

    from skiptrace import sql

    def pull(agent: str) -> None:
        rows = [
            {"origin_id": "5", "origin_seq": 5, "account_id": "A1", "contact": "4045550101",
             "outcome": "right_party", "outcome_date": "2026-11-01", "agent": agent},
            {"origin_id": "9", "origin_seq": 9, "account_id": "A1", "contact": "4045550101",
             "outcome": "wrong_number", "outcome_date": "2026-11-01", "agent": "ag9"},
        ]  # fmt: skip
        store_outcomes(con, pl.DataFrame(rows), "postgres", replace=True)

    pull("ag5")
    time.sleep(0.01)
    pull("ag5-corrected")
    sql.run(con, "outcomes/vocabulary.sql")
    sql.run(con, "outcomes/latest.sql")
    latest = con.execute(
        "SELECT outcome FROM latest_contact_outcomes(DATE '2026-11-02')"
    ).fetchall()
    assert latest == [("wrong_number",)]
    assert con.execute("SELECT count(*) FROM contact_outcomes").fetchone() == (2,)
