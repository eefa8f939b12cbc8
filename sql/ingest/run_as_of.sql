-- The as-of date of a run: ingest treats dates after it as field defects (future_date).
SELECT as_of FROM runs WHERE run_id = $run_id;
