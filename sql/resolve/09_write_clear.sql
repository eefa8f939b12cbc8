-- Replace an earlier attempt of the same run, so a retried task is idempotent (09_write.sql
-- then appends the run's rows chunk by chunk), and record the names of the run's model inputs:
-- contact_points.model_inputs holds one value per name, in this order.
DELETE FROM contact_points WHERE run_id = $run_id;
DELETE FROM contact_support WHERE run_id = $run_id;
DELETE FROM run_support_files WHERE run_id = $run_id;
DELETE FROM run_model_inputs WHERE run_id = $run_id;
INSERT INTO run_model_inputs (run_id, names) VALUES ($run_id, CAST($input_names AS VARCHAR[]));
