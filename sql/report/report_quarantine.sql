-- Rows quarantined while $run_id ingested, by reason (most frequent first).
SELECT reason, count(*) AS rows, count(DISTINCT file_no) AS files
FROM quarantine WHERE run_id = $run_id
GROUP BY reason ORDER BY rows DESC, reason;
