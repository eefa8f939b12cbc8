-- Warnings of this run's ingest (e.g. an optional source without a file), one row each.
INSERT INTO run_warnings (run_id, stage, message)
SELECT $run_id, $stage, unnest($messages::VARCHAR[]);
