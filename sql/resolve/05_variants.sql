-- Address variants and the edges that say two of them may be one address.
-- A variant is one address key (rs_addr_key: number, directionals, street, suffix, unit number,
-- place: ZIP5, else city + state) seen for an account (per role: a relative's address never merges with the debtor's).
-- Two variants are one slip apart (an edge) when their places agree up to one slipped or missing part
-- (rs_same_place: a ZIP keyed on one record only, a mistyped state or town), their street
-- numbers are one slip apart at most, street names agree
-- (rs_same_name: Jaro-Winkler >= street_jw or one typing slip; suffix and both directionals not
-- contradicting: rs_dirs_agree keeps '500 E 100 N' and '500 E 100 S' apart, and merges
-- '500 E 100' into the one of them the account has) and their units are equal; or both are PO
-- boxes of one place whose box numbers are one slip apart ('PO BOX 3723' / 'PO BOX 3423'). A variant that differs from the
-- corroborated spelling by one such slip is that address reported with a typo: merged, it
-- corroborates the address instead of competing with it as a "newer" residence (issue 16,
-- class 2). The most supported spelling then represents the point (06).
-- An edge is one slip, and slips do not add up: the variants are clustered around centers
-- (05a_centers.sql), never along chains of edges. A connected component merged '100 TRACE ST',
-- '101 TRACE ST', ... '399 TRACE ST' of a debtor traced by 300 records into one contact point:
-- each is one keystroke from the next, and 100 is three from 399. rs_vcen below ranks the
-- variants that have an edge (prio 1 = best supported) for that clustering. Variants without a
-- unit are attached afterwards (05b), and only when exactly one unit is on offer, so
-- "123 MAIN ST" never chains "APT 4" and "APT 5" into one point.
-- Every field is taken from the clean parses first and, among equals, by its own value: the
-- records of one variant can spell its town or unit differently, and a first() without a total
-- order picked whichever row the scan met first, so two runs over the same data could merge
-- variants differently (run-to-run differences in contact_points at 1M accounts).
CREATE OR REPLACE TEMP TABLE rs_var AS
SELECT account_id, role, vkey,
       first(street_number ORDER BY quality = 'uncached', street_number NULLS LAST) AS street_number,
       first(street_name ORDER BY quality = 'uncached', street_name NULLS LAST) AS street_name,
       first(suffix ORDER BY quality = 'uncached', suffix NULLS LAST) AS suffix,
       first(predir ORDER BY quality = 'uncached', predir NULLS LAST) AS predir,
       first(postdir ORDER BY quality = 'uncached', postdir NULLS LAST) AS postdir,
       first(zip5 ORDER BY quality = 'uncached', zip5 NULLS LAST) AS zip5,
       first(place ORDER BY quality = 'uncached', place NULLS LAST) AS place,
       first(upper(trim(city)) ORDER BY quality = 'uncached', upper(trim(city)) NULLS LAST) AS city,
       first(upper(trim(state)) ORDER BY quality = 'uncached', upper(trim(state)) NULLS LAST) AS state,
       rs_po_box(first(std_line1 ORDER BY quality = 'uncached', std_line1 NULLS LAST)) AS po_box,
       rs_unit(first(unit_number ORDER BY quality = 'uncached', unit_number NULLS LAST)) AS unit
FROM rs_evs
WHERE contact_type = 'address'
  -- only the accounts whose variants may differ from the cached ones (04b_cache_variants_dirty:
  -- every account in a full resolve); 05c adds the others' from resolve_cache_variants
  AND account_id IN (SELECT account_id FROM rs_vdirty)
GROUP BY account_id, role, vkey;

-- A variant without a post-directional beside variants with two different ones ('500 E 100'
-- next to '500 E 100 N' and '500 E 100 S') cannot say which of them it is: it keeps no edge to
-- either, so it never chains N and S into one point, and stays an address of its own (as a
-- unit-less variant beside two units does in 05b).
CREATE OR REPLACE TEMP TABLE rs_uedge AS
WITH e AS (
    SELECT a.account_id, a.role, a.vkey AS k1, b.vkey AS k2,
           nullif(a.postdir, '') AS pd1, nullif(b.postdir, '') AS pd2
    FROM rs_var a
    JOIN rs_var b
      ON a.account_id = b.account_id AND a.role = b.role
     AND a.vkey <> b.vkey
    WHERE rs_same_place(a.zip5, a.city, a.state, b.zip5, b.city, b.state)
      AND ((rs_same_street_line(a.street_number, a.street_name, a.suffix, a.predir,
                                b.street_number, b.street_name, b.suffix, b.predir, $street_jw)
            AND rs_dirs_agree(a.postdir, b.postdir)
            AND a.unit IS NOT DISTINCT FROM b.unit)
           OR rs_same_number(a.po_box, b.po_box))
),
torn AS (
    SELECT account_id, role, k1 AS vkey
    FROM e
    WHERE pd1 IS NULL AND pd2 IS NOT NULL
    GROUP BY account_id, role, k1
    HAVING count(DISTINCT pd2) > 1
)
SELECT e.account_id, e.role, e.k1, e.k2
FROM e
WHERE NOT ((e.pd1 IS NULL) <> (e.pd2 IS NULL)
           AND EXISTS (SELECT 1 FROM torn t
                       WHERE t.account_id = e.account_id AND t.role = e.role
                         AND t.vkey IN (e.k1, e.k2)));

-- The variants that have an edge, ranked per account and role for the clustering (05a): a clean
-- parse first (the spelling 06 prefers to represent the point), then the most distinct sources
-- (the account file counts as one), the most records, the latest report, the key. Only what the
-- evidence cache keeps for the account is read (no match probability or source reliability:
-- those are joined back each run, 03b, and may change for an account whose variants are
-- carried), so a carried account's clusters are what a full resolve computes.
CREATE OR REPLACE TEMP TABLE rs_vcen AS
WITH s AS (
    SELECT e.account_id, e.role, e.vkey,
           bool_or(e.quality = 'ok') AS q_ok,
           len(list_distinct(list(e.source))) AS n_src,
           len(list_distinct(list(e.rec_id))) AS n_rec,
           max(e.d_last) AS last
    FROM rs_evs e
    SEMI JOIN rs_uedge u ON u.account_id = e.account_id AND u.role = e.role AND u.k1 = e.vkey
    WHERE e.contact_type = 'address'
    GROUP BY ALL
)
SELECT account_id, role, vkey,
       CAST(row_number() OVER (PARTITION BY account_id, role
                               ORDER BY q_ok DESC, n_src DESC, n_rec DESC, last DESC NULLS LAST, vkey)
            AS INTEGER) AS prio,
       'u' AS state
FROM s;
