-- The newest completed run: the one the workbench shows.
SELECT run_id, as_of, started_at, ended_at FROM runs
WHERE status = 'completed' ORDER BY run_id DESC LIMIT 1;
