-- One page of the review queue of run $run_id: pairs held for review (role 'rejected': between
-- the review floor and the threshold, held by a guard such as uncorroborated_name_match or
-- generation_ambiguous, or outscored / tied for a record) that no reviewer has decided yet.
-- $decided lists 'account_id|rec_id' of decisions still waiting in the queue file.
-- Bankruptcy and death records come first:
-- an undecided one may be a stay or a death, and a possible one holds its account
-- (10_flags.sql), so these are the decisions that release or stop collection.
WITH items AS (
    -- undecided held pairs, and a same-name household member's bankruptcy case that holds the
    -- account as possible (an associate pair named by a *_possible flag, 10_flags.sql)
    SELECT m.account_id, m.rec_id, m.source, m.match_probability, m.match_weight, m.guard,
           m.run_id, m.role,
           s.kind IN ('bankruptcy', 'deceased') OR s.date_of_death IS NOT NULL
               OR s.bk_case_number IS NOT NULL OR s.bk_filing_date IS NOT NULL AS urgent,
           EXISTS (SELECT 1 FROM account_flags f
                   WHERE f.run_id = m.run_id AND f.account_id = m.account_id
                     AND f.flag IN ('bankruptcy_possible', 'deceased_possible')
                     AND list_contains(string_split(f.records, '; '),
                                       s.source || ':' || coalesce(s.record_id, CAST(s.rec_id AS VARCHAR)))) AS holds
    FROM match_pairs m
    JOIN source_records s ON s.rec_id = m.rec_id
    WHERE m.run_id = $run_id AND m.role IN ('rejected', 'associate') AND m.review_decision_id IS NULL
)
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
