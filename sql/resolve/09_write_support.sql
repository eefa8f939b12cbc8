-- Write the evidence behind the run's contact points (contact_support, from 06_support.sql),
-- for the accounts after $after up to $upto (NULL: open end): one chunk of 09_write_chunks.sql,
-- after that chunk's contact points (09_write.sql).
INSERT INTO contact_support BY NAME
SELECT $run_id AS run_id, *
FROM rs_support
WHERE (CAST($after AS VARCHAR) IS NULL OR account_id > CAST($after AS VARCHAR))
  AND (CAST($upto AS VARCHAR) IS NULL OR account_id <= CAST($upto AS VARCHAR))
ORDER BY account_id;  -- clustered by account, as contact_points
