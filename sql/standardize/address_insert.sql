-- Append freshly standardized addresses (the registered frame std_address_new) to the cache.
-- In key order, as a plain INSERT: the cheapest way to fill the primary-key index. Should two
-- refreshes race on the same new string, matchers.standardize.append_to_cache reruns this as
-- INSERT OR IGNORE: the first writer wins and both results are identical anyway
-- (standardization is deterministic).
INSERT INTO std_address_cache (
    addr_raw, street_number, predir, street_name, suffix, postdir, unit_type, unit_number,
    po_box, rural_route, city, state, zip5, zip4, std_line1, std_line2, quality, parser
)
SELECT
    addr_raw, street_number, predir, street_name, suffix, postdir, unit_type, unit_number,
    po_box, rural_route, city, state, zip5, zip4, std_line1, std_line2, quality, parser
FROM std_address_new
ORDER BY addr_raw
