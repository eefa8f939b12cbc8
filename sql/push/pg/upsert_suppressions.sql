-- Suppression decisions of the run; unchanged rows untouched, lifted ones made inactive.
-- Only for the accounts the run speaks for (a staged contact, flag or suppression): an account
-- the run does not have keeps its decisions, so a cease-and-desist, a bankruptcy stay or a
-- death hold is never lifted because rows are missing. Returns the rows written, the rows made
-- inactive, and of those the holds lifted: decisions that did something (not a `note`) with no
-- staged decision of the same rule on the same contact left (a decision written again under
-- its role, schema version 2, is not lifted), and their rules.
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
      AND (EXISTS (SELECT 1 FROM st_contacts s WHERE s.account_id = t.account_id)
           OR EXISTS (SELECT 1 FROM st_flags s WHERE s.account_id = t.account_id)
           OR EXISTS (SELECT 1 FROM st_suppressions s WHERE s.account_id = t.account_id))
    RETURNING t.account_id, t.contact_type, t.contact_key, t.rule, t.action
),
lifted AS (
    SELECT g.rule FROM gone g
    WHERE g.action <> 'note'
      AND NOT EXISTS (SELECT 1 FROM st_suppressions s
                      WHERE s.account_id = g.account_id AND s.contact_type = g.contact_type
                        AND s.contact_key = g.contact_key AND s.rule = g.rule)
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone), (SELECT count(*) FROM lifted),
       (SELECT string_agg(rule || ' ' || n, ', ' ORDER BY n DESC, rule)
        FROM (SELECT rule, count(*) AS n FROM lifted GROUP BY rule) x);
