-- Outcomes the platform holds at push time, including those recorded after this run read them
-- (during the run, or by a run that did not pull): a staged contact whose latest outcome is
-- bad, or of an account with a cease-and-desist, attorney or confirmed death on record, is
-- staged as not callable. Applied
-- to the staging table before the upsert, so a second push of the run still changes nothing.
-- The contact is normalized as skiptrace normalizes outcomes (sql/outcomes/store.sql): E.164
-- for a phone, lowercased email, else the pushed address key.
WITH typed AS (
    SELECT account_id, outcome, outcome_date, outcome_id,
           regexp_replace(contact, '[^0-9]', '', 'g') AS d, contact,
           coalesce(contact_type,
                    CASE WHEN contact LIKE '%@%' THEN 'email'
                         WHEN trim(contact) ~ '^[0-9 ()+.-]{7,}$' THEN 'phone'
                         ELSE 'address' END) AS ctype
    FROM contact_outcomes
),
keyed AS (
    SELECT account_id, outcome, outcome_date, outcome_id, ctype,
           CASE ctype
               WHEN 'phone' THEN CASE WHEN length(d) = 10 THEN '+1' || d
                                      WHEN length(d) = 11 AND d LIKE '1%' THEN '+' || d END
               WHEN 'email' THEN lower(trim(contact))
               ELSE upper(trim(contact))
           END AS contact_key
    FROM typed
),
latest AS (
    SELECT DISTINCT ON (account_id, ctype, contact_key) account_id, ctype, contact_key, outcome,
           outcome_date
    FROM keyed
    WHERE outcome NOT IN ('cease_and_desist', 'attorney', 'deceased_confirmed', 'dispute')
    ORDER BY account_id, ctype, contact_key, outcome_date DESC, outcome_id DESC
),
bad AS (
    SELECT account_id, ctype, contact_key,
           'collector outcome ' || replace(outcome, '_', ' ') || ' on ' || outcome_date AS why
    FROM latest
    WHERE outcome IN ('wrong_number', 'disconnected', 'returned_mail', 'moved')
),
-- the account's latest such outcome, its name and date from the same row (a later outcome_id
-- wins a tie on the date: the one recorded later)
account_bad AS (
    SELECT DISTINCT ON (account_id) account_id,
           'collector outcome ' || replace(outcome, '_', ' ') || ' on ' || outcome_date AS why
    FROM keyed
    WHERE outcome IN ('cease_and_desist', 'attorney', 'deceased_confirmed')
    ORDER BY account_id, outcome_date DESC, outcome_id DESC
),
flagged AS (
    SELECT x.ctid AS row_id, coalesce(b.why, a.why) AS why
    FROM st_contacts x
    LEFT JOIN bad b
           ON b.account_id = x.account_id AND b.ctype = x.contact_type
          AND b.contact_key = x.contact_key
    LEFT JOIN account_bad a ON a.account_id = x.account_id
    WHERE x.callable AND (b.account_id IS NOT NULL OR a.account_id IS NOT NULL)
)
UPDATE st_contacts s
SET callable = false,
    suppression_reason = concat_ws('; ', s.suppression_reason,
                                   f.why || ' (platform record at push time)')
FROM flagged f
WHERE s.ctid = f.row_id;
