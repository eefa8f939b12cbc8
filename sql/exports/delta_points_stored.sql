-- Whether the previous run's delta_points rows (migration 120) are what export_delta.sql would
-- compute for it now: written by the same SQL ($definition), under the bands and ZIP format
-- this delta judges that run with, and the run's own rows still in the database (an archived
-- run's are not: a delta compares with what the database holds). Otherwise the delta
-- recomputes the run's points, as it did before the rows were stored.
SELECT count(*) > 0 AS stored
FROM delta_point_runs h
WHERE h.run_id = $prev_run_id AND h.definition = $definition AND h.zip_format = $zip_format
  AND h.bad = $prev_bad AND h.verify = $prev_verify
  AND NOT EXISTS (SELECT 1 FROM run_archives a WHERE a.run_id = h.run_id);
