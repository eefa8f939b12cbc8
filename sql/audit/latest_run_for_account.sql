-- The latest completed run that holds $account_id in its contacts or matches (explain's default).
SELECT r.run_id
FROM runs r
WHERE r.status = 'completed'
  AND (EXISTS (SELECT 1 FROM contact_points c WHERE c.run_id = r.run_id AND c.account_id = $account_id)
       OR EXISTS (SELECT 1 FROM match_pairs m WHERE m.run_id = r.run_id AND m.account_id = $account_id)
       OR EXISTS (SELECT 1 FROM account_flags a WHERE a.run_id = r.run_id AND a.account_id = $account_id))
ORDER BY r.run_id DESC
LIMIT 1;
