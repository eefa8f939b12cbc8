-- The completed run that started last before $run_id (run ids sort by start time), whatever
-- its as-of date: "since the last completed run" in time, for what is about files loaded in
-- between (guards/file_reject_rates.sql) rather than about the published chain of deltas.
SELECT run_id FROM runs
WHERE status = 'completed' AND run_id < $run_id
ORDER BY run_id DESC
LIMIT 1;
