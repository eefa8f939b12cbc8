-- $account_id's account-export row as of a run ($file_nos: the run's input files), from the
-- newest file that has it, with that file's identity (its last use and purge, from
-- input_file_usage, are added by the caller).
SELECT a.*, f.file_name, f.sha256, f.received_at, f.permissible_purpose, f.reliability
FROM accounts a
JOIN input_files f USING (file_no)
WHERE a.account_id = $account_id AND list_contains($file_nos::BIGINT[], a.file_no)
ORDER BY a.file_no DESC, a.line_no DESC
LIMIT 1;
