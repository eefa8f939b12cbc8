-- The undecided queue items just before and after one pair (keys 'account_id|rec_id'), in the
-- queue's order (queue.sql: bankruptcy and death records first): where j / k and "decide and
-- go to the next" lead.
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
),
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
