-- Field issues of the loaded rows of a staged file: one row per NULLed or repaired field.
-- The staging statement keeps each issue's value with how to mask it (sources/validate.py
-- Stage.issue); the value slot masks it here (issue_value_sql: SSN-shaped runs, a personal field's
-- shape), so no raw value reaches this table. {stage} is the file's TEMP staging table, bound by
-- sources/ingest.py.
INSERT INTO field_issues (
    run_id, file_no, source, path, line_no, column_name, file_column, reason, action, value_masked
)
SELECT $run_id, $file_no, $source, $path, line_no, i.column_name, i.file_column, i.reason,
       i.action, {{value}}
FROM (SELECT line_no, unnest(_issues) AS i FROM {stage} WHERE reason IS NULL AND len(_issues) > 0)
ORDER BY line_no, i.column_name;
