-- Contact points that differ between run $original and its replay $replay, into the temp
-- table replay_contact_diffs: missing from the replay, added by it, or changed in any column a
-- collector acts on. The `changed` slot is one `CASE WHEN o.<col> IS DISTINCT FROM r.<col> THEN
-- '<col>' END` per compared column, generated from contact_points' own columns minus the keys
-- and replay.NOT_COMPARED (run_id, and the explanation behind confidence), so a column added
-- later is compared without anyone remembering to. Confidence is compared to 1e-9.
CREATE OR REPLACE TEMP TABLE replay_contact_diffs AS
WITH o AS (
    SELECT * EXCLUDE ({{not_compared}}) REPLACE (round(confidence, 9) AS confidence)
    FROM contact_points WHERE run_id = $original
),
r AS (
    SELECT * EXCLUDE ({{not_compared}}) REPLACE (round(confidence, 9) AS confidence)
    FROM contact_points WHERE run_id = $replay
),
d AS (
    SELECT
        coalesce(o.account_id, r.account_id)     AS account_id,
        coalesce(o.contact_type, r.contact_type) AS contact_type,
        coalesce(o.contact_key, r.contact_key)   AS contact_key,
        coalesce(o.role, r.role)                 AS role,
        CASE WHEN r.account_id IS NULL THEN 'missing' WHEN o.account_id IS NULL THEN 'added'
             ELSE 'changed' END                  AS change,
        CASE WHEN o.account_id IS NULL OR r.account_id IS NULL THEN []::VARCHAR[]
             ELSE list_filter([{{changed}}]::VARCHAR[], lambda x: x IS NOT NULL) END AS fields,
        o AS original,
        r AS replay
    FROM o FULL OUTER JOIN r
      ON o.account_id = r.account_id AND o.contact_type = r.contact_type
     AND o.contact_key = r.contact_key AND o.role IS NOT DISTINCT FROM r.role
)
SELECT * FROM d
WHERE change <> 'changed' OR len(fields) > 0;
