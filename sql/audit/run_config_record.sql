-- Record a configuration file $kind that run $run_id read (migration 106), replacing the row a
-- retried stage wrote before.
DELETE FROM run_config_files WHERE run_id = $run_id AND kind = $kind;
INSERT INTO run_config_files (run_id, kind, given, path, shipped, sha256, content, recorded_at)
VALUES ($run_id, $kind, $given, $path, $shipped, $sha256, $content, $recorded_at);
