-- A run refused by a safety check changes nothing: the files it loaded become 'refused' (their
-- rows and quarantine stay, for `skiptrace rejects` and lineage; the current_* views hide them)
-- and the files they superseded are current again. Delivering a refused file again loads it
-- again (only 'loaded' files are matched by checksum or name). The run's own files first: one
-- that a later file of the same run superseded is loaded again, then refused with the others.
UPDATE input_files SET status = 'loaded', superseded_by = NULL
WHERE status = 'superseded'
  AND superseded_by IN (SELECT file_no FROM input_files WHERE run_id = $run_id);

UPDATE input_files SET status = 'refused', superseded_by = NULL
WHERE run_id = $run_id AND status = 'loaded';
