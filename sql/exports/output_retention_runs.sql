-- Runs whose output folders the output retention looks at (flows/exports/outputs.py): every
-- archived run plus $run_ids (a dry run's candidates), with the output root and inbox root each
-- recorded (runs.params) and the folders its exports were written to. `db`: the database the
-- run was given (runs.params, as given: a relative one is read from the working directory), by
-- which a folder written before folders recorded their database is this database's or not.
-- `latest`: the newest completed run, whose folder out/LATEST names. `push_pending`: the
-- database records a push, and this completed run is newer than the newest run pushed, so the
-- push has not taken it yet.
WITH latest AS (
    SELECT run_id FROM runs WHERE status = 'completed'
    ORDER BY as_of DESC NULLS LAST, run_id DESC LIMIT 1  -- (as_of, run_id): not a backfill
),
pushed AS (SELECT max(run_id) AS run_id FROM pushes WHERE status = 'completed'),
wanted AS (
    SELECT run_id FROM run_archives
    UNION SELECT unnest($run_ids::VARCHAR[])
)
SELECT
    r.run_id,
    r.status,
    json_extract_string(r.params, '$.out')   AS out,
    json_extract_string(r.params, '$.inbox') AS inbox,
    json_extract_string(r.params, '$.db')    AS db,
    (SELECT list(DISTINCT e.path) FROM exports e WHERE e.run_id = r.run_id) AS export_paths,
    coalesce(r.run_id = (SELECT run_id FROM latest), false) AS latest,
    coalesce(r.status = 'completed' AND r.run_id > (SELECT run_id FROM pushed), false)
        AS push_pending
FROM runs r
WHERE r.run_id IN (SELECT run_id FROM wanted)
ORDER BY r.run_id;
