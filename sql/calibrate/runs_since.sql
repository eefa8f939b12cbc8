-- Completed runs with an as_of on or after $since, oldest first, one per as_of: the latest of
-- that day, whose list replaced the others' (matchers/calibrate_outcomes.py `runs_since`).
SELECT max(run_id) AS run_id
FROM runs
WHERE status = 'completed' AND as_of >= $since
GROUP BY as_of
ORDER BY as_of;
