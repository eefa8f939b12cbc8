"""What ingest writes, written by hand for the tests that build their records straight into
the tables (tests.matchers.test_resolve.Builder and the like) and so never run ingest.

One copy, so every such test writes it as ingest does: a change to ingest's output is made
here once, not in each test's own hand-written SQL.
"""

from __future__ import annotations

import duckdb

from skiptrace.sources.validate import is_personal, issue_value_sql, lit


def unused_date(
    con: duckdb.DuckDBPyConnection, rec_id: int, column: str, reason: str, value: str
) -> None:
    """Record that ingest did not use the event date `column` of record `rec_id`: delivered as
    `value`, nulled for `reason` (e.g. 'after_record_date', 'unparseable_date').

    Writes both places ingest writes it (sources/ingest.py): the field issue (`field_issues`,
    action 'nulled', as ingest/field_issues_insert.sql) and the entry on the record
    (`source_records.unused_dates`, migration 121, `_unused_dates_sql`), the value masked once
    by the same `issue_value_sql` for both. The record keeps the column NULL, as ingest loads
    it: the caller does not give it. The record's file (input_files) names the ingest run and
    path when the test has one; the file's column is the canonical name (no mapping). Call it
    once per column, in ingest's order of the event dates (death, move, filing, discharge,
    dismissal), as the entries are appended.
    """
    mask = "shape" if is_personal(column) else "text"
    row = con.execute(
        f"SELECT {issue_value_sql('v', lit(mask))} FROM (SELECT ?::VARCHAR AS v)", [value]
    ).fetchone()
    assert row is not None
    masked = row[0]
    con.execute(
        "INSERT INTO field_issues (run_id, file_no, source, path, line_no, column_name,"
        " file_column, reason, action, value_masked)"
        " SELECT f.run_id, r.file_no, r.source, f.path, r.line_no, $column, $column, $reason,"
        " 'nulled', $masked"
        " FROM source_records AS r LEFT JOIN input_files AS f ON f.file_no = r.file_no"
        " WHERE r.rec_id = $rec_id",
        {"rec_id": rec_id, "column": column, "reason": reason, "masked": masked},
    )
    con.execute(
        "UPDATE source_records SET unused_dates = list_append(coalesce(unused_dates, []),"
        " {'column_name': $column, 'reason': $reason, 'value_masked': $masked})"
        " WHERE rec_id = $rec_id",
        {"rec_id": rec_id, "column": column, "reason": reason, "masked": masked},
    )
