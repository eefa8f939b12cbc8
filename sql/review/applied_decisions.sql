-- Ids of the decisions on $account_id that a completed run has taken in from the queue file:
-- the rest of the queue is still pending (a later decision there meets no earlier one here).
SELECT d.decision_id
FROM review_decisions d
JOIN runs r ON r.run_id = d.imported_run_id
WHERE d.account_id = $account_id AND r.status = 'completed';
