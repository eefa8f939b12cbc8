-- review_queue_items(rid), rid a run id: the review queue's items, read by queue.sql (a page) and
-- queue_neighbours.sql (where "next" leads), so both list the same pairs in the same order:
-- undecided held pairs, and a same-name household member's bankruptcy case that holds the
-- account as possible (an associate pair named by a *_possible flag, 10_flags.sql); urgent =
-- a bankruptcy or death record (listed first), a record whose date of death or bankruptcy date
-- ingest nulled as after its own report date included (the record lists it: unused_dates,
-- migration 121): resolve still reads it as a death claim or a case (a bankruptcy date can only
-- come from a bankruptcy source, urgent by its kind too).
CREATE OR REPLACE TEMP MACRO review_queue_items(rid) AS TABLE
SELECT m.account_id, m.rec_id, m.source, m.match_probability, m.match_weight, m.guard,
       m.run_id, m.role,
       s.kind IN ('bankruptcy', 'deceased') OR s.date_of_death IS NOT NULL
           OR s.bk_case_number IS NOT NULL OR s.bk_filing_date IS NOT NULL
           OR coalesce(list_bool_or(list_transform(s.unused_dates,
                                                   lambda nu: nu.reason = 'after_record_date')), false)
           AS urgent,
       EXISTS (SELECT 1 FROM account_flags f
               WHERE f.run_id = m.run_id AND f.account_id = m.account_id
                 AND f.flag IN ('bankruptcy_possible', 'deceased_possible')
                 AND list_contains(string_split(f.records, '; '),
                                   s.source || ':' || coalesce(s.record_id, CAST(s.rec_id AS VARCHAR)))) AS holds
FROM match_pairs m
JOIN source_records s ON s.rec_id = m.rec_id
WHERE m.run_id = rid AND m.role IN ('rejected', 'associate') AND m.review_decision_id IS NULL;
