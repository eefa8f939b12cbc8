-- The input files a run used ($run_id). run_inputs is the record; for runs from before it was
-- written, approximate with the files loaded up to that run that are still current, plus any
-- file the run's contacts cite (so explain and the report still work on old runs).
WITH recorded AS (SELECT file_no FROM run_inputs WHERE run_id = $run_id),
approx AS (
    SELECT file_no FROM input_files
    WHERE status = 'loaded' AND run_id <= $run_id AND NOT EXISTS (SELECT 1 FROM recorded)
    UNION
    SELECT file_no FROM contact_support
    WHERE run_id = $run_id AND file_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM recorded)
)
SELECT
    f.file_no, f.run_id AS loaded_by_run, f.source, f.kind, f.file_name, f.sha256, f.size_bytes,
    f.received_at, f.loaded_at, f.permissible_purpose, f.reliability, f.rows_read,
    f.rows_loaded, f.rows_rejected, f.status,
    EXISTS (SELECT 1 FROM recorded) AS recorded,
    u.last_used_at, u.purged_at
FROM input_files f
LEFT JOIN input_file_usage u USING (file_no)
WHERE f.file_no IN (SELECT file_no FROM recorded UNION SELECT file_no FROM approx)
ORDER BY f.file_no;
