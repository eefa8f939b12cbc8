-- A run's warnings in the order they were raised (run summary, report, artifacts).
SELECT stage, message
FROM run_warnings
WHERE run_id = $run_id
ORDER BY recorded_at, stage, message;
