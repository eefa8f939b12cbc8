-- The evidence behind each contact point, as contact_support stores it (09_write_support.sql
-- writes it range by range at the end of resolve). Only these columns of the evidence with its
-- keys (rs_evc: every evidence row, 45 columns, 3 GB at 1M accounts) and the point's key of
-- the representative spellings (rs_rep) are read after 07, so they are taken out here and
-- resolve.py drops rs_evc and rs_rep after 07: the finalize (08) and the write then no longer
-- run beside them under the memory limit.
CREATE OR REPLACE TEMP TABLE rs_support AS
SELECT e.account_id, e.contact_type, r.contact_key, e.rec_id, e.source, e.file_no,
       e.match_p AS match_probability,
       CASE WHEN e.role = 'third_party' THEN 'third_party:' || e.evidence ELSE e.evidence END AS evidence
FROM rs_evc e
JOIN rs_rep r ON r.pt = e.pt;  -- the point's integer key (06_keys.sql)
