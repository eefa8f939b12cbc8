-- One page of the review queue of run $run_id: pairs held for review (role 'rejected': between
-- the review floor and the threshold, held by a guard such as uncorroborated_name_match or
-- generation_ambiguous, or outscored / tied for a record) that no reviewer has decided yet.
-- $decided lists 'account_id|rec_id' of decisions still waiting in the queue file.
SELECT
    m.account_id, m.rec_id, m.source, m.match_probability, m.match_weight, m.guard,
    c.outcome AS conflict,
    count(*) OVER () AS total
FROM match_pairs m
LEFT JOIN match_conflicts c
       ON c.run_id = m.run_id AND c.account_id = m.account_id AND c.rec_id = m.rec_id
WHERE m.run_id = $run_id
  AND m.role = 'rejected'
  AND m.review_decision_id IS NULL
  AND NOT list_contains($decided::VARCHAR[], m.account_id || '|' || m.rec_id)
ORDER BY m.match_probability DESC, m.account_id, m.rec_id
LIMIT $limit OFFSET $offset;
