-- 094: run_support_files, the input files each run's contact support cites.
-- input_file_usage (008) counts a run whose contacts cite a file as a use of that file, and found
-- those runs with SELECT DISTINCT run_id, file_no over contact_support: every run's support rows
-- (9M a run at 1M accounts), each time explain or retention read the view, so `skiptrace explain`
-- of one account slowed down with every night kept. This table is that DISTINCT, one row per
-- (run, file), written by resolve with the run's support rows (sql/resolve/09_write_files.sql,
-- in the same transaction; replaced with them on a retry), and the view reads it instead. The
-- view's rows are unchanged. Backfilled from the support rows already kept.

CREATE TABLE IF NOT EXISTS run_support_files (
    run_id  VARCHAR NOT NULL,
    file_no BIGINT  NOT NULL
);

INSERT INTO run_support_files
SELECT DISTINCT run_id, file_no FROM contact_support WHERE file_no IS NOT NULL;

CREATE OR REPLACE VIEW input_file_usage AS
WITH uses AS (
    SELECT ri.file_no, r.run_id, coalesce(r.ended_at, r.started_at) AS used_at
    FROM run_inputs ri JOIN runs r USING (run_id)
    UNION ALL
    SELECT s.file_no, r.run_id, coalesce(r.ended_at, r.started_at) AS used_at
    FROM run_support_files s JOIN runs r USING (run_id)
    UNION ALL
    SELECT file_no, run_id, loaded_at AS used_at FROM input_files
),
purged AS (SELECT file_no, max(purged_at) AS purged_at FROM purge_log GROUP BY file_no)
SELECT
    f.file_no,
    arg_max(u.run_id, u.used_at) AS last_used_run,
    max(u.used_at)               AS last_used_at,
    count(DISTINCT u.run_id)     AS runs_used,
    any_value(p.purged_at)       AS purged_at
FROM input_files f
LEFT JOIN uses u USING (file_no)
LEFT JOIN purged p USING (file_no)
GROUP BY f.file_no;
