-- Suppression decisions of $run_id by rule: contacts affected (whole-account rules count every
-- contact of the account) and accounts. A whole-account rule can fire on an account with no
-- contact point in the run (every current account is a rule subject): its left join yields a
-- row of NULLs, which is no contact, and a count of DISTINCT row values would count it as one.
SELECT
    s.rule, s.action, any_value(s.regulation) AS regulation,
    count(DISTINCT s.account_id) AS accounts,
    count(DISTINCT (c.account_id, c.contact_type, c.contact_key, c.role))
        FILTER (WHERE c.account_id IS NOT NULL) AS contacts
FROM suppressions s
LEFT JOIN contact_points c
  ON c.run_id = s.run_id AND c.account_id = s.account_id
 AND (s.contact_type IS NULL OR (c.contact_type = s.contact_type AND c.contact_key = s.contact_key
                                 -- the point it was decided for (migration 098)
                                 AND coalesce(s.role, c.role) = c.role))
WHERE s.run_id = $run_id
GROUP BY s.rule, s.action ORDER BY contacts DESC, s.rule;
