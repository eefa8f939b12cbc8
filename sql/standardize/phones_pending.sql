-- Distinct raw phone strings of the current data that std_phone_cache lacks for the running
-- standardizer version ($version, matchers.phones.phone_std_version): new strings, and after an
-- upgrade every string whose row another version wrote. The key is the string exactly as
-- loaded (no trimming), so the build joins on the raw column directly.
-- Accounts contribute all four phone columns: the attorney's too, which the resolver needs for
-- represented consumers (Reg F 1006.6(b)(2)) though it never feeds matching.
WITH raw AS (
    SELECT unnest([phone, phone_2, phone_3, attorney_phone]) AS phone_raw FROM current_accounts
    UNION ALL
    SELECT phone FROM current_source_records
    UNION ALL
    SELECT phone FROM current_source_contacts
)
SELECT DISTINCT r.phone_raw
FROM raw r
ANTI JOIN std_phone_cache c ON c.phone_raw = r.phone_raw AND c.std_version = $version
WHERE r.phone_raw IS NOT NULL
ORDER BY 1
