-- Raw name tuples of the current accounts and source records that std_name_cache lacks for
-- the running standardizer version ($version, matchers.names.name_std_version): new tuples,
-- and after an upgrade every tuple whose row another version wrote.
-- Fields are coalesced to '' first so NULL and '' (which share a cache key) come once.
-- Columns: name_raw (the cache key, via the shared macro), first, middle, last, suffix, full.
WITH raw AS (
    SELECT first_name, middle_name, last_name, suffix, full_name FROM current_accounts
    UNION ALL
    SELECT first_name, middle_name, last_name, suffix, full_name FROM current_source_records
    UNION ALL
    -- a joint petition's second debtor, parsed as a full name (sql/resolve/10_flags.sql)
    SELECT NULL, NULL, NULL, NULL, co_debtor_name FROM current_source_records
    WHERE co_debtor_name IS NOT NULL
), distinct_raw AS (
    SELECT DISTINCT
        coalesce(first_name, '')  AS first_name,
        coalesce(middle_name, '') AS middle_name,
        coalesce(last_name, '')   AS last_name,
        coalesce(suffix, '')      AS suffix,
        coalesce(full_name, '')   AS full_name
    FROM raw
)
SELECT name_raw(d.first_name, d.middle_name, d.last_name, d.suffix, d.full_name) AS name_raw,
       d.first_name, d.middle_name, d.last_name, d.suffix, d.full_name
FROM distinct_raw d
ANTI JOIN std_name_cache c
    ON c.name_raw = name_raw(d.first_name, d.middle_name, d.last_name, d.suffix, d.full_name)
   AND c.std_version = $version
ORDER BY 1
