-- The candidate pairs whose record carries another given name than the debtor's that is a
-- person with records of their own (matchers/guards.py, `other_person`): the evidence the
-- sibling and spouse rules need ('other_given_name_same_address', 'ssn_conflict_other_given_name',
-- 'ssn_shared_other_given_name' without a DOB conflict or a differing middle initial). A
-- different given name on one record alone is as often a slip of the debtor's (a replaced or
-- placeholder name, a typo) as a twin, a sibling or a spouse; a twin or a spouse is a distinct
-- person with records of their own. Evidence, one of:
--   - another record with the same given name (canonical: exact or a nickname) and surname
--     carrying this record's SSN or street address (std_line1 and ZIP5): the spouse's joint
--     returns, the twin's other records at the address;
--   - another candidate of the same account, at the account's street address, with that given
--     name (an associate the account's own candidates identify: the sibling who moved).
-- Only records whose given name is not the debtor's (below FIRST_SWAPPED: not exact, nickname
-- or swapped) and is more than an initial (K for KAREN says nothing of a second person).
-- Set-based over _match_cmp and _mr (sides.sql), before scoring: the scoring chunks split on
-- the record, and the evidence is in other records.
-- Whether a record's name has records of its own is the record's, not the pair's: it is worked
-- out once per suspect record (`own`, integer ids), not once per candidate pair, and the
-- records' name, SSN and address are read from _mr for those records only (a semi-join on the
-- ids), not for every row of _mr. Same rows as one join of every suspect pair with _mr; at 100k
-- accounts about a quarter less time (docs/performance.md, "The wrong-party steps").
CREATE OR REPLACE TEMP TABLE _second_person AS
WITH pairs AS (
    SELECT account_id, rec_id, address
    FROM _match_cmp
    WHERE last_name >= $last_agrees
      AND first_name > $no_data AND first_name < $first_same
), recs AS (
    SELECT r.id, r.first_canon, r.last_std, r.ssn_hash, r.std_line1, r.zip5
    FROM _mr r
    WHERE r.id IN (SELECT rec_id FROM pairs)
      AND length(r.first_canon) > 1 AND r.last_std IS NOT NULL
), suspect AS (
    SELECT p.account_id, p.rec_id, p.address, r.first_canon, r.last_std
    FROM pairs p JOIN recs r ON r.id = p.rec_id
), own AS (
    -- two equi-joins on the whole evidence key, not one on the name filtered after: a common
    -- name (JOHN SMITH) would pair every suspect with every record of that name
    SELECT s.id
    FROM recs s
    JOIN _mr o ON o.last_std = s.last_std AND o.first_canon = s.first_canon
              AND o.ssn_hash = s.ssn_hash AND o.id <> s.id
    UNION
    SELECT s.id
    FROM recs s
    JOIN _mr o ON o.last_std = s.last_std AND o.first_canon = s.first_canon
              AND o.std_line1 = s.std_line1 AND o.zip5 = s.zip5 AND o.id <> s.id
), linked AS (
    SELECT s.account_id, s.rec_id
    FROM suspect s
    JOIN suspect o ON o.account_id = s.account_id AND o.first_canon = s.first_canon
                  AND o.last_std = s.last_std AND o.rec_id <> s.rec_id
    WHERE o.address >= $same_address
)
SELECT DISTINCT account_id, rec_id
FROM (SELECT account_id, rec_id FROM suspect WHERE rec_id IN (SELECT id FROM own)
      UNION ALL
      SELECT * FROM linked);
