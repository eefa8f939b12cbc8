-- Per source: accounts of $run_id with at least one debtor contact it supported (any status),
-- overall and per contact type. Support from the account export itself is not a find.
SELECT
    s.source,
    count(DISTINCT s.account_id)                                                AS accounts_hit,
    count(DISTINCT s.account_id) FILTER (WHERE s.contact_type = 'address')      AS address_hit,
    count(DISTINCT s.account_id) FILTER (WHERE s.contact_type = 'phone')        AS phone_hit,
    count(DISTINCT s.account_id) FILTER (WHERE s.contact_type = 'email')        AS email_hit,
    count(DISTINCT (s.account_id, s.contact_type, s.contact_key))               AS contacts
FROM contact_support s
JOIN contact_points c
  ON c.run_id = s.run_id AND c.account_id = s.account_id
 AND c.contact_type = s.contact_type AND c.contact_key = s.contact_key AND c.role = 'debtor'
WHERE s.run_id = $run_id AND s.rec_id IS NOT NULL
GROUP BY s.source ORDER BY accounts_hit DESC, s.source;
