-- The latest run that resolve recorded (bench/resolve_equivalence.py re-resolves it in full).
SELECT r.run_id, r.as_of, i.mode
FROM runs r
JOIN resolve_increments i USING (run_id)
ORDER BY r.run_id DESC
LIMIT 1;
