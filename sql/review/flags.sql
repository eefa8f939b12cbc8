-- What a person must look at in run $run_id, one row per item (kind):
-- * 'disputed': a flag named '*_disputed' (e.g. deceased_disputed: a death record the account's
--   own data contradicts), or one whose name says held ('held' / 'hold'), with its evidence;
-- * 'hold': an account on which a suppression rule with action 'hold' fired (sql/suppress,
--   matchers/rules/default_rules.yml: deceased_unverified, deceased_disputed, bankruptcy_stay,
--   dispute ...), with the rule, its reason and the account's flags of the run as evidence.
--   Found by the action, not by flag names: deceased_unverified holds accounts whose flag is
--   plain 'deceased', which a name match missed (the page said 0 while 11 accounts were held).
WITH disputed AS (
    SELECT f.account_id, 'disputed' AS kind, f.flag AS name, f.confidence,
           NULL::VARCHAR AS reason, f.evidence, r.source, r.record_id
    FROM account_flags f
    LEFT JOIN source_records r ON r.rec_id = f.rec_id
    WHERE f.run_id = $run_id
      AND (f.flag LIKE '%\_disputed' ESCAPE '\' OR f.flag LIKE '%held%' OR f.flag LIKE '%hold%')
),
held AS (
    -- a contact-scope hold rule has one row per contact point: one item per account and rule
    SELECT account_id, rule, string_agg(DISTINCT reason, '; ' ORDER BY reason) AS reason
    FROM suppressions
    WHERE run_id = $run_id AND action = 'hold'
    GROUP BY account_id, rule
),
held_evidence AS (
    SELECT f.account_id,
           string_agg(f.flag || coalesce(' ' || printf('%.3f', f.confidence), '')
                      || coalesce(': ' || f.evidence, '')
                      || coalesce(' (' || r.source || ' ' || r.record_id || ')', ''),
                      '; ' ORDER BY f.flag, f.confidence DESC, f.rec_id) AS evidence
    FROM account_flags f
    LEFT JOIN source_records r ON r.rec_id = f.rec_id
    WHERE f.run_id = $run_id AND f.account_id IN (SELECT account_id FROM held)
    GROUP BY f.account_id
),
items AS (
    SELECT * FROM disputed
    UNION ALL
    SELECT h.account_id, 'hold', h.rule, NULL, h.reason, e.evidence, NULL, NULL
    FROM held h
    LEFT JOIN held_evidence e ON e.account_id = h.account_id
)
SELECT account_id, kind, name, confidence, reason, evidence, source, record_id,
       count(*) OVER () AS total
FROM items
ORDER BY account_id, kind, name
LIMIT $limit OFFSET $offset;
