-- Replace an earlier attempt of the same run, so a retried task is idempotent (09_write.sql
-- then appends the run's rows chunk by chunk).
DELETE FROM contact_points WHERE run_id = $run_id;
DELETE FROM contact_support WHERE run_id = $run_id;
