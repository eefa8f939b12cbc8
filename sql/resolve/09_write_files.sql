-- The input files the run's contact support cites, one row per file (migration 094): what
-- input_file_usage reads instead of every run's support rows. After the last 09_write.sql chunk,
-- in the same transaction; 09_write_clear.sql removed an earlier attempt's rows.
INSERT INTO run_support_files
SELECT DISTINCT run_id, file_no FROM contact_support
WHERE run_id = $run_id AND file_no IS NOT NULL;
