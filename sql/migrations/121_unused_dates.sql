-- source_records.unused_dates: the record's event dates ingest did not use, on the record.
--
-- Why: ingest nulls a date of death, a bankruptcy filing, discharge or dismissal date, or an
-- NCOA move effective date it cannot use (unreadable, before 1880, or, for all but the move,
-- after the record's own report date: field issue after_record_date, docs/field_issues.md).
-- Resolution, suppression and the review queue must still know it was delivered and not used:
-- a death claim without its date, a case whose filing is unknown, a record that leads the
-- queue. Each of them re-joined field_issues (the issue log) by file and line to find out,
-- four derivations of one fact. Ingest now writes it on the row, from the same field issue
-- entries it writes to field_issues (sources/ingest.py, _unused_dates_sql), and every reader
-- asks the record.
--
-- One entry per event date not used, in the order of the record's columns (death, move,
-- filing, discharge, dismissal): the canonical column, the field issue's reason and the value
-- as delivered, masked as field_issues masks it. NULL when every delivered event date was used.
--
-- Rows loaded before this migration are filled here from field_issues, where ingest recorded
-- the same decision (one entry per column: after_record_date first, as resolve read it). A
-- file whose values `skiptrace purge` cleared has no source rows left to fill.
ALTER TABLE source_records ADD COLUMN IF NOT EXISTS
    unused_dates STRUCT(column_name VARCHAR, reason VARCHAR, value_masked VARCHAR)[];

UPDATE source_records AS r SET unused_dates = u.unused
FROM (
    SELECT file_no, line_no,
           list({'column_name': column_name, 'reason': reason, 'value_masked': value_masked}
                ORDER BY list_position(['date_of_death', 'move_effective_date', 'bk_filing_date',
                                        'bk_discharge_date', 'bk_dismissal_date'], column_name)) AS unused
    FROM (
        SELECT DISTINCT ON (file_no, line_no, column_name) file_no, line_no, column_name, reason,
               value_masked
        FROM field_issues
        WHERE action = 'nulled'
          AND column_name IN ('date_of_death', 'move_effective_date', 'bk_filing_date',
                              'bk_discharge_date', 'bk_dismissal_date')
        ORDER BY file_no, line_no, column_name, reason = 'after_record_date' DESC, reason,
                 value_masked
    )
    GROUP BY file_no, line_no
) AS u
WHERE r.file_no = u.file_no AND r.line_no = u.line_no AND r.unused_dates IS NULL;
