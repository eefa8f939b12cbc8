-- Every scored candidate record of $account_id in $run_id (debtor, associate and rejected),
-- with the record's source file: the evidence behind links and behind refusals to link. The
-- file's last use and purge (input_file_usage) are added by the caller, read once per run.
SELECT
    m.rec_id, m.source, m.match_weight, m.match_probability, m.role, m.guard,
    m.levels, m.weights,
    -- the source's record id; once the raw record is purged, '<file name>:<line>'
    coalesce(r.record_id, f.file_name || ':' || (m.rec_id % 10000000000)) AS record_id,
    coalesce(r.kind, f.kind) AS kind, m.rec_id % 10000000000 AS line_no, f.file_no,
    f.file_name, f.sha256, f.received_at, f.permissible_purpose, f.reliability
FROM match_pairs m
LEFT JOIN source_records r ON r.rec_id = m.rec_id
LEFT JOIN input_files f ON f.file_no = m.rec_id // 10000000000  -- rec_id = file_no * 10^10 + line
WHERE m.run_id = $run_id AND m.account_id = $account_id
ORDER BY CASE m.role WHEN 'debtor' THEN 0 WHEN 'associate' THEN 1 ELSE 2 END,
         m.match_probability DESC, m.rec_id;
