-- Every supporting record of $account_id's contacts in $run_id, with its file: the rows of the
-- contact_lineage view (099) that have support, read from its tables with the account filter
-- on each, so no step aggregates or scans another account's rows (the view groups every
-- account's lines first). Keep the expressions in step with the view. The file's last use
-- (input_file_usage) is added by the caller, which reads it once per run.
WITH cp AS (
    SELECT run_id, account_id, contact_type, contact_key, role
    FROM contact_points
    WHERE run_id = $run_id AND account_id = $account_id
),
cs AS (
    SELECT * FROM contact_support WHERE run_id = $run_id AND account_id = $account_id
),
acct_lines AS (
    SELECT file_no, account_id, min(line_no) AS line_no
    FROM accounts
    WHERE account_id = $account_id
    GROUP BY file_no, account_id
),
purged AS (SELECT file_no, max(purged_at) AS purged_at FROM purge_log GROUP BY file_no)
SELECT
    cp.contact_type, cp.contact_key, cp.role, cs.rec_id,
    coalesce(sr.record_id, f.file_name || ':' || coalesce(al.line_no, cs.rec_id % 10000000000))
        AS record_id,
    coalesce(sr.line_no, al.line_no, cs.rec_id % 10000000000) AS line_no,
    cs.source, cs.file_no, cs.evidence,
    coalesce(cs.match_probability, mp.match_probability) AS match_probability,
    mp.role AS match_role, mp.guard,
    -- the record's own match against the account: an NCOA family move of another household
    -- member supports a forward at the family rule's probability, not at this one
    mp.match_probability AS pair_probability,
    -- a USPS move: its type, effective date, filer and old address (explain names them)
    sr.move_type, sr.move_effective_date, sr.full_name AS rec_full_name,
    sr.first_name AS rec_first_name, sr.last_name AS rec_last_name,
    sr.address_line1 AS rec_address_line1, sr.address_line2 AS rec_address_line2,
    sr.city AS rec_city, sr.state AS rec_state, sr.zip AS rec_zip,
    f.kind AS file_kind, f.file_name, f.sha256, f.received_at,
    f.permissible_purpose, f.reliability,
    f.file_no IS NOT NULL AS file_found,
    (sr.rec_id IS NOT NULL OR (cs.rec_id IS NULL AND al.line_no IS NOT NULL)
        OR (p.purged_at IS NOT NULL AND cs.file_no IS NOT NULL)) AS record_found,
    p.purged_at
FROM cp
JOIN cs ON cs.contact_type = cp.contact_type AND cs.contact_key = cp.contact_key
       AND cs.role = cp.role  -- each support row to the point of its role (migration 099)
LEFT JOIN source_records sr ON sr.rec_id = cs.rec_id
LEFT JOIN acct_lines al ON cs.rec_id IS NULL AND al.file_no = cs.file_no
LEFT JOIN input_files f ON f.file_no = cs.file_no
LEFT JOIN match_pairs mp
       ON mp.run_id = $run_id AND mp.account_id = $account_id AND mp.rec_id = cs.rec_id
LEFT JOIN purged p ON p.file_no = cs.file_no
-- after the view's order: one record supporting a key as the debtor's and as a third party's
-- (a relative's number) lists the debtor evidence first; the view left that tie unordered
ORDER BY cp.contact_type, cp.contact_key, match_probability DESC NULLS LAST, cs.rec_id, cp.role,
         cs.evidence, cs.file_no;
