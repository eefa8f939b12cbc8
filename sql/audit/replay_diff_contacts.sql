-- Contact points that differ between run $original and its replay $replay: missing from the
-- replay, added by it, or changed in rank, confidence (to 1e-9) or status.
WITH o AS (
    SELECT account_id, contact_type, contact_key, role, rank, round(confidence, 9) AS confidence, status
    FROM contact_points WHERE run_id = $original
),
r AS (
    SELECT account_id, contact_type, contact_key, role, rank, round(confidence, 9) AS confidence, status
    FROM contact_points WHERE run_id = $replay
)
SELECT
    coalesce(o.account_id, r.account_id)     AS account_id,
    coalesce(o.contact_type, r.contact_type) AS contact_type,
    coalesce(o.contact_key, r.contact_key)   AS contact_key,
    coalesce(o.role, r.role)                 AS role,
    CASE WHEN r.account_id IS NULL THEN 'missing' WHEN o.account_id IS NULL THEN 'added'
         ELSE 'changed' END                  AS change,
    o.rank AS rank_original, r.rank AS rank_replay,
    o.confidence AS confidence_original, r.confidence AS confidence_replay,
    o.status AS status_original, r.status AS status_replay
FROM o FULL OUTER JOIN r
  ON o.account_id = r.account_id AND o.contact_type = r.contact_type
 AND o.contact_key = r.contact_key AND o.role IS NOT DISTINCT FROM r.role
WHERE o.account_id IS NULL OR r.account_id IS NULL
   OR o.rank IS DISTINCT FROM r.rank
   OR o.confidence IS DISTINCT FROM r.confidence
   OR o.status IS DISTINCT FROM r.status
ORDER BY account_id, contact_type, role, contact_key;
