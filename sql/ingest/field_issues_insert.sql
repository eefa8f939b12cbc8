-- Field issues of the loaded rows of a staged file: one row per NULLed or repaired field.
-- value_masked was masked (SSN-shaped runs, SSN digits) inside the staging statement, so no
-- raw value reaches this table. {stage} is the file's TEMP staging table, bound by
-- sources/ingest.py.
INSERT INTO field_issues (
    run_id, file_no, source, path, line_no, column_name, file_column, reason, action, value_masked
)
SELECT $run_id, $file_no, $source, $path, line_no, i.column_name, i.file_column, i.reason,
       i.action, i.value_masked
FROM (SELECT line_no, unnest(_issues) AS i FROM {stage} WHERE reason IS NULL AND len(_issues) > 0)
ORDER BY line_no, i.column_name;
