-- The rows of a registered text file as ingestion reads them: (line_no, raw, fields, shape_err),
-- blank lines and the header lines skipped. A subquery of the staging SELECT (validate.py).
-- Template (sql.render); its slots are filled by sources/readers.py from the file's read options:
-- `table` the registered lines, `inner` per-line helper columns, `fields_sql` the field split,
-- `shape_sql` the row-shape check, `skip_lines` the header line count, `not_blank` the
-- blank-line test.
SELECT line_no, raw, fields, {{shape_sql}} AS shape_err FROM (
    SELECT line_no, raw, {{fields_sql}} AS fields FROM (
        SELECT line_no, raw, {{inner}} FROM {{table}}
        WHERE line_no > {{skip_lines}} AND {{not_blank}}
    )
)
