-- Suppression decisions of the run; unchanged rows untouched, lifted ones made inactive.
WITH up AS (
    INSERT INTO skiptrace_suppressions AS t (account_id, contact_type, contact_key, role, rule,
                                             action, reason, regulation, active, run_id,
                                             updated_at)
    SELECT s.account_id, s.contact_type, s.contact_key, s.role, s.rule, s.action, s.reason,
           s.regulation, true, r.run_id, now()
    FROM st_suppressions s CROSS JOIN st_run r
    ON CONFLICT (account_id, contact_type, contact_key, role, rule) DO UPDATE SET
        action = EXCLUDED.action, reason = EXCLUDED.reason, regulation = EXCLUDED.regulation,
        active = true, run_id = EXCLUDED.run_id, updated_at = now()
    WHERE (t.action, t.reason, t.regulation, t.active)
          IS DISTINCT FROM (EXCLUDED.action, EXCLUDED.reason, EXCLUDED.regulation, true)
    RETURNING 1
),
gone AS (
    UPDATE skiptrace_suppressions t SET active = false, run_id = r.run_id, updated_at = now()
    FROM st_run r
    WHERE t.active
      AND NOT EXISTS (SELECT 1 FROM st_suppressions s
                      WHERE s.account_id = t.account_id AND s.contact_type = t.contact_type
                        AND s.contact_key = t.contact_key AND s.role = t.role
                        AND s.rule = t.rule)
    RETURNING 1
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone);
