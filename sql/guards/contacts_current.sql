-- Contact points of run $run_id, keyed as delta.csv keys them (sql/guards/contacts_removed.sql).
SELECT count(*) AS n FROM (
    SELECT DISTINCT account_id, contact_type, role, contact_key
    FROM contact_points WHERE run_id = $run_id
);
