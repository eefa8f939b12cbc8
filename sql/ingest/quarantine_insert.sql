-- Rejected rows of a staged file. raw_line was masked (SSN-shaped runs, the SSN field) and
-- truncated when it was staged; the raw line never reaches a table unmasked.
-- {stage} is the file's TEMP staging table, bound by sources/ingest.py.
INSERT INTO quarantine (run_id, file_no, source, path, line_no, raw_line, reason)
SELECT $run_id, $file_no, $source, $path, line_no, raw_line, reason
FROM {stage}
WHERE reason IS NOT NULL
ORDER BY line_no;
