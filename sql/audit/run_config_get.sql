-- The configuration file of one kind ('rules' | 'sources' | 'profile') a run recorded
-- (run_config_files, migration 106); no row for a run from before it.
SELECT * FROM run_config_files WHERE run_id = $run_id AND kind = $kind
