"""The event dates ingest did not use are listed on the record (`source_records.unused_dates`,
migration 121), from the same field issue entries it writes to `field_issues`; resolution,
suppression and the review queue read the record (tests/matchers/test_resolve.py,
test_bankruptcy_holds.py, test_suppress.py, tests/flows/review/test_queue_order.py, which write
it as ingest does with tests.ingested.unused_date), and rows loaded before the migration are
filled from field_issues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.sources.ingest import ingest_source
from skiptrace.sources.registry import Source
from tests.ingested import unused_date

EVENT_DATES = [
    "date_of_death", "move_effective_date", "bk_filing_date", "bk_discharge_date",
    "bk_dismissal_date",
]  # fmt: skip


def _court(tmp_path: Path) -> Source:
    path = tmp_path / "bk.csv"
    path.write_text(
        "\n".join(
            [
                "id,name,filed,discharged,dismissed,activity",
                "B1,ANN BOTH,06/01/2062,,07/16/2062,07/10/2026",  # two dates after the report
                "B2,BEN GARBLED,01/10/2026,04/2O/2026,,07/10/2026",  # unreadable: O for 0
                "B3,CAL EARLY,01/10/0025,,,07/10/2026",  # before 1880
                "B4,DON CLEAN,01/10/2026,,07/01/2026,07/10/2026",
                "B5,EVE UNREPORTED,01/10/2026,,07/20/2026,",  # after the as-of date: kept, noted
                "B6,FAY SSN,123-45-6789,,,07/10/2026",  # an SSN typed into a date: masked
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return Source(
        name="court", kind="bankruptcy", path=str(path), reliability=0.9,
        permissible_purpose="collection", record_date="activity",
        columns={"record_id": "id", "full_name": "name", "bk_filing_date": "filed",
                 "bk_discharge_date": "discharged", "bk_dismissal_date": "dismissed"},
    )  # fmt: skip


def _deaths(tmp_path: Path) -> Source:
    path = tmp_path / "dmf.csv"
    path.write_text(
        "id,first,last,dod\nD1,ANN,LEE,11/01/2122\nD2,BEN,LEE,2024-01-10\nD3,CAL,LEE,19Z51103\n",
        encoding="utf-8",
    )
    return Source(
        name="dmf", kind="deceased", path=str(path), reliability=0.98,
        permissible_purpose="collection", record_date="2024-02-16",
        columns={"record_id": "id", "first_name": "first", "last_name": "last",
                 "date_of_death": "dod"},
    )  # fmt: skip


def _load(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    con.execute("INSERT INTO runs (run_id, as_of, status) VALUES ('r', '2026-07-12', 'running')")
    ingest_source(con, _court(tmp_path), "r")
    ingest_source(con, _deaths(tmp_path), "r")


def _unused(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return dict(
        con.execute("SELECT record_id, unused_dates FROM source_records ORDER BY rec_id").fetchall()
    )


def _as_issues(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The event dates field_issues says were nulled, per record, as the record lists them."""
    rows = con.execute(
        "SELECT r.record_id, list({'column_name': i.column_name, 'reason': i.reason,"
        " 'value_masked': i.value_masked} ORDER BY list_position($dates, i.column_name))"
        " FROM field_issues i JOIN source_records r USING (file_no, line_no)"
        " WHERE i.action = 'nulled' AND list_contains($dates, i.column_name) GROUP BY ALL",
        {"dates": EVENT_DATES},
    ).fetchall()
    return dict(rows)


