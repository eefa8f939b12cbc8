-- The run whose results were the newest on day $day: the last completed run that ended (UTC,
-- as runs.ended_at) on or before the end of that day, archived or not (`explain --on`). A
-- backfill (an older as_of run later) counts by when it ended: its files were the newest then.
SELECT run_id
FROM runs
WHERE status = 'completed' AND ended_at < CAST($day AS DATE) + INTERVAL 1 DAY
ORDER BY ended_at DESC, run_id DESC
LIMIT 1;
