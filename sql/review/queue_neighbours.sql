-- The undecided queue items just before and after one pair (keys 'account_id|rec_id'), in the
-- queue's order: where j / k and "decide and go to the next" lead.
WITH q AS (
    SELECT m.account_id, m.rec_id,
           lag(m.account_id || '|' || m.rec_id) OVER w  AS prev_key,
           lead(m.account_id || '|' || m.rec_id) OVER w AS next_key
    FROM match_pairs m
    WHERE m.run_id = $run_id AND m.role = 'rejected' AND m.review_decision_id IS NULL
      AND (NOT list_contains($decided::VARCHAR[], m.account_id || '|' || m.rec_id)
           OR (m.account_id = $account_id AND m.rec_id = $rec_id))
    WINDOW w AS (ORDER BY m.match_probability DESC, m.account_id, m.rec_id)
)
SELECT prev_key, next_key FROM q WHERE account_id = $account_id AND rec_id = $rec_id;
