-- Scored pairs that differ between run $original and its replay $replay (role, guard or
-- probability to 1e-9): when contacts differ, this says whether matching is why.
WITH o AS (
    SELECT account_id, rec_id, role, guard, round(match_probability, 9) AS p
    FROM match_pairs WHERE run_id = $original
),
r AS (
    SELECT account_id, rec_id, role, guard, round(match_probability, 9) AS p
    FROM match_pairs WHERE run_id = $replay
)
SELECT count(*) AS differences
FROM o FULL OUTER JOIN r ON o.account_id = r.account_id AND o.rec_id = r.rec_id
WHERE o.account_id IS NULL OR r.account_id IS NULL
   OR o.role IS DISTINCT FROM r.role OR o.guard IS DISTINCT FROM r.guard
   OR o.p IS DISTINCT FROM r.p;
