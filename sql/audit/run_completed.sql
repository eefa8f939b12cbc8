-- Whether run $run_id is recorded completed (no row: it is unknown): a signal that came after
-- that is said as such, the run left completed (flows/orchestration/refresh.py,
-- _signal_after_completion).
SELECT status = 'completed' AS completed FROM runs WHERE run_id = $run_id;
