-- Every completed run, newest (by end) first, with whether it holds $account_id (contacts,
-- matches or flags, as latest_run_for_account.sql asks; NULL for an archived run, whose rows
-- are in its files and are not searched) and when it was first pushed (`explain --runs`).
SELECT
    r.run_id, r.as_of, r.started_at, r.ended_at,
    a.run_id IS NOT NULL AS archived,
    CASE WHEN a.run_id IS NOT NULL THEN NULL
         ELSE EXISTS (SELECT 1 FROM contact_points c WHERE c.run_id = r.run_id AND c.account_id = $account_id)
           OR EXISTS (SELECT 1 FROM match_pairs m WHERE m.run_id = r.run_id AND m.account_id = $account_id)
           OR EXISTS (SELECT 1 FROM account_flags f WHERE f.run_id = r.run_id AND f.account_id = $account_id)
    END AS holds,
    (SELECT min(p.ended_at) FROM pushes p
     WHERE p.run_id = r.run_id AND p.status = 'completed') AS first_pushed_at
FROM runs r
LEFT JOIN (SELECT DISTINCT run_id FROM run_archives) a USING (run_id)
WHERE r.status = 'completed'
ORDER BY r.ended_at DESC NULLS LAST, r.run_id DESC;
