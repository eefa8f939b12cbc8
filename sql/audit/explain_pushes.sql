-- The pushes of run $run_id to the collections system's PostgreSQL (`pushes`, written by
-- flows/exports/push.py), oldest first: whether and when what explain shows reached the
-- collectors. The target is the masked URL push recorded.
SELECT target, started_at, ended_at, status, contacts, message
FROM pushes
WHERE run_id = $run_id
ORDER BY started_at, target;
