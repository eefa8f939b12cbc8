-- The exports of run $run_id, in the order they were written: the files manifest.json lists.
SELECT kind, path, sha256, rows
FROM exports
WHERE run_id = $run_id
ORDER BY written_at, path;
