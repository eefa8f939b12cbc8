-- Every supporting record of $account_id's contacts in $run_id, with its file and retention.
SELECT
    l.contact_type, l.contact_key, l.role, l.rec_id, l.record_id, l.line_no, l.source, l.file_no,
    l.evidence, coalesce(l.support_probability, l.match_probability) AS match_probability,
    l.match_role, l.guard, l.file_kind, l.file_name, l.sha256, l.received_at,
    l.permissible_purpose, l.reliability, l.file_found, l.record_found, l.purged_at,
    u.last_used_run, u.last_used_at
FROM contact_lineage l
LEFT JOIN input_file_usage u USING (file_no)
WHERE l.run_id = $run_id AND l.account_id = $account_id AND l.supported
ORDER BY l.contact_type, l.contact_key, match_probability DESC NULLS LAST, l.rec_id;
