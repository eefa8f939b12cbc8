-- Contact values many debtors carry (matchers/compare.py, prepare_sides, after shared_ssn.sql):
-- a phone number or an email keyed on the accounts of more than $max_debtors different debtors
-- (MatchSettings.contact_placeholder_debtors) is a placeholder, nobody's own: the agency's or
-- the creditor's own number typed where the consumer's was not known, a business switchboard,
-- noemail@... or none@none.com. Left in, it is agreement evidence between strangers: two
-- debtors keyed with 713-555-5555 shared a phone (+13 bits when the model is fitted on clean
-- data), a stranger's record carrying it was one more household member for the guards
-- (shared_contact_only), and the model, fitted with it, learned a shared phone or email was
-- common among non-matches and weighed everybody's real one down (an audit case: a shared
-- phone +13.2 -> +4.4 bits, an email +13.4 -> +4.5).
--
-- Debtors are told apart as resolution tells them apart for the same rule on its output
-- (sql/resolve/07_score.sql, ResolveSettings.placeholder_debtors): by standardized surname and
-- given name (nickname canonical), so one person placed on several accounts counts once; an
-- account without a name counts as its own debtor. Only the accounts are counted: one debtor's
-- records carry their name in many spellings, and a family's landline is on two or three of the
-- family's accounts at most. A value only records repeat agrees with no account.
--
-- Addresses are not read this way. Many different debtors at one street address is also a
-- real home of all of them (a dormitory, a nursing home, a prison, a shelter: pseudopeople's
-- group quarters hold 57 to 74 accounts each), where the address is still evidence that a
-- record there is one of them; treated as missing there, pseudopeople seed 11 lost 96 true
-- debtor links and gained 10 wrong ones (the same-address guards no longer saw the namesakes).
-- Resolution does not withhold them either.
--
-- A placeholder is removed from every account and record carrying it, before blocking, the u
-- sample, comparison and the guards, as a placeholder SSN is (shared_ssn.sql): a phone leaves
-- the side's phone list (another phone of the row stays), an email is NULL, so the pair
-- compares as if none had been given (level 0, weight 0) and no blocking pass keys on it.
-- _contact_placeholder keeps, per value, its kind, the value, how many accounts, debtors and
-- records carried it and the first account ids (the run warning, matchers/link.py, which masks
-- the email).

CREATE OR REPLACE TEMP TABLE _contact_placeholder AS
WITH debtor AS (
    SELECT id, phones, email_norm,
           coalesce(last_std || '|' || coalesce(first_canon, first_std, ''), '#' || id) AS debtor
    FROM _ml
), held AS (
    SELECT 'phone' AS kind, unnest(phones) AS value, id, debtor
    FROM debtor WHERE phones IS NOT NULL
    UNION ALL
    SELECT 'email', email_norm, id, debtor
    FROM debtor WHERE email_norm IS NOT NULL
), busy AS (
    -- a value on more debtors is on more accounts: the plain count first (one aggregate), the
    -- distinct counts and the examples of the few values it leaves after (at 100k accounts
    -- the three DISTINCT aggregates over every phone and email took about half the statement)
    SELECT kind, value
    FROM held
    GROUP BY kind, value
    HAVING count(*) > $max_debtors
), carried AS (
    SELECT kind, value, count(DISTINCT id) AS accounts, count(DISTINCT debtor) AS debtors,
           list(DISTINCT id ORDER BY id)[1:3] AS examples
    FROM held SEMI JOIN busy USING (kind, value)
    GROUP BY kind, value
    HAVING count(DISTINCT debtor) > $max_debtors
), on_records AS (
    SELECT kind, value, count(DISTINCT id) AS records
    FROM (SELECT 'phone' AS kind, unnest(phones) AS value, id FROM _mr WHERE phones IS NOT NULL
          UNION ALL
          SELECT 'email', email_norm, id FROM _mr WHERE email_norm IS NOT NULL) r
    SEMI JOIN carried c USING (kind, value)
    GROUP BY ALL
)
SELECT c.kind, c.value, c.accounts, c.debtors, coalesce(r.records, 0) AS records, c.examples
FROM carried c
LEFT JOIN on_records r USING (kind, value)
ORDER BY c.kind, c.debtors DESC, c.value;

-- The phone lists are rewritten only where a placeholder phone is listed: the list of none is
-- no row (HAVING), so the UPDATE joins nothing instead of testing every row's list against an
-- empty one (0.10 s of CPU on the generated 100k's records, where no phone is a placeholder).
UPDATE _ml SET phones = nullif(list_filter(_ml.phones, lambda p: NOT list_contains(x.vals, p)), [])
FROM (SELECT list(value) AS vals FROM _contact_placeholder WHERE kind = 'phone' HAVING count(*) > 0) x
WHERE list_has_any(_ml.phones, x.vals);

UPDATE _mr SET phones = nullif(list_filter(_mr.phones, lambda p: NOT list_contains(x.vals, p)), [])
FROM (SELECT list(value) AS vals FROM _contact_placeholder WHERE kind = 'phone' HAVING count(*) > 0) x
WHERE list_has_any(_mr.phones, x.vals);

UPDATE _ml SET email_norm = NULL
WHERE email_norm IN (SELECT value FROM _contact_placeholder WHERE kind = 'email');

UPDATE _mr SET email_norm = NULL
WHERE email_norm IN (SELECT value FROM _contact_placeholder WHERE kind = 'email');
