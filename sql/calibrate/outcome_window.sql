-- The run whose confidence collectors' outcomes are to check, and the dates whose verdicts
-- judge it (sql/calibrate/outcome_labels.sql): after its as_of, up to the as_of of the next
-- completed run with a later as_of (`until`; NULL when there is none: any later date).
-- A run resolved on the same as_of as another shares its window. `model` is the confidence
-- model version the run scored with. No row: no such run.
SELECT r.run_id, r.status, r.as_of,
       (SELECT min(n.as_of) FROM runs n
        WHERE n.status = 'completed' AND n.as_of > r.as_of) AS until,
       (SELECT json_extract_string(cp.factors, '$.model') FROM contact_points cp
        WHERE cp.run_id = r.run_id LIMIT 1) AS model  -- one point's: every point has the run's
FROM runs r
WHERE r.run_id = $run_id;
