-- The run whose results were the newest on day $day (`explain --on`): of the completed runs that
-- ended (UTC, as runs.ended_at) on or before the end of that day, archived or not, the newest by
-- as-of date, then start (run id): the run out/LATEST named and the push took at the end of that
-- day. A backfill (an older as_of, run later) leaves both on the newer run (flows/exports/
-- outputs.py write_latest), so it is not what the collector had from us.
SELECT run_id
FROM runs
WHERE status = 'completed' AND ended_at < CAST($day AS DATE) + INTERVAL 1 DAY
ORDER BY as_of DESC NULLS LAST, run_id DESC
LIMIT 1;
