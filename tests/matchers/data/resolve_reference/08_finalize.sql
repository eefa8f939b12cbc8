-- Status, rank, time zone and reasons in words; the rows that become contact_points.
-- Status (debtor contacts): new = not on file; confirmed = on file and still supported by a
-- recent independent source with nothing saying the consumer left; on_file = on file but no
-- longer supported (likely stale). Third-party contacts are 'new' leads with their own rank and
-- a confidence that is the reliability of the lead itself, not P(reaches the debtor).
CREATE OR REPLACE TEMP TABLE rs_final AS
WITH s AS (
    SELECT x.*,
           CASE WHEN rs_undialable(x.contact_type, x.valid) OR x.placeholder THEN 0.0
                WHEN x.role = 'third_party' THEN round(x.support, 4)
                ELSE round(x.p, 4) END AS confidence,
           CASE
               WHEN x.role = 'third_party' OR NOT x.on_file THEN 'new'
               WHEN x.has_support AND x.valid AND NOT coalesce(x.superseded, false)
                    AND NOT coalesce(x.succeeded, false)
                    AND NOT coalesce(x.moved_from, false) AND NOT coalesce(x.ncoa_no_forward, false)
                    AND coalesce(x.age_years, 0) <= CAST($confirm_max_years AS DOUBLE)
                   THEN 'confirmed'
               ELSE 'on_file'
           END AS status,
           -- the address's zones (ZIP, one-clock city, else its state's), as sql/resolve/08_finalize.sql
           coalesce(zt.tz, ct.tz, st.tz) AS addr_tz,
           CASE WHEN zt.tz IS NOT NULL THEN [zt.tz] WHEN ct.one_clock THEN [ct.tz]
                ELSE list_distinct(list_concat([coalesce(ct.tz, st.tz)], st.zones)) END AS addr_zones,
           x.contact_type = 'address' AND coalesce(x.state IN ('AA', 'AE', 'AP'), false)
               AND zt.tz IS NULL AS abroad
    FROM rs_scored x
    LEFT JOIN rs_zip_tz zt ON x.contact_type = 'address' AND zt.zip5 = x.zip5
    LEFT JOIN rs_city_tz ct ON x.contact_type = 'address' AND ct.state = x.state AND ct.city = x.city
    LEFT JOIN rs_state_tz st ON x.contact_type = 'address' AND st.state = x.state
    -- a third party's contact that is also the debtor's own is only the debtor's
    WHERE NOT (x.role = 'third_party' AND EXISTS (
        SELECT 1 FROM rs_scored d
        WHERE d.role = 'debtor' AND d.account_id = x.account_id
          AND d.contact_type = x.contact_type AND d.contact_key = x.contact_key))
),
ranked AS (
    -- An address without a house number or without a street name (and not a PO box) cannot
    -- be mailed: it ranks after every complete address of the account, whatever its
    -- confidence (issue 16, class 1: a record with a blank street became '# 4006', another
    -- 'N 27TH ST' without a number, and outranked the complete address other records gave).
    SELECT s.*, CAST(row_number() OVER (
               PARTITION BY account_id, contact_type, role
               ORDER BY s.placeholder,
                        rs_unmailable(s.contact_type, s.street_number, s.street_name, s.std_line1),
                        rs_undialable(s.contact_type, s.valid),
                        confidence DESC, last_seen DESC NULLS LAST,
                        -- equal confidence and recency: the more corroborated contact first
                        n_sources DESC, n_records DESC, contact_key) AS INTEGER) AS rank
    FROM s
),
consumer_tz AS (
    -- the consumer's location: the best-ranked address the consumer is not known to have left,
    -- else the address on file (the twenty-third session's rule, as in sql/resolve/08_finalize.sql);
    -- its zones and those of the other such addresses at or above $zone_floor
    SELECT account_id,
           first(addr_tz ORDER BY rank) FILTER (WHERE addr_tz IS NOT NULL) AS tz,
           first(state ORDER BY rank) FILTER (WHERE state IS NOT NULL) AS state,
           list_distinct(list_concat(
               coalesce(first(addr_zones ORDER BY rank) FILTER (WHERE addr_zones IS NOT NULL), []),
               coalesce(flatten(list(addr_zones) FILTER (
                   WHERE addr_zones IS NOT NULL AND confidence >= CAST($zone_floor AS DOUBLE))), [])
           )) AS zones,
           arg_min(abroad, rank) OR bool_or(abroad AND confidence >= CAST($zone_floor AS DOUBLE))
               AS abroad
    FROM ranked
    WHERE role = 'debtor' AND contact_type = 'address'
      AND NOT coalesce(moved_from, false) AND NOT coalesce(ncoa_no_forward, false)
      AND NOT EXISTS (SELECT 1 FROM rs_outcome_last ov
                      WHERE ov.account_id = ranked.account_id AND ov.contact_type = 'address'
                        AND ov.contact_key = ranked.contact_key
                        AND ov.outcome IN ('returned_mail', 'moved'))
    GROUP BY account_id
),
onfile_tz AS (
    SELECT account_id, first(addr_tz) AS tz, first(state) AS state,
           first(addr_zones ORDER BY rank) AS zones, first(abroad ORDER BY rank) AS abroad
    FROM ranked
    WHERE role = 'debtor' AND contact_type = 'address' AND on_file
    GROUP BY account_id
),
located AS (
    SELECT r.*,
           CASE WHEN r.contact_type = 'address' THEN r.addr_tz
                ELSE coalesce(ct.tz, ot.tz, r.tz_phone) END AS time_zone,
           CASE WHEN r.contact_type = 'phone' THEN r.tz_phone END AS tz_area_code,
           -- a phone's zones: the consumer's and the number's; every US clock when none or abroad
           CASE WHEN r.contact_type = 'phone' THEN list_distinct(list_concat(
               coalesce(CASE WHEN ct.tz IS NOT NULL THEN ct.zones ELSE ot.zones END, []),
               coalesce(CASE WHEN r.tz_phone IS NOT NULL THEN [r.tz_phone] ELSE az.zones END, [])))
           END AS zones0,
           coalesce(ct.abroad, ot.abroad, false) AS abroad_consumer
    FROM ranked r
    LEFT JOIN consumer_tz ct ON ct.account_id = r.account_id
    LEFT JOIN onfile_tz ot ON ot.account_id = r.account_id
    LEFT JOIN rs_area_tz az ON r.contact_type = 'phone' AND az.e164 = r.e164
),
tz AS (
    SELECT l.* EXCLUDE (zones0, abroad_consumer),
           CASE WHEN l.contact_type = 'phone' THEN (
               SELECT list(z.tz ORDER BY coalesce(o.n_zips, 0) DESC, z.tz)
               FROM (SELECT DISTINCT unnest(list_concat(l.zones0,
                         CASE WHEN l.abroad_consumer OR len(l.zones0) = 0
                              THEN (SELECT list(tz) FROM rs_tz_off WHERE us_clock) ELSE [] END)) AS tz) z
               LEFT JOIN rs_tz_off o ON o.tz = z.tz) END AS tz_zones
    FROM located l
)
SELECT t.*,
       coalesce(t.contact_type = 'phone' AND (
           SELECT count(DISTINCT coalesce(CAST(o.off_jan AS VARCHAR) || '/' || CAST(o.off_jul AS VARCHAR), z.tz)) > 1
           FROM (SELECT unnest(t.tz_zones) AS tz) z LEFT JOIN rs_tz_off o ON o.tz = z.tz), false)
           AS tz_conflict,
       CASE WHEN t.role = 'third_party' THEN concat_ws('; ',
                coalesce(t.relationship, 'associate') || '''s ' || t.contact_type || ' (not the debtor''s own)',
                'reported by ' || t.indep_sources,
                'last seen ' || strftime(t.last_seen, '%Y-%m-%d'))
       ELSE concat_ws('; ',
           CASE t.status
               WHEN 'new' THEN 'new ' || t.contact_type || ' from ' || t.n_sources
                    || CASE WHEN t.n_sources = 1 THEN ' source (' ELSE ' sources (' END || t.indep_sources || ')'
               WHEN 'confirmed' THEN 'on file, confirmed by ' || t.indep_sources
               ELSE CASE WHEN t.has_support THEN 'on file, not recently confirmed (last reported by ' || t.indep_sources || ')'
                         ELSE 'on file, not reported by any source' END
           END,
           'last seen ' || strftime(t.last_seen, '%Y-%m-%d'),
           CASE WHEN t.ncoa_family THEN 'USPS family change-of-address forwarding address'
                WHEN t.ncoa_forward THEN 'USPS change-of-address forwarding address' END,
           CASE WHEN t.vendor_rank1 THEN 'vendor''s first candidate' END,
           CASE WHEN t.ncoa_no_forward THEN 'USPS: moved, left no forwarding address'
                WHEN t.moved_from THEN 'USPS change of address: moved away ' || coalesce(strftime(t.move_date, '%Y-%m-%d'), '') END,
           CASE WHEN t.superseded AND NOT t.moved_from THEN 'a newer address has been reported since'
                WHEN t.succeeded AND NOT t.moved_from THEN 'another address was first reported after this one and is as current' END,
           CASE WHEN t.contact_type = 'address' AND NOT t.valid THEN 'address did not standardize cleanly (' || coalesce(t.quality, '?') || ')'
                WHEN t.contact_type = 'phone' AND NOT t.valid THEN 'number is not valid' END,
           CASE WHEN t.contact_type = 'phone' THEN nullif(t.line_type, 'unknown') END,
           CASE WHEN t.prepaid THEN 'prepaid' END,
           CASE WHEN t.shared_third_party THEN 'also listed for a relative or associate' END)
       END AS reasons
FROM tz t;
