-- What delta.csv reads of each point of $run_id (delta_points_of, point_macros.sql), stored in
-- delta_points (migration 120) with its delta_point_runs row: emit runs this in one transaction
-- before the run's delta, which reads the rows back, and the next run's delta reads them as the
-- previous run's instead of recomputing that run's usability. A re-emit replaces the rows.
-- $definition: the digest of the SQL that computes them (emit.py), so a later delta uses them
-- only when it would compute the same.
DELETE FROM delta_points WHERE run_id = $run_id;

DELETE FROM delta_point_runs WHERE run_id = $run_id;

INSERT INTO delta_points BY NAME
SELECT * FROM delta_points_of($run_id, $bad, $verify, $zip_format);

INSERT INTO delta_point_runs (run_id, definition, zip_format, bad, verify, points, written_at)
SELECT $run_id, $definition, $zip_format, $bad, $verify, count(*), $written_at
FROM delta_points
WHERE run_id = $run_id;
