-- Account flags of the run; unchanged rows untouched, flags the run dropped made inactive.
-- Only for the accounts the run speaks for (a staged contact, flag or suppression): an account
-- the run does not have keeps its flags (a deceased or bankruptcy flag is not lifted because
-- rows are missing; its contacts are retired, never callable, all the same). Returns the rows
-- written and the flags lifted.
WITH up AS (
    INSERT INTO skiptrace_flags AS t (account_id, flag, confidence, evidence, active, run_id,
                                      updated_at)
    SELECT s.account_id, s.flag, s.confidence, s.evidence, true, r.run_id, now()
    FROM st_flags s CROSS JOIN st_run r
    ON CONFLICT (account_id, flag) DO UPDATE SET
        confidence = EXCLUDED.confidence, evidence = EXCLUDED.evidence, active = true,
        run_id = EXCLUDED.run_id, updated_at = now()
    WHERE (t.confidence, t.evidence, t.active)
          IS DISTINCT FROM (EXCLUDED.confidence, EXCLUDED.evidence, true)
    RETURNING 1
),
gone AS (
    UPDATE skiptrace_flags t SET active = false, run_id = r.run_id, updated_at = now()
    FROM st_run r
    WHERE t.active
      AND NOT EXISTS (SELECT 1 FROM st_flags s
                      WHERE s.account_id = t.account_id AND s.flag = t.flag)
      AND (EXISTS (SELECT 1 FROM st_contacts s WHERE s.account_id = t.account_id)
           OR EXISTS (SELECT 1 FROM st_flags s WHERE s.account_id = t.account_id)
           OR EXISTS (SELECT 1 FROM st_suppressions s WHERE s.account_id = t.account_id))
    RETURNING 1
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone);
