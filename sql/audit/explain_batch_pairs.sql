-- $account_id's stored pairs in $run_id with what a waterfall needs (matchers.explain.account_batch).
SELECT rec_id, levels, weights, role, guard
FROM match_pairs
WHERE run_id = $run_id AND account_id = $account_id;
