-- The run row for skiptrace_runs; NULL run_id when the run is unknown or not completed.
SELECT r.run_id, r.as_of, r.code_version, r.status
FROM runs r
WHERE r.run_id = $run_id
