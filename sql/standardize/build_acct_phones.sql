-- acct_phones: the account's own phones (slots 1..3 = phone, phone_2, phone_3) as valid E.164,
-- for phone blocking. A number repeated in two slots is kept once, at its lowest slot, so a
-- blocking join does not emit the same pair twice. The attorney's phone is not the debtor's
-- and never enters.
WITH slots AS (
    SELECT account_id, 1 AS slot, phone   AS phone_raw FROM current_accounts
    UNION ALL
    SELECT account_id, 2, phone_2 FROM current_accounts
    UNION ALL
    SELECT account_id, 3, phone_3 FROM current_accounts
)
SELECT s.account_id, min(s.slot) AS slot, p.e164
FROM slots s
JOIN std_phone_cache p ON p.phone_raw = s.phone_raw AND p.valid AND p.e164 IS NOT NULL
GROUP BY s.account_id, p.e164
