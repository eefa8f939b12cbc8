-- When $account_id's account-export row is gone from a run's input files ($file_nos): the
-- account file of them whose raw rows the retention purge removed, and when (the file the
-- account's own contact support cites, $cited, first; else the newest). explain then says the
-- debtor's details were purged instead of showing nothing.
SELECT f.file_no, f.file_name, f.sha256, f.received_at, f.permissible_purpose, f.reliability,
       max(p.purged_at) AS purged_at
FROM input_files f
JOIN purge_log p USING (file_no)
WHERE list_contains($file_nos::BIGINT[], f.file_no) AND f.kind = 'accounts'
GROUP BY f.file_no, f.file_name, f.sha256, f.received_at, f.permissible_purpose, f.reliability
ORDER BY list_contains($cited::BIGINT[], f.file_no) DESC, f.file_no DESC
LIMIT 1;
