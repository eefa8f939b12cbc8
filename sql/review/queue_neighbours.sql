-- The undecided queue items just before and after one pair (keys 'account_id|rec_id'), in the
-- queue's order (queue.sql: bankruptcy and death records first): where j / k and "decide and
-- go to the next" lead.
WITH items AS (SELECT * FROM review_queue_items($run_id)),
q AS (
    SELECT i.account_id, i.rec_id,
           lag(i.account_id || '|' || i.rec_id) OVER w  AS prev_key,
           lead(i.account_id || '|' || i.rec_id) OVER w AS next_key
    FROM items i
    WHERE (i.role = 'rejected' OR i.holds)
      AND (NOT list_contains($decided::VARCHAR[], i.account_id || '|' || i.rec_id)
           OR (i.account_id = $account_id AND i.rec_id = $rec_id))
    WINDOW w AS (ORDER BY i.urgent DESC, i.match_probability DESC, i.account_id, i.rec_id)
)
SELECT prev_key, next_key FROM q WHERE account_id = $account_id AND rec_id = $rec_id;
