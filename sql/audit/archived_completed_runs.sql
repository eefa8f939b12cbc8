-- Completed runs whose per-run rows `skiptrace archive` moved out of the database, oldest
-- first: the runs explain's default lookup (latest_run_for_account.sql) cannot search.
SELECT a.run_id
FROM run_archives a
JOIN runs r USING (run_id)
WHERE r.status = 'completed'
ORDER BY a.run_id;
