-- Same-name pairs held apart only by an SSN that belongs to somebody else (matchers/link.py,
-- release_borrowed_ssn).
-- The guard 'ssn_conflict_same_address' reads a different SSN on a record with the debtor's
-- name at the debtor's address as another generation: the father's own SSN. An SSN is also
-- copied within a household (a spouse's number on a joint return, a child's on a parent's
-- form): then the SSN is evidence about that other person, and says nothing about whether the
-- record is the debtor's. An SSN whose other holders (accounts and records, this record left
-- out) are mostly people with another given name is such a number; the father's own SSN is
-- held by his own other records, with his given name, which is the debtor's.
-- Released only when:
--   - the pair scored at or above the threshold with the SSN disagreement counted;
--   - more of the SSN's other holders have another given name than this record's
--     (different canonical name and jaro-winkler < 0.80, compare.sql's FIRST_DIFFERENT);
--   - no other pair of the account showed another generation ($generation_guards): where
--     the father has a record of his own (his DOB, his suffix), the name alone cannot tell;
--   - the record is nobody's debtor, and only one account qualifies for it (or only
--     accounts of one identity, _acct_identity from shared_ssn.sql: one person placed twice).
-- What remains possible: the father with a single record, whose SSN was also copied onto a
-- relative's record, and no DOB, suffix or other record of his anywhere: two independent
-- slips on the same household.
-- Inputs: _stored_pairs(account_id, rec_id, role, guard, match_probability, ...) registered
-- by link.py; _ml, _mr (sides.sql), _acct_identity (shared_ssn.sql).

WITH held AS (
    SELECT p.account_id, p.rec_id, r.ssn_hash, r.first_std, r.first_canon
    FROM _stored_pairs p JOIN _mr r ON r.id = p.rec_id
    WHERE p.guard = $guard AND p.match_probability >= $threshold AND r.ssn_hash IS NOT NULL
), other_generation AS (
    SELECT DISTINCT account_id FROM _stored_pairs
    WHERE list_contains($generation_guards, guard) AND guard <> $guard
    UNION
    -- the same guard on another record whose SSN is not borrowed is settled below: an account
    -- with two same-name records of another SSN each is left alone whatever they hold
    SELECT account_id FROM held GROUP BY account_id HAVING count(DISTINCT ssn_hash) > 1
), holders AS (
    -- rec_id NULL for accounts (their ids are text, the records' are numbers)
    SELECT NULL::BIGINT AS rec_id, ssn_hash, first_std, first_canon FROM _ml WHERE ssn_hash IS NOT NULL
    UNION ALL
    SELECT id, ssn_hash, first_std, first_canon FROM _mr WHERE ssn_hash IS NOT NULL
), votes AS (
    SELECT h.account_id, h.rec_id,
           count(*) FILTER (WHERE o.first_canon = h.first_canon
                              OR jaro_winkler_similarity(o.first_std, h.first_std) >= 0.80) AS same_name,
           count(*) FILTER (WHERE o.first_canon <> h.first_canon
                              AND jaro_winkler_similarity(o.first_std, h.first_std) < 0.80) AS other_name
    FROM held h
    JOIN holders o ON o.ssn_hash = h.ssn_hash AND o.rec_id IS DISTINCT FROM h.rec_id
    GROUP BY ALL
), taken AS (
    SELECT DISTINCT rec_id FROM _stored_pairs WHERE role = 'debtor'
)
SELECT v.account_id, v.rec_id
FROM votes v
LEFT JOIN _acct_identity i ON i.account_id = v.account_id
WHERE v.other_name > v.same_name
  AND v.rec_id NOT IN (SELECT rec_id FROM taken)
  AND v.account_id NOT IN (SELECT account_id FROM other_generation)
QUALIFY count(DISTINCT coalesce(i.identity, v.account_id)) OVER (PARTITION BY v.rec_id) = 1
ORDER BY v.rec_id, v.account_id;
