-- Which accounts' address variants (05, 05a, 05b) must be recomputed: the evidence-dirty ones,
-- and those whose NCOA forwarding addresses differ from the cached state's. Forwards are
-- recomputed every run (04): whether a move applies depends on the as-of date (moves effective
-- later are not yet true) and, for family moves, on other accounts' households, so what is
-- compared is their result, one hash per distinct variant-defining tuple, xor-combined.
CREATE OR REPLACE TEMP TABLE rs_ncoa_digest AS
SELECT account_id, bit_xor(h) AS ncoa_digest
FROM (
    SELECT DISTINCT account_id,
           hash(role, vkey, std_line1, street_number, street_name, suffix, predir, zip5, place,
                city, state, unit_number, quality) AS h
    FROM rs_evs
    WHERE contact_type = 'address' AND evidence IN ('ncoa_forward', 'ncoa_family')
)
GROUP BY account_id;

CREATE OR REPLACE TEMP TABLE rs_vdirty AS
SELECT account_id FROM rs_dirty
UNION
SELECT coalesce(n.account_id, c.account_id)
FROM rs_ncoa_digest n
FULL JOIN (SELECT account_id, ncoa_digest FROM resolve_cache_accounts
           WHERE $incremental AND ncoa_digest <> 0) c
  ON c.account_id = n.account_id
WHERE $incremental AND coalesce(n.ncoa_digest, 0) <> coalesce(c.ncoa_digest, 0);
