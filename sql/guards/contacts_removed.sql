-- Contact points of the previous completed run ($prev_run_id) that run $run_id no longer has:
-- exactly the rows delta.csv would mark 'removed' (same key as sql/resolve/export_delta.sql).
WITH cur AS (
    SELECT DISTINCT account_id, contact_type, role, contact_key
    FROM contact_points WHERE run_id = $run_id
),
prev AS (
    SELECT DISTINCT account_id, contact_type, role, contact_key
    FROM contact_points WHERE run_id = $prev_run_id
)
SELECT count(*) AS previous, count(*) FILTER (WHERE cur.account_id IS NULL) AS removed
FROM prev LEFT JOIN cur USING (account_id, contact_type, role, contact_key);
