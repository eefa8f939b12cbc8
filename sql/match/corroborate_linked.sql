-- Name matches corroborated by the account's own linked records (matchers/link.py,
-- corroborate_by_linked_records).
-- A pair the guard 'uncorroborated_name_match' rejected has the debtor's name and nothing
-- personal in common with the *account*. A record that carries the street address (as
-- compare.sql's street level reads it: a misspelt street still agrees) or the SSN
-- of another record already linked to the same account as the debtor, on its own evidence,
-- shares that evidence with the debtor's file: the same name at the debtor's newer address,
-- or the same SSN on a second return of the same year. That is the corroboration the guard
-- asks for, found one step further, as the account's own address would have given it. The same
-- holds for a pair of a very common name that only its DOB corroborated ($common_name, guard
-- 'common_name_dob_only'): the debtor's linked address or SSN is what it lacked.
-- The pair is scored again as if the account row held that evidence: its address weight
-- replaced by the model's weight of a street-level agreement ($street_weight), or its SSN
-- weight by that of an exact SSN ($ssn_weight); it is linked when that weight reaches the
-- threshold ($threshold_weight, log2 odds). The stored weight and probability stay the
-- pair's own (what the account row says), so its contacts' confidence does not borrow it.
-- Kept strict, so a namesake or another generation never rides on it:
--   - no conflicting DOB and no conflicting SSN with the account (those describe another
--     person with the debtor's name: father/son);
--   - no pair of the account fired a guard showing another generation with the debtor's name
--     ($generation_guards), or was held as either generation ($ambiguous: a suffix on one
--     side only, or a link on the minority side of records that carry two people's SSNs or
--     DOBs, sql/match/split_identities.sql): there the name alone cannot tell them apart, and
--     the father's death record carrying his wrongly linked credit-header row's SSN flagged
--     the living son deceased;
--   - the record is nobody's debtor, and only one account qualifies for it (or only
--     accounts of one identity, _acct_identity from shared_ssn.sql: one person placed twice);
--   - one step only: the corroborating record is a debtor link of the scoring (or released
--     from a borrowed SSN, sql/match/borrowed_ssn.sql), never a pair promoted here.
-- Inputs: _stored_pairs(account_id, rec_id, role, guard, match_weight, w_address, w_ssn, dob,
-- ssn ...), the stored pairs of the run as scored (registered by link.py); _mr (sides.sql),
-- _acct_identity (shared_ssn.sql).

WITH linked AS (
    SELECT p.account_id, r.std_line1, r.street_number, r.street_name, r.zip5, r.city, r.ssn_hash
    FROM _stored_pairs p JOIN _mr r ON r.id = p.rec_id
    WHERE p.role = 'debtor'
), household AS (
    SELECT DISTINCT account_id FROM _stored_pairs
    WHERE list_contains($generation_guards, guard) OR guard = $ambiguous
), taken AS (
    SELECT DISTINCT rec_id FROM _stored_pairs WHERE role = 'debtor'
), candidates AS (
    SELECT p.account_id, p.rec_id, p.match_weight, p.w_address, p.w_ssn
    FROM _stored_pairs p
    WHERE (p.guard = $guard OR p.guard = $common_name)
      AND p.dob <> 1 /* DOB_DIFFERENT */ AND p.dob <> 2 /* DOB_NEAR_YEARS */
      AND p.ssn <> 1 /* SSN_DIFFERENT */
      AND p.rec_id NOT IN (SELECT rec_id FROM taken)
      AND p.account_id NOT IN (SELECT account_id FROM household)
), evidence AS (
    SELECT c.account_id, c.rec_id, c.match_weight, c.w_address, c.w_ssn,
           bool_or(r.ssn_hash = l.ssn_hash) AS same_ssn,
           -- the same address as compare.sql's ADDR_STREET / ADDR_EXACT: the same line, or the
           -- same house number on a street spelt alike (jaro-winkler >= 0.90), same place
           bool_or((r.zip5 = l.zip5 OR r.city = l.city)
                   AND (r.std_line1 = l.std_line1
                        OR r.street_number = l.street_number
                           AND jaro_winkler_similarity(r.street_name, l.street_name) >= 0.90))
               AS same_address
    FROM candidates c
    JOIN _mr r ON r.id = c.rec_id
    JOIN linked l ON l.account_id = c.account_id
    GROUP BY ALL
), corroborated AS (
    SELECT account_id, rec_id
    FROM evidence
    WHERE greatest(
        CASE WHEN same_address THEN match_weight - w_address + $street_weight END,
        CASE WHEN same_ssn THEN match_weight - w_ssn + $ssn_weight END
    ) >= $threshold_weight
)
SELECT c.account_id, c.rec_id
FROM corroborated c
LEFT JOIN _acct_identity i ON i.account_id = c.account_id
QUALIFY count(DISTINCT coalesce(i.identity, c.account_id)) OVER (PARTITION BY c.rec_id) = 1
ORDER BY c.rec_id, c.account_id;
