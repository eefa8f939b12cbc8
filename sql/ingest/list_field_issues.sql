-- `skiptrace rejects --fields [--run ID]`: field issues (NULLed or repaired fields of loaded
-- rows), the newest run's first (as `rejects`), then in file and line order. value_masked is
-- masked at ingest.
SELECT fi.run_id, fi.file_no, fi.source, f.file_name, fi.line_no, fi.column_name,
       fi.file_column, fi.reason, fi.action, fi.value_masked
FROM field_issues fi
LEFT JOIN input_files f USING (file_no)
LEFT JOIN runs r ON r.run_id = fi.run_id
WHERE $run_id::VARCHAR IS NULL OR fi.run_id = $run_id::VARCHAR
ORDER BY r.started_at DESC NULLS LAST, fi.run_id DESC, fi.file_no, fi.line_no, fi.column_name;
