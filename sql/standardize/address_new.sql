-- Distinct raw address tuples that std_address_cache lacks for the running standardizer version
-- ($version): an incremental refresh parses only new strings, and after an upgrade every tuple
-- in use whose row another version wrote (the caller then replaces those rows). Sources: the
-- current account file, current source records, and the address candidates of current source
-- contacts. Keyed by the shared addr_raw() macro (004), so NULL and '' are one key; any_value()
-- is safe because tuples sharing a key differ only there.
SELECT
    k.addr_raw,
    any_value(k.line1) AS line1,
    any_value(k.line2) AS line2,
    any_value(k.city)  AS city,
    any_value(k.state) AS state,
    any_value(k.zip)   AS zip
FROM (
    SELECT addr_raw(line1, line2, city, state, zip) AS addr_raw, line1, line2, city, state, zip
    FROM (
        SELECT address_line1 AS line1, address_line2 AS line2, city, state, zip
        FROM current_accounts
        UNION ALL
        SELECT address_line1, address_line2, city, state, zip
        FROM current_source_records
        UNION ALL
        SELECT address_line1, address_line2, city, state, zip
        FROM current_source_contacts
        WHERE contact_type = 'address'
    ) raw
) k
ANTI JOIN std_address_cache c ON c.addr_raw = k.addr_raw AND c.std_version = $version
GROUP BY k.addr_raw
