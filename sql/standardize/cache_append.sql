-- Append freshly standardized values (the registered frame `frame`) to the cache `table`,
-- stamped with the running standardizer's version ($version). Template (sql.render), filled by
-- matchers.standardize.replace_in_cache, which runs it after the DELETE of every row of another
-- version, in the same transaction: a recomputed value replaces its stale row.
--
-- One row per key without a primary-key index (migration 092): the frame holds distinct keys
-- (the pending queries group or de-duplicate them) and the anti-join skips a key the cache
-- already holds for this version, so a value is never cached twice. Standardization is
-- deterministic for one version, so a skipped row equals the one kept.
INSERT INTO {{table}} BY NAME
SELECT n.*, $version AS std_version
FROM {{frame}} AS n
WHERE NOT EXISTS (SELECT 1 FROM {{table}} AS c WHERE c.{{key}} = n.{{key}})
