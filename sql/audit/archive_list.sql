-- Archived runs (`skiptrace archive --list`), oldest first: what was moved, when, and where
-- (path relative to <db>.archive/; flows/audit/archive.py resolves it).
SELECT a.run_id, r.as_of, r.status, a.rows,
       round((SELECT sum(CAST(json_extract(a.tables, '$.' || t || '.bytes') AS BIGINT))
              FROM unnest(json_keys(a.tables)) AS k(t)) / 1048576.0, 1) AS mib,
       a.archived_at, a.path
FROM run_archives a
LEFT JOIN runs r USING (run_id)
ORDER BY a.run_id;
