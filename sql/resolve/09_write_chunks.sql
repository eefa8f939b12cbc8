-- The last account id of each write chunk: consecutive account ranges holding about
-- $chunk_rows contact points each. Writing the run's rows one account range at a time, each
-- range sorted by account_id, stores them in the same order as one ORDER BY over the whole run
-- (the ranges are ascending and disjoint), but each sort holds one range's wide rows (the
-- factors JSON and reasons are ~1 KB a row): at 1M accounts one sort of every row spilled under
-- the memory limit.
WITH per_account AS (
    SELECT account_id, count(*) AS n FROM rs_final GROUP BY account_id
),
running AS (
    SELECT account_id, sum(n) OVER (ORDER BY account_id ROWS UNBOUNDED PRECEDING) AS upto_rows
    FROM per_account
)
SELECT max(account_id) AS upto
FROM running
GROUP BY (upto_rows - 1) // CAST($chunk_rows AS BIGINT)
ORDER BY upto;
