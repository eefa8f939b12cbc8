-- Append freshly standardized addresses (the registered frame std_address_new) to the cache,
-- stamped with the running standardizer's version ($version, matchers.address.address_std_version).
-- In key order, as a plain INSERT: the cheapest way to fill the primary-key index. It runs in
-- matchers.standardize.replace_in_cache, after the DELETE of every row of another version, so a
-- recomputed tuple replaces its stale row. Should two refreshes race on the same new string, the
-- transaction is redone as INSERT OR IGNORE: the first writer wins and both results are
-- identical anyway (standardization is deterministic for one version).
INSERT INTO std_address_cache (
    addr_raw, street_number, predir, street_name, suffix, postdir, unit_type, unit_number,
    po_box, rural_route, city, state, zip5, zip4, std_line1, std_line2, quality, parser,
    std_version
)
SELECT
    addr_raw, street_number, predir, street_name, suffix, postdir, unit_type, unit_number,
    po_box, rural_route, city, state, zip5, zip4, std_line1, std_line2, quality, parser,
    $version
FROM std_address_new
ORDER BY addr_raw
