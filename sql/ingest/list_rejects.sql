-- `skiptrace rejects [--run ID]`: quarantined rows in run, file and line order.
SELECT q.run_id, q.file_no, q.source, f.file_name, q.path, q.line_no, q.reason, q.raw_line
FROM quarantine q
LEFT JOIN input_files f USING (file_no)
WHERE $run_id::VARCHAR IS NULL OR q.run_id = $run_id::VARCHAR
ORDER BY q.run_id, q.file_no, q.line_no;
