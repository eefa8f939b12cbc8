-- The run row for skiptrace_runs (no row when the run is unknown), with its parameters (the
-- rules file whose bands decide which contacts are usable, as in its import files).
SELECT r.run_id, r.as_of, r.code_version, r.status, r.params
FROM runs r
WHERE r.run_id = $run_id
