-- Debtor links on the minority side of an account whose records describe two people with the
-- debtor's name (matchers/link.py, hold_split_identities): held as 'generation_ambiguous'.
-- Why: the guards read one pair at a time, against the account row. With no SSN or DOB on the
-- account (a debt buyer's file, a source whose placeholders were nulled) nothing in a pair
-- tells the father's credit-header row from the son's: both agree on name and address only.
-- The records themselves still do: when two of the account's linked records carry DOBs a
-- generation apart (compare.GENERATION_GAP_DAYS), or two SSNs that are not typos of each other
-- next to another difference between the records, they are two people, and the account's
-- debtor is at most one of them.
-- Who is held, among the account's debtor links:
--   - never a link whose SSN, DOB or generational suffix agrees with the account row (SSN
--     equal or one keystroke off, DOB at least two of year/month/day, the account's JR on the
--     record too): the account row says who the debtor is;
--   - a link apart from a record that agrees with the account row (the other person);
--   - otherwise a link apart from at least as many of the account's records as it is
--     together with (itself included): the minority, or both sides of a tie, since nothing
--     says which of two equal sides is the debtor.
-- "Apart": both DOBs present and a generation apart; or both full SSNs present and different,
-- their last four neither equal nor one keystroke apart (compare.sql's SSN_LAST4_NEAR), and
-- the records differ in something else of the person as well: the given name (not the same
-- canonical name, jaro-winkler under 0.92), the middle initial (both present), the
-- generational suffix (JR on one, none or SR on the other), or the DOB beyond a typo (both
-- present; a namesake a vendor returned for the debtor is born in another year but rarely a
-- generation apart). Another SSN alone is not another person: the same name's W-2s carry a
-- household member's SSN or a mistyped one (pseudopeople seed 11: 247 true links held on the
-- SSN alone, none of them another person).
-- "Together": the same SSN (hash, last four, or one keystroke off), or DOBs under a generation
-- apart. Records without SSN or DOB count for neither side.
-- The account's records are its debtor links and the rows held for a one-sided suffix that
-- reached the threshold ($ambiguous): the son's JR rows say who else is there even while they
-- wait for review. Such a row may be either generation, so it counts only apart, never
-- together: it can show that a second person is among the links, not which one is the debtor
-- (counted together, the father's SR row outvoted the son's own link on the auditor's nossn).
-- Inputs: _stored_pairs(account_id, rec_id, role, guard, match_probability, <levels>)
-- registered by link.py; _mr (sides.sql).

-- The few split accounts are found on the records' SSN and DOB alone (a narrow join); the
-- records' names and the rest are read for those accounts' members only.
WITH stored AS (
    SELECT account_id, rec_id, role = 'debtor' AS linked,
           coalesce(ssn >= 2 /* SSN_LAST4_NEAR */ OR dob >= 4 /* DOB_ONE_COMPONENT */
                    OR suffix = 3 /* SUFFIX_EQUAL */, false) AS anchored
    FROM _stored_pairs
    WHERE role = 'debtor' OR (guard = $ambiguous AND match_probability >= $threshold)
), split AS (
    -- the few accounts whose records carry two SSNs or DOBs a generation apart: every record
    -- is compared with every other there only
    SELECT p.account_id
    FROM stored p JOIN _mr r ON r.id = p.rec_id
    GROUP BY p.account_id
    -- two SSNs among them: min <> max is count(DISTINCT) > 1 without a set per account
    HAVING min(r.ssn_hash) <> max(r.ssn_hash) OR datediff('day', min(r.dob), max(r.dob)) >= $gap_days
), members AS (
    SELECT p.account_id, p.rec_id, p.linked, p.anchored,
           r.ssn_hash, r.ssn_last4, r.dob, r.first_std, r.first_canon, r.middle_initial,
           r.suffix_std
    FROM stored p JOIN _mr r ON r.id = p.rec_id
    WHERE p.account_id IN (SELECT account_id FROM split)
), compared AS (
    SELECT a.account_id, a.rec_id, a.linked, a.anchored,
           b.anchored AS other_anchored, b.linked AS other_linked,
           a.ssn_hash = b.ssn_hash OR a.ssn_last4 = b.ssn_last4 AS same_ssn,
           CASE WHEN length(a.ssn_last4) = 4 AND length(b.ssn_last4) = 4
                THEN hamming(a.ssn_last4, b.ssn_last4) = 1
                     OR (hamming(a.ssn_last4, b.ssn_last4) = 2 AND b.ssn_last4 IN (
                         a.ssn_last4[2] || a.ssn_last4[1] || a.ssn_last4[3:4],
                         a.ssn_last4[1] || a.ssn_last4[3] || a.ssn_last4[2] || a.ssn_last4[4],
                         a.ssn_last4[1:2] || a.ssn_last4[4] || a.ssn_last4[3]))
           END AS ssn_typo,
           a.ssn_hash IS NOT NULL AND b.ssn_hash IS NOT NULL AS both_ssn,
           coalesce(a.first_canon <> b.first_canon
                    AND jaro_winkler_similarity(a.first_std, b.first_std) < 0.92, false)
               OR coalesce(a.middle_initial <> b.middle_initial, false)
               OR a.suffix_std IS DISTINCT FROM b.suffix_std
               -- DOBs that differ beyond a typo (compare.sql's DOB_ONE_COMPONENT and
               -- DOB_TRANSPOSED are typos): a namesake the vendor returned for the debtor
               OR coalesce(a.dob <> b.dob
                           AND (year(a.dob) = year(b.dob))::INT + (month(a.dob) = month(b.dob))::INT
                               + (day(a.dob) = day(b.dob))::INT < 2
                           AND NOT (year(a.dob) = year(b.dob) AND month(a.dob) = day(b.dob)
                                    AND day(a.dob) = month(b.dob)), false) AS other_differs,
           abs(datediff('day', a.dob, b.dob)) AS dob_days
    FROM members a JOIN members b ON b.account_id = a.account_id
), sides AS (
    SELECT account_id, rec_id, linked, anchored, other_anchored,
           coalesce(dob_days >= $gap_days, false)
               OR coalesce(both_ssn AND NOT same_ssn AND NOT coalesce(ssn_typo, false)
                           AND other_differs, false) AS apart,
           other_linked AND (coalesce(same_ssn, false) OR coalesce(ssn_typo, false)
                             OR coalesce(dob_days < $gap_days, false)) AS together
    FROM compared
), votes AS (
    SELECT account_id, rec_id, linked, anchored,
           count(*) FILTER (WHERE apart) AS n_apart,
           count(*) FILTER (WHERE together AND NOT apart) AS n_together,
           bool_or(apart AND other_anchored) AS apart_from_anchor
    FROM sides
    GROUP BY ALL
)
SELECT account_id, rec_id
FROM votes
WHERE linked AND NOT anchored
  AND (apart_from_anchor OR (n_apart > 0 AND n_apart >= n_together))
ORDER BY rec_id, account_id;
