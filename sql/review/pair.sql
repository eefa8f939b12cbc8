-- One stored pair of run $run_id with its review decision, if any.
SELECT m.account_id, m.rec_id, m.source, m.match_probability, m.match_weight, m.role, m.guard,
       m.review_decision_id, d.action AS review_action, d.decided_by, d.decided_at, d.reason,
       d.imported_run_id, d.replaces_decision_id,
       c.outcome AS conflict
FROM match_pairs m
LEFT JOIN review_decisions d ON d.decision_id = m.review_decision_id
LEFT JOIN match_conflicts c
       ON c.run_id = m.run_id AND c.account_id = m.account_id AND c.rec_id = m.rec_id
WHERE m.run_id = $run_id AND m.account_id = $account_id AND m.rec_id = $rec_id;
