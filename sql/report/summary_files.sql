-- run_summary.json "files": the files the run loaded, with their reconciliation counts.
SELECT path, source, sha256, rows_read, rows_loaded, rows_rejected, status,
       coalesce(field_issues, 0) AS field_issues
FROM input_files WHERE run_id = $run_id ORDER BY file_no;
