-- A corrected re-delivery (replace=True): earlier loads of the same source + file name stop
-- being current. Their rows stay (lineage of past runs), the current_* views hide them.
-- superseded_by names the file that replaced them: a refused run puts them back (revert_run.sql).
UPDATE input_files SET status = 'superseded', superseded_by = $file_no
WHERE source = $source AND file_name = $file_name AND status = 'loaded';
