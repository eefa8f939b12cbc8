-- $account_id's records that other accounts also claimed in $run_id (matchers.explain.account_batch).
SELECT rec_id, outcome
FROM match_conflicts
WHERE run_id = $run_id AND account_id = $account_id;
