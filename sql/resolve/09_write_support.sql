-- Write the evidence behind the run's contact points (contact_support), for the accounts after
-- $after up to $upto (NULL: open end): one chunk of 09_write_chunks.sql, after
-- 09_write_clear.sql. It needs the evidence with its point keys (rs_evc) and the points'
-- representative keys (rs_rep) and nothing that scoring computes, so resolve.py writes it right
-- after 06_clusters.sql: rs_evc (every evidence row: 3 GB at 1M accounts) is then dropped after
-- 07 and is no longer alive beside rs_final while 08 and the contact points' write run.

INSERT INTO contact_support BY NAME
SELECT $run_id AS run_id, e.account_id, e.contact_type, r.contact_key,
       e.rec_id, e.source, e.file_no, e.match_p AS match_probability,
       CASE WHEN e.role = 'third_party' THEN 'third_party:' || e.evidence ELSE e.evidence END AS evidence
FROM rs_evc e
JOIN rs_rep r ON r.pt = e.pt  -- the point's integer key (06_clusters.sql)
WHERE (CAST($after AS VARCHAR) IS NULL OR e.account_id > CAST($after AS VARCHAR))
  AND (CAST($upto AS VARCHAR) IS NULL OR e.account_id <= CAST($upto AS VARCHAR))
  AND (CAST($after AS VARCHAR) IS NULL OR r.account_id > CAST($after AS VARCHAR))
  AND (CAST($upto AS VARCHAR) IS NULL OR r.account_id <= CAST($upto AS VARCHAR))
ORDER BY e.account_id;  -- clustered by account, as contact_points
