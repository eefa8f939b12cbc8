-- Pairs held as "another given name" whose given name is the debtor's own, as the account's
-- linked records show (matchers/link.py, release_named_by_linked_records).
-- The given-name guards ($guards: 'ssn_shared_other_given_name', 'spouse_pattern',
-- 'other_given_name_same_address', 'ssn_conflict_other_given_name', 'shared_contact_only')
-- read the record's given name against the account row's alone. When the account row's given
-- name is the odd one (a placeholder keyed by the creditor, FEMALE or MAN IN THE; a nickname the
-- table does not fold, GORY for GREGORY), every record of the debtor carries "another" given
-- name, and the debtor's other records under that name are even the guards' evidence of a second
-- person (sql/match/second_person.sql). Most of those records link all the same, on the SSN and
-- an agreeing middle initial or DOB; the ones without a middle initial were held. A record with
-- the same given name (nickname-canonical), the same surname and the same full SSN as a record
-- already linked to the account as the debtor, on its own evidence, describes that record's
-- person: the debtor. A spouse or sibling credited with the debtor's SSN is not released by
-- this: their records are held, not linked, so there is no debtor link under their name.
-- Released only when:
--   - the pair scored at or above the threshold (the model links it; the guard alone held it);
--   - the pair shows no other generation: the DOB does not conflict (DOB_DIFFERENT,
--     DOB_NEAR_YEARS) and the suffixes neither conflict nor sit on one side only;
--   - the linked record agrees: same first_canon, last_std and ssn_hash, and neither its
--     middle initial, its DOB nor its suffix differs from the held record's where both have one;
--   - no pair of the account showed another generation ($generation_guards) or was held as
--     either generation ($ambiguous);
--   - the record is nobody's debtor, and only one account qualifies for it (or only accounts
--     of one identity, _acct_identity from shared_ssn.sql: one person placed twice);
--   - one step only: the linked record is a debtor link of the scoring (or released from a
--     borrowed SSN), never one released here or by the corroboration of linked records.
-- Inputs: _stored_pairs(account_id, rec_id, role, guard, match_probability, dob, suffix, ...)
-- registered by link.py; _mr (sides.sql), _acct_identity (shared_ssn.sql).

WITH held AS (
    SELECT p.account_id, p.rec_id, r.first_canon, r.last_std, r.ssn_hash, r.middle_initial,
           r.dob, r.suffix_std
    FROM _stored_pairs p JOIN _mr r ON r.id = p.rec_id
    WHERE list_contains($guards, p.guard)
      AND p.match_probability >= $threshold
      AND p.dob <> 1 /* DOB_DIFFERENT */ AND p.dob <> 2 /* DOB_NEAR_YEARS */
      AND p.suffix <> 1 /* SUFFIX_CONFLICT */ AND p.suffix <> 2 /* SUFFIX_ONE_MISSING */
      AND r.ssn_hash IS NOT NULL AND r.first_canon IS NOT NULL AND r.last_std IS NOT NULL
), linked AS (
    SELECT p.account_id, p.rec_id, r.first_canon, r.last_std, r.ssn_hash, r.middle_initial,
           r.dob, r.suffix_std
    FROM _stored_pairs p JOIN _mr r ON r.id = p.rec_id
    WHERE p.role = 'debtor' AND r.ssn_hash IS NOT NULL
), household AS (
    SELECT DISTINCT account_id FROM _stored_pairs
    WHERE list_contains($generation_guards, guard) OR guard = $ambiguous
), taken AS (
    SELECT DISTINCT rec_id FROM _stored_pairs WHERE role = 'debtor'
), named AS (
    SELECT DISTINCT h.account_id, h.rec_id
    FROM held h
    JOIN linked l ON l.account_id = h.account_id AND l.ssn_hash = h.ssn_hash
                 AND l.first_canon = h.first_canon AND l.last_std = h.last_std
                 AND l.rec_id <> h.rec_id
    WHERE coalesce(l.middle_initial = h.middle_initial, true)
      AND coalesce(l.dob = h.dob, true)
      AND coalesce(l.suffix_std = h.suffix_std, l.suffix_std IS NULL AND h.suffix_std IS NULL)
      AND h.rec_id NOT IN (SELECT rec_id FROM taken)
      AND h.account_id NOT IN (SELECT account_id FROM household)
)
SELECT n.account_id, n.rec_id
FROM named n
LEFT JOIN _acct_identity i ON i.account_id = n.account_id
QUALIFY count(DISTINCT coalesce(i.identity, n.account_id)) OVER (PARTITION BY n.rec_id) = 1
ORDER BY n.rec_id, n.account_id;
