-- Every review decision taken into the database for $account_id, newest first.
SELECT decision_id, rec_id, source, record_id, action, reason, decided_by, decided_at,
       imported_run_id, replaces_decision_id
FROM review_decisions
WHERE account_id = $account_id
ORDER BY decided_at DESC, decision_id DESC;
