-- SSNs that several accounts carry (matchers/compare.py, prepare_sides, right after sides.sql).
-- Two readings, both over the whole account file (never one chunk or one increment):
--
-- 1. A placeholder. A collections system that keys a filler number (one made-up SSN) on every
--    account whose SSN it does not know, and a vendor echoing it back, put one SSN on many
--    people: an exact SSN agreement between strangers, which the model takes as its strongest
--    evidence and its anchor pairs take as proof of a match. An SSN on more than
--    $max_accounts accounts (MatchSettings.ssn_placeholder_accounts) whose names disagree
--    (another surname or another nickname-canonical given name among them) is read as one,
--    and removed, hash and last four, from every account and record carrying it: the
--    comparison sees no SSN (level 0), the blocking passes and the guards do not see it
--    either. A real person placed by several creditors carries one SSN on a few accounts
--    under one name, which is not a placeholder (and is reading 2). Known never-issued
--    numbers are invalid at ingest already (sources/pii.py); this finds the ones nobody
--    listed. _ssn_placeholder keeps, per removed SSN, how many accounts and records carried
--    it (the run warning, matchers/link.py); never the SSN's last four.
--
-- 2. One identity on several accounts: the same debtor placed by two creditors (two account
--    ids, one SSN). A record that is this person's is the debtor record of each of those
--    accounts (matchers/link.py, _assign_roles), where a tie between two accounts otherwise
--    leaves the record nobody's. Every account carrying the SSN must agree: a surname and a
--    nickname-canonical given name on each of them and the same on all, at most one date of
--    birth, suffix and middle initial among them (a missing one agrees). One disagreeing
--    account (a spouse keyed with the debtor's SSN, a father with his son's) and none of them
--    are grouped: the SSN alone cannot say which of them a record is. Accounts without an SSN
--    are never grouped, however alike: two accounts with the same name, date of birth and
--    address and no SSN are also a father and son whose creditor keyed one date for both, and
--    linking the record to both would disclose one's debt to the other. _acct_identity lists
--    only the grouped accounts; identity is the group's smallest account id.

-- Both statements count the accounts per SSN first (one plain aggregate) and take the distinct
-- counts and the examples only over the few SSNs on more than one account: the DISTINCT and
-- ordered aggregates over every SSN of the account file were most of prepare_sides' time after
-- sides.sql (0.43 -> 0.08 s of CPU together on the generated 100k, issue 20; the same rows).
CREATE OR REPLACE TEMP TABLE _ssn_placeholder AS
WITH busy AS (
    SELECT ssn_hash
    FROM _ml
    WHERE ssn_hash IS NOT NULL
    GROUP BY ssn_hash
    HAVING count(*) > $max_accounts
), carried AS (
    SELECT ssn_hash, count(*) AS accounts, list(id ORDER BY id)[1:3] AS examples
    FROM _ml SEMI JOIN busy USING (ssn_hash)
    GROUP BY ssn_hash
    HAVING count(DISTINCT last_std) > 1 OR count(DISTINCT first_canon) > 1
)
SELECT c.ssn_hash, c.accounts, c.examples,
       (SELECT count(*) FROM _mr r WHERE r.ssn_hash = c.ssn_hash) AS records
FROM carried c;

UPDATE _ml SET ssn_hash = NULL, ssn_last4 = NULL
WHERE ssn_hash IN (SELECT ssn_hash FROM _ssn_placeholder);

UPDATE _mr SET ssn_hash = NULL, ssn_last4 = NULL
WHERE ssn_hash IN (SELECT ssn_hash FROM _ssn_placeholder);

CREATE OR REPLACE TEMP TABLE _acct_identity AS
WITH shared AS (
    SELECT ssn_hash
    FROM _ml
    WHERE ssn_hash IS NOT NULL
    GROUP BY ssn_hash
    HAVING count(*) > 1
), one_person AS (
    SELECT ssn_hash
    FROM _ml SEMI JOIN shared USING (ssn_hash)
    GROUP BY ssn_hash
    HAVING count(last_std) = count(*) AND count(first_canon) = count(*)
       AND count(DISTINCT last_std) = 1 AND count(DISTINCT first_canon) = 1
       AND count(DISTINCT dob) <= 1
       AND count(DISTINCT suffix_std) <= 1
       AND count(DISTINCT left(middle_initial, 1)) <= 1
)
SELECT l.id AS account_id, min(l.id) OVER (PARTITION BY l.ssn_hash) AS identity
FROM _ml l
JOIN one_person p ON p.ssn_hash = l.ssn_hash
ORDER BY account_id;
