-- Contacts the run no longer has: kept for the platform's history, but inactive and never
-- callable. Already retired rows are not touched again.
WITH gone AS (
    UPDATE skiptrace_contacts t
    SET active = false, callable = false, run_id = r.run_id, updated_at = now()
    FROM st_run r
    WHERE t.active
      AND NOT EXISTS (SELECT 1 FROM st_contacts s
                      WHERE s.account_id = t.account_id AND s.contact_type = t.contact_type
                        AND s.contact_key = t.contact_key)
    RETURNING 1
)
SELECT count(*) FROM gone;
