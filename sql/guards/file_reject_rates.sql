-- Current files loaded since the previous completed run ($prev_run_id, NULL = none), with the
-- share of their rows that went to quarantine. Not only this run's: a file refused by a run is
-- still 'loaded' (the next run skips it by checksum), so it is checked again until a completed
-- run has accepted it (--allow-shrink) or a corrected delivery superseded it.
SELECT run_id, source, file_name, rows_read, rows_rejected,
       rows_rejected / rows_read::DOUBLE AS reject_rate
FROM input_files
WHERE status = 'loaded' AND rows_read > 0 AND run_id > coalesce($prev_run_id::VARCHAR, '')
ORDER BY file_no;
