-- contact_support names the role of the point each row supports ('debtor' or 'third_party').
--
-- Migration 097 made each support row belong to the point of its own role, but the role was
-- read from a convention: resolve writes a third party's evidence as 'third_party:<evidence>'.
-- Seven readers (the lineage view, explain, the report's lineage gaps and per-source hits, both
-- import layouts, the outcomes' source judging) each re-derived it from that prefix, and anyone
-- querying the table directly had to know it or mix the debtor's support with a relative's at
-- the same address. The role is now a column, written by resolve (sql/resolve/09_write.sql) and
-- filled here for the rows written before, from the same prefix. The evidence text keeps its
-- prefix: it is what explain has always shown.
--
-- A run archived before this migration has no role in its Parquet file; flows/audit/archive.py
-- fills it from the prefix in the same way when it reads or restores the run.
--
-- Every row 'debtor', then the third parties' set from their prefix. In this order because
-- DuckDB cannot add the NOT NULL constraint after an UPDATE in the same transaction. A writer
-- that leaves the column out then fails instead of having its rows read as nobody's support.
ALTER TABLE contact_support ADD COLUMN IF NOT EXISTS role VARCHAR DEFAULT 'debtor';
ALTER TABLE contact_support ALTER COLUMN role SET NOT NULL;
ALTER TABLE contact_support ALTER COLUMN role DROP DEFAULT;
UPDATE contact_support SET role = 'third_party' WHERE starts_with(evidence, 'third_party');

-- 097's view, joined on the column.
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
      AND cs.role = cp.role
LEFT JOIN source_records sr ON sr.rec_id = cs.rec_id
LEFT JOIN acct_lines al ON cs.rec_id IS NULL AND al.file_no = cs.file_no AND al.account_id = cs.account_id
LEFT JOIN input_files f ON f.file_no = cs.file_no
LEFT JOIN match_pairs mp
       ON mp.run_id = cs.run_id AND mp.account_id = cs.account_id AND mp.rec_id = cs.rec_id
LEFT JOIN purged p ON p.file_no = cs.file_no;
