-- One page of the review queue of run $run_id: pairs held for review (role 'rejected': between
-- the review floor and the threshold, held by a guard such as uncorroborated_name_match or
-- generation_ambiguous, or outscored / tied for a record) that no reviewer has decided yet.
-- $decided lists 'account_id|rec_id' of decisions still waiting in the queue file.
-- Bankruptcy and death records come first:
-- an undecided one may be a stay or a death, and a possible one holds its account
-- (10_flags.sql), so these are the decisions that release or stop collection.
WITH items AS (SELECT * FROM review_queue_items($run_id))
SELECT i.account_id, i.rec_id, i.source, i.match_probability, i.match_weight, i.guard,
       c.outcome AS conflict, i.urgent, i.holds,
       count(*) OVER () AS total
FROM items i
LEFT JOIN match_conflicts c
       ON c.run_id = i.run_id AND c.account_id = i.account_id AND c.rec_id = i.rec_id
WHERE (i.role = 'rejected' OR i.holds)
  AND NOT list_contains($decided::VARCHAR[], i.account_id || '|' || i.rec_id)
ORDER BY i.urgent DESC, i.match_probability DESC, i.account_id, i.rec_id
LIMIT $limit OFFSET $offset;