def test_ingest_lists_the_event_dates_it_did_not_use_on_the_record(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Each nulled event date, whatever the reason, with the value as field_issues keeps it
    (masked alike: an SSN typed into a date keeps its shape), in the record's column order;
    NULL on a record whose dates were all used, a date kept with a note (`future_date`)
    included."""
    _load(con, tmp_path)
    got = _unused(con)

    def nu(column: str, reason: str, value: str) -> dict[str, str]:
        return {"column_name": column, "reason": reason, "value_masked": value}

    assert got == {
        "B1": [nu("bk_filing_date", "after_record_date", "06/01/2062"),
               nu("bk_dismissal_date", "after_record_date", "07/16/2062")],
        "B2": [nu("bk_discharge_date", "unparseable_date", "04/2O/2026")],
        "B3": [nu("bk_filing_date", "implausible_date", "01/10/0025")],
        "B4": None,
        "B5": None,
        "B6": [nu("bk_filing_date", "unparseable_date", "###-##-####")],
        "D1": [nu("date_of_death", "after_record_date", "11/01/2122")],
        "D2": None,
        "D3": [nu("date_of_death", "unparseable_date", "19Z51103")],
    }  # fmt: skip
    # the same decision as the issue log's, entry for entry
    assert {k: v for k, v in got.items() if v} == _as_issues(con)
    kept = con.execute(
        "SELECT count(*) FROM field_issues WHERE reason = 'future_date' AND action = 'kept'"
    ).fetchone()
    assert kept == (1,)  # B5's dismissal, after the as-of date: kept, so not listed


def test_the_hand_written_copy_writes_what_ingest_writes(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """tests.ingested.unused_date, given what ingest was delivered, writes the field issues and
    the record's list ingest wrote (the value masked alike: an SSN typed into a date keeps its
    shape), but the file's own column name, which a record built by hand does not have."""
    _load(con, tmp_path)
    issues_sql = (
        "SELECT run_id, file_no, source, path, line_no, column_name, reason, action, value_masked"
        " FROM field_issues WHERE action = 'nulled' AND list_contains($dates, column_name)"
        " ORDER BY ALL"
    )
    ingested = (_unused(con), con.execute(issues_sql, {"dates": EVENT_DATES}).fetchall())
    con.execute("DELETE FROM field_issues WHERE list_contains($dates, column_name)",
                {"dates": EVENT_DATES})  # fmt: skip
    con.execute("UPDATE source_records SET unused_dates = NULL")
    delivered = [  # record, column, reason, as delivered (_court, _deaths)
        ("B1", "bk_filing_date", "after_record_date", "06/01/2062"),
        ("B1", "bk_dismissal_date", "after_record_date", "07/16/2062"),
        ("B2", "bk_discharge_date", "unparseable_date", "04/2O/2026"),
        ("B3", "bk_filing_date", "implausible_date", "01/10/0025"),
        ("B6", "bk_filing_date", "unparseable_date", "123-45-6789"),
        ("D1", "date_of_death", "after_record_date", "11/01/2122"),
        ("D3", "date_of_death", "unparseable_date", "19Z51103"),
    ]
    rec_ids = dict(con.execute("SELECT record_id, rec_id FROM source_records").fetchall())
    for record_id, column, reason, value in delivered:
        unused_date(con, rec_ids[record_id], column, reason, value)
    by_hand = (_unused(con), con.execute(issues_sql, {"dates": EVENT_DATES}).fetchall())
    assert by_hand == ingested


def test_the_migration_fills_rows_loaded_before_it_from_field_issues(tmp_path: Path) -> None:
    """A database written before migration 121 (no column, the migration not applied) gets each
    record's list from field_issues when it is opened: the list ingest writes today."""
    db = tmp_path / "old.duckdb"
    con = sql.connect(db)
    _load(con, tmp_path)
    written = _unused(con)
    assert written["B1"] and written["D1"]
    # as before 121
    con.execute("ALTER TABLE source_records DROP COLUMN unused_dates")
    con.execute("DELETE FROM schema_migrations WHERE version = 121")
    con.close()
    con = sql.connect(db)
    try:
        assert _unused(con) == written
        # the views the readers use show it too
        assert con.execute(
            "SELECT count(*) FROM current_source_records WHERE unused_dates IS NOT NULL"
        ).fetchone() == (sum(1 for v in written.values() if v),)
    finally:
        con.close()
