-- `skiptrace rejects --fields [--run ID]`: field issues (NULLed or repaired fields of loaded
-- rows) in run, file and line order. value_masked is masked at ingest.
SELECT fi.run_id, fi.file_no, fi.source, f.file_name, fi.line_no, fi.column_name,
       fi.file_column, fi.reason, fi.action, fi.value_masked
FROM field_issues fi
LEFT JOIN input_files f USING (file_no)
WHERE $run_id::VARCHAR IS NULL OR fi.run_id = $run_id::VARCHAR
ORDER BY fi.run_id, fi.file_no, fi.line_no, fi.column_name;
