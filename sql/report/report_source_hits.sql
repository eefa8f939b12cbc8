-- Per source: accounts of $run_id with at least one debtor contact it supported (any status),
-- overall and per contact type. Support from the account export itself is not a find, nor is
-- support of a third party's point (role, migration 099), whose key can equal a debtor point's
-- on the same account (a line the debtor shares with a relative).
-- Two plain groupings over the distinct (source, contact) pairs instead of five DISTINCT
-- aggregates over the support rows (each a hash set of its own over millions of rows).
WITH found AS (
    SELECT DISTINCT s.source, s.account_id, s.contact_type, s.contact_key
    FROM contact_support s
    JOIN contact_points c
      ON c.run_id = s.run_id AND c.account_id = s.account_id
     AND c.contact_type = s.contact_type AND c.contact_key = s.contact_key AND c.role = s.role
    WHERE s.run_id = $run_id AND s.rec_id IS NOT NULL AND s.role = 'debtor'
),
per_account AS (
    SELECT source, account_id,
           bool_or(contact_type = 'address') AS address,
           bool_or(contact_type = 'phone') AS phone,
           bool_or(contact_type = 'email') AS email,
           count(*) AS contacts
    FROM found
    GROUP BY source, account_id
)
SELECT
    source,
    count(*)                          AS accounts_hit,
    count(*) FILTER (WHERE address)   AS address_hit,
    count(*) FILTER (WHERE phone)     AS phone_hit,
    count(*) FILTER (WHERE email)     AS email_hit,
    sum(contacts)::BIGINT             AS contacts
FROM per_account
GROUP BY source ORDER BY accounts_hit DESC, source;
