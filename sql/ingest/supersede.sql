-- A corrected re-delivery (replace=True): earlier loads of the same source + file name stop
-- being current. Their rows stay (lineage of past runs), the current_* views hide them.
UPDATE input_files SET status = 'superseded'
WHERE source = ? AND file_name = ? AND status = 'loaded';
