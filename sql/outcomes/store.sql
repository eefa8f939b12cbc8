-- Collectors' outcomes into contact_outcomes, replacing what the same origin delivered before
-- (a re-pull or re-delivery never duplicates). Reads the temp table outcomes_in (origin_id,
-- account_id, contact_type, contact, outcome, outcome_date, agent) the caller registered.
-- contact_key is the form contact_points use: E.164 for a phone (10 digits, or 11 starting 1),
-- email_norm for an email, and for an address the key skiptrace pushed ('LINE|ZIP5'), as the
-- collections system got it in skiptrace_contacts.contact_key. contact_type, when missing, is
-- read from the value: an '@' is an email, digits and phone punctuation a phone, else an address.
DELETE FROM contact_outcomes WHERE origin = $origin;

INSERT INTO contact_outcomes BY NAME
WITH typed AS (
    SELECT CAST(origin_id AS VARCHAR) AS origin_id, trim(CAST(account_id AS VARCHAR)) AS account_id,
           trim(CAST(contact AS VARCHAR)) AS contact,
           lower(trim(CAST(outcome AS VARCHAR))) AS outcome,
           TRY_CAST(outcome_date AS DATE) AS outcome_date, CAST(agent AS VARCHAR) AS agent,
           coalesce(nullif(lower(trim(CAST(contact_type AS VARCHAR))), ''),
                    CASE WHEN contains(CAST(contact AS VARCHAR), '@') THEN 'email'
                         WHEN regexp_full_match(trim(CAST(contact AS VARCHAR)), '[0-9 ()+.-]{7,}') THEN 'phone'
                         ELSE 'address' END) AS contact_type
    FROM outcomes_in
),
digits AS (SELECT *, regexp_replace(contact, '[^0-9]', '', 'g') AS d FROM typed)
SELECT $origin AS origin, origin_id, account_id, contact_type, contact,
       CASE contact_type
           WHEN 'phone' THEN CASE WHEN length(d) = 10 THEN '+1' || d
                                  WHEN length(d) = 11 AND starts_with(d, '1') THEN '+' || d END
           WHEN 'email' THEN email_norm(contact)
           ELSE nullif(upper(trim(contact)), '')
       END AS contact_key,
       outcome, outcome_date, agent, current_timestamp AS loaded_at
FROM digits
WHERE account_id IS NOT NULL AND outcome_date IS NOT NULL
