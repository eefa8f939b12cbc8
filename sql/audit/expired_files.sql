-- Input files last used before $cutoff and not purged yet (retention: Reg F record keeping).
SELECT f.file_no, f.source, f.file_name, f.sha256, u.last_used_run, u.last_used_at
FROM input_files f JOIN input_file_usage u USING (file_no)
WHERE u.purged_at IS NULL AND (u.last_used_at IS NULL OR u.last_used_at < $cutoff)
ORDER BY f.file_no;
