-- Is $run_id newer than $named, the run out/LATEST names (flows/exports/outputs.py
-- write_latest)? Newer by as-of date, then start (run id), as `skiptrace push` orders runs. No
-- row when the database does not know $named (LATEST is then replaced).
SELECT coalesce(m.as_of > n.as_of OR (m.as_of = n.as_of AND m.run_id > n.run_id),
                m.run_id > n.run_id) AS newer
FROM runs m, runs n
WHERE m.run_id = $run_id AND n.run_id = $named;
