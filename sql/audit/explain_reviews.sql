-- Review decisions that set the role of $account_id's pairs in $run_id (migration 028): who
-- decided, when, what and why. A pair demoted because another account was approved for its
-- record names that decision too.
SELECT m.rec_id, d.decision_id, d.action, d.decided_by, d.decided_at, d.reason, d.account_id
FROM match_pairs m
JOIN review_decisions d ON d.decision_id = m.review_decision_id
WHERE m.run_id = $run_id AND m.account_id = $account_id;
