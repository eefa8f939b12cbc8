-- contact_lineage joins each support row to the contact point of its own role.
--
-- A key can be held by two points of one account: the debtor's address and a relative's
-- reported at the same address, or a line the debtor shares with a relative. Resolve writes the
-- support of a third party's point as 'third_party:<evidence>' (sql/resolve/09_write.sql, since
-- the first version), so a support row's role is known. Joined on the key alone (008), each of
-- the two points showed the other's support too: the debtor's address explained by the
-- relative's record. The view is 008's with that one condition added; contact_lineage_gaps reads
-- it unchanged. sql/audit/explain_support.sql and sql/report/report_totals.sql keep in step.
CREATE OR REPLACE VIEW contact_lineage AS
WITH acct_lines AS (
    SELECT file_no, account_id, min(line_no) AS line_no FROM accounts GROUP BY file_no, account_id
),
purged AS (SELECT file_no, max(purged_at) AS purged_at FROM purge_log GROUP BY file_no)
SELECT
    cp.run_id,
    cp.account_id,
    cp.contact_type,
    cp.contact_key,
    cp.role,
    cp.rank,
    cp.status,
    cp.confidence,
    cs.rec_id,
    cs.source,
    cs.file_no,
    cs.evidence,
    cs.match_probability                         AS support_probability,
    -- the source's record id; else (account line, or a purged record) '<file name>:<line>'
    coalesce(sr.record_id, f.file_name || ':' || coalesce(al.line_no, cs.rec_id % 10000000000))
                                                 AS record_id,
    coalesce(sr.line_no, al.line_no, cs.rec_id % 10000000000) AS line_no,
    f.kind                                       AS file_kind,
    f.file_name,
    f.sha256,
    f.received_at,
    f.loaded_at,
    f.permissible_purpose,
    f.reliability,
    mp.match_probability,
    mp.match_weight,
    mp.role                                      AS match_role,
    mp.guard,
    cs.run_id IS NOT NULL                        AS supported,
    f.file_no IS NOT NULL                        AS file_found,
    (sr.rec_id IS NOT NULL OR (cs.rec_id IS NULL AND al.line_no IS NOT NULL)
        OR (p.purged_at IS NOT NULL AND cs.file_no IS NOT NULL)) AS record_found,
    p.purged_at
FROM contact_points cp
LEFT JOIN contact_support cs
       ON cs.run_id = cp.run_id AND cs.account_id = cp.account_id
      AND cs.contact_type = cp.contact_type AND cs.contact_key = cp.contact_key
      AND starts_with(coalesce(cs.evidence, ''), 'third_party') = (cp.role = 'third_party')
LEFT JOIN source_records sr ON sr.rec_id = cs.rec_id
LEFT JOIN acct_lines al ON cs.rec_id IS NULL AND al.file_no = cs.file_no AND al.account_id = cs.account_id
LEFT JOIN input_files f ON f.file_no = cs.file_no
LEFT JOIN match_pairs mp
       ON mp.run_id = cs.run_id AND mp.account_id = cs.account_id AND mp.rec_id = cs.rec_id
LEFT JOIN purged p ON p.file_no = cs.file_no;
