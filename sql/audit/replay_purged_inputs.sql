-- The files of run $run_id's recorded input set whose raw rows the retention purge removed:
-- name, when loaded and when purged, by name (replay cannot re-derive the run without them).
SELECT coalesce(f.file_name, any_value(p.file_name)) AS file_name, f.loaded_at,
       max(p.purged_at) AS purged_at, i.file_no
FROM run_inputs i
JOIN purge_log p USING (file_no)
LEFT JOIN input_files f USING (file_no)
WHERE i.run_id = $run_id
GROUP BY i.file_no, f.file_name, f.loaded_at
ORDER BY file_name, f.loaded_at, i.file_no;
