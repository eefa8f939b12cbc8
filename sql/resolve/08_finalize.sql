-- Status, rank, time zone and reasons in words; the rows that become contact_points.
-- Status (debtor contacts): new = not on file; confirmed = on file and still supported by a
-- recent independent source with nothing saying the consumer left; on_file = on file but no
-- longer supported (likely stale). Third-party contacts are 'new' leads with their own rank and
-- a confidence that is the reliability of the lead itself, not P(reaches the debtor).
-- Rank and the account's time zone are computed on a narrow table (row id, keys and the columns
-- they read) and joined back by row id: the window sort and the per-account aggregates then move
-- a dozen columns per contact point instead of all of rs_scored's (the features, the address
-- parts, the factors), which at 1M accounts is several GB through a sort under the memory limit.
-- A third party's contact that is also one of the debtor's own on the account (a spouse's number
-- that is the household line, a relative reported at the debtor's address) is not written as a
-- third party's: it is the consumer's contact, whose point carries every decision about it (a
-- cease-and-desist, a hold, 'also listed for a relative or associate' in its reasons). Written
-- twice, the location export had to leave it out while the report counted it emitted, explain
-- said it was exported in location_info.csv and push sent one of the two rows. Few rows: the
-- join is built on the third parties' side.
CREATE OR REPLACE TEMP TABLE rs_tp_own AS
SELECT DISTINCT t.account_id, t.contact_type, t.contact_key
FROM (SELECT account_id, contact_type, contact_key FROM rs_scored WHERE role = 'third_party') t
JOIN (SELECT account_id, contact_type, contact_key FROM rs_scored WHERE role = 'debtor') d
  ON d.account_id = t.account_id AND d.contact_type = t.contact_type
 AND d.contact_key = t.contact_key;

CREATE OR REPLACE TEMP TABLE rs_final_rank AS
WITH s AS (
    SELECT x.rowid AS pid, x.account_id, x.role, x.contact_type, x.on_file, x.state,
           x.street_number, x.street_name, x.std_line1, x.last_seen, x.n_sources, x.n_records,
           x.contact_key, x.valid, x.placeholder,
           -- a number that is not valid cannot reach anyone, and a placeholder (a number or
           -- email reported for many debtors, 07) is nobody's own: confidence 0, whatever the
           -- model says of their support (factors keep the model's p)
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
           coalesce(zt.tz, st.tz) AS addr_tz,
           -- the consumer left: a USPS move away or without forwarding, or collectors' latest
           -- verdict on the address is returned mail or moved (00b_outcomes.sql)
           coalesce(x.moved_from, false) OR coalesce(x.ncoa_no_forward, false)
               OR coalesce(ov.outcome IN ('returned_mail', 'moved'), false) AS left_address
    FROM rs_scored x
    LEFT JOIN rs_outcome_last ov
           ON x.contact_type = 'address' AND ov.account_id = x.account_id
          AND ov.contact_type = 'address' AND ov.contact_key = x.contact_key
    LEFT JOIN rs_zip_tz zt ON x.contact_type = 'address' AND zt.zip5 = x.zip5
    LEFT JOIN rs_state_tz st ON x.contact_type = 'address' AND st.state = x.state
    ANTI JOIN rs_tp_own o
           ON x.role = 'third_party' AND o.account_id = x.account_id
          AND o.contact_type = x.contact_type AND o.contact_key = x.contact_key
)
-- An address without a house number or without a street name (and not a PO box) cannot
-- be mailed: it ranks after every complete address of the account, whatever its
-- confidence (issue 16, class 1: a record with a blank street became '# 4006', another
-- 'N 27TH ST' without a number, and outranked the complete address other records gave).
SELECT pid, account_id, role, contact_type, on_file, state, confidence, status, addr_tz,
       left_address,
       CAST(row_number() OVER (
           PARTITION BY account_id, contact_type, role
           ORDER BY s.placeholder,  -- withheld from the exports (08c): after every other point
                    rs_unmailable(s.contact_type, s.street_number, s.street_name, s.std_line1),
                    rs_undialable(s.contact_type, s.valid),
                    confidence DESC, last_seen DESC NULLS LAST,
                    -- equal confidence and recency: the more corroborated contact first
                    n_sources DESC, n_records DESC, contact_key) AS INTEGER) AS rank
FROM s;

CREATE OR REPLACE TEMP TABLE rs_final AS
WITH consumer_tz AS (
    -- the consumer's location: the best-ranked debtor address the consumer is not known to have
    -- left (USPS move, no forwarding), else the address on file. The best-ranked address, whatever
    -- its status: skipping addresses still only on file put the calling window in the zone of a
    -- 0.005 'new' address from 2014 when the on-file address ranked first at 0.77
    -- (sql/suppress/contact_subject.sql reads the consumer's state by the same rule, on the rank
    -- after collectors' outcomes (08b): a right-party contact can move an address up there)
    SELECT account_id,
           first(addr_tz ORDER BY rank) FILTER (WHERE addr_tz IS NOT NULL) AS tz,
           first(state ORDER BY rank) FILTER (WHERE state IS NOT NULL) AS state
    FROM rs_final_rank
    WHERE role = 'debtor' AND contact_type = 'address' AND NOT left_address
    GROUP BY account_id
),
onfile_tz AS (
    SELECT account_id, first(addr_tz ORDER BY rank) AS tz, first(state ORDER BY rank) AS state
    FROM rs_final_rank
    WHERE role = 'debtor' AND contact_type = 'address' AND on_file
    GROUP BY account_id
),
tz AS (
    SELECT x.*, k.confidence, k.status, k.addr_tz, k.rank,
           CASE WHEN x.contact_type = 'address' THEN k.addr_tz
                ELSE coalesce(ct.tz, ot.tz, x.tz_phone) END AS time_zone,
           CASE WHEN x.contact_type = 'phone' THEN x.tz_phone END AS tz_area_code
    FROM rs_scored x
    JOIN rs_final_rank k ON k.pid = x.rowid
    LEFT JOIN consumer_tz ct ON ct.account_id = x.account_id
    LEFT JOIN onfile_tz ot ON ot.account_id = x.account_id
)
-- rs_final holds what 08b, the write (09) and the flags (10) read: the columns only scoring or the
-- reasons above needed stay behind (at 1M accounts every column here is 5M values held through
-- the write under the memory limit).
SELECT t.* EXCLUDE (cid, best_s, onfile_date, indep_sources, move_date, tz_phone, quality,
                    latest_sources, latest_contested, recent_share, behind_years, rival_close,
                    recent_points, vendor_only, addr_tz),
       CASE WHEN t.contact_type = 'phone' AND t.time_zone IS NOT NULL AND t.tz_area_code IS NOT NULL
            THEN t.time_zone <> t.tz_area_code
                 AND (oa.tz IS NULL OR ob.tz IS NULL OR oa.off_jan <> ob.off_jan OR oa.off_jul <> ob.off_jul)
            ELSE false END AS tz_conflict,
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
FROM tz t
LEFT JOIN rs_tz_off oa ON oa.tz = t.time_zone
LEFT JOIN rs_tz_off ob ON ob.tz = t.tz_area_code;
