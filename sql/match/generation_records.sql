-- The accounts whose own candidates show two generations with the debtor's name in the records
-- themselves (matchers/guards.py, 'generation_ambiguous'; read by matchers/link.py before
-- scoring). Inputs: _match_cmp (compare.sql), _ml and _mr (sides.sql).
-- Why: the pair guards that show another generation (suffix_conflict, dob_conflict_same_address,
-- ssn_conflict_same_address) compare a record with the account row, and an account without an
-- SSN, a DOB or a suffix (a debt buyer's file, a source whose placeholders were nulled) fires
-- none of them, however plainly its candidates carry a father and a son: a JR row next to an SR
-- row, or two rows of the name born a generation apart. Those are read here, record against
-- record. An NCOA move with a one-sided suffix (the JR account next to a bare move) is held
-- only on such an account, or one a pair guard marked: the suffix alone says a JR exists, not
-- that his father is among the records (a person record with a one-sided suffix is held on
-- the suffix alone: matchers/guards.py).
-- Evidence, among the account row and its candidates with the debtor's name (surname close,
-- jaro-winkler >= 0.80, and a similar given name or none: the names the suffix rules read) at
-- the account's street address (compare.sql's ADDR_STREET or better, the building whatever
-- the units, as dob_conflict_same_address reads it):
--   - two different generational suffixes (JR and SR, II and III; no suffix is no evidence);
--   - two dates of birth a generation apart (compare.GENERATION_GAP_DAYS).
-- Why at the address: a namesake elsewhere born a generation off (or carrying a suffix) is as
-- likely a stranger as the debtor's father, and the candidates of a name hold many. Measured
-- while this evidence held every one-sided row (person records too), rows held at p >= 0.9
-- on it alone: on the generated 100k (accounts with SSN and DOB) rows elsewhere or without
-- an address held 238 true links of JR and SR debtors for 14 of another person, rows at the
-- address 10 for 16; on the auditor's nossn (no SSN or DOB on the accounts) rows at the
-- address 35 for 25, rows elsewhere or without an address 18 for 6.
-- The accounts found show another generation, undated as far as the guard is concerned (the
-- household flag 1 of guards.apply_guards, as ssn_conflict_same_address gives): they hold a
-- one-sided NCOA move, not a row with no suffix, SSN or DOB on either side, which on an
-- account without SSN or DOB is every row (split_identities.sql tells those apart after
-- scoring).
WITH named AS (
    SELECT c.account_id, r.suffix_std, r.dob
    FROM _match_cmp c JOIN _mr r ON r.id = c.rec_id
    WHERE c.last_name >= $last_close
      AND (c.first_name >= $first_similar OR c.first_name = $no_data)
      AND c.address >= $same_address
      AND (r.suffix_std IS NOT NULL OR r.dob IS NOT NULL)
), people AS (
    SELECT account_id, suffix_std, dob FROM named
    UNION ALL
    SELECT a.id, a.suffix_std, a.dob
    FROM _ml a
    WHERE a.id IN (SELECT account_id FROM named)
)
SELECT account_id
FROM people
GROUP BY account_id
-- two suffixes: min <> max is count(DISTINCT) > 1 without a set per account
HAVING min(suffix_std) <> max(suffix_std)
    OR datediff('day', min(dob), max(dob)) >= $gap_days
ORDER BY account_id;
