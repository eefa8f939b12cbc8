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

-- rs_crowded, the debtor addresses reported for many unrelated debtors most of whom live
-- elsewhere, is judged in 06_clusters.sql (before supersession: such an address is not taken as
-- a newer residence there) and read here for the rank, the cap and the reasons.

CREATE OR REPLACE TEMP TABLE rs_final_rank AS
WITH s AS (
    SELECT x.rowid AS pid, x.account_id, x.role, x.contact_type, x.on_file, x.state,
           x.street_number, x.street_name, x.std_line1, x.last_seen, x.n_sources, x.n_records,
           x.contact_key, x.valid, x.placeholder, x.first_seen, x.onfile_date,
           x.contact_type = 'address' AND rs_unit(x.unit_number) IS NOT NULL AS has_unit,
           CASE WHEN x.contact_type = 'phone' THEN x.tz_phone END AS tz_phone,
           CASE WHEN x.contact_type = 'phone' THEN x.e164 END AS e164,
           -- a number that is not valid cannot reach anyone, and a placeholder (a number or
           -- email reported for many debtors, 07) is nobody's own: confidence 0, whatever the
           -- model says of their support (factors keep the model's p)
           CASE WHEN rs_undialable(x.contact_type, x.valid) OR x.placeholder THEN 0.0
                WHEN x.role = 'third_party' THEN round(x.support, 4)
                -- an address most of whose debtors live elsewhere (rs_crowded): at most the
                -- share of them it is the home of
                WHEN cr.elsewhere
                    THEN round(least(x.p, greatest(CAST(cr.placed AS DOUBLE) / cr.judged, 0.005)), 4)
                ELSE round(x.p, 4) END AS confidence,
           coalesce(cr.elsewhere, false) AS crowded_elsewhere, cr.debtors AS crowded_debtors,
           cr.judged AS crowded_judged, cr.placed AS crowded_placed,
           CASE
               WHEN x.role = 'third_party' OR NOT x.on_file THEN 'new'
               WHEN x.has_support AND x.valid AND NOT coalesce(x.superseded, false)
                    AND NOT coalesce(x.succeeded, false)
                    AND NOT coalesce(x.moved_from, false) AND NOT coalesce(x.ncoa_no_forward, false)
                    AND coalesce(x.age_years, 0) <= CAST($confirm_max_years AS DOUBLE)
                   THEN 'confirmed'
               ELSE 'on_file'
           END AS status,
           -- the address's zone: its ZIP's, else its city's (most common when the city spans
           -- clocks), else its state's most common; NULL when nothing locates it. When neither
           -- the ZIP nor a one-clock city settles it, every zone of its state is possible
           -- (addr_zones: an El Paso or a Knoxville without a ZIP is not simply Central); NULL
           -- otherwise, the zone being addr_tz alone (a list on every address cost more)
           coalesce(zt.tz, ct.tz, st.tz) AS addr_tz,
           CASE WHEN zt.tz IS NULL AND NOT coalesce(ct.one_clock, false) THEN st.zones END
               AS addr_zones,
           -- a military post office (APO / FPO / DPO): the consumer is abroad, no zone known
           x.contact_type = 'address' AND coalesce(x.state IN ('AA', 'AE', 'AP'), false)
               AND zt.tz IS NULL AS abroad,
           -- the consumer left: a USPS move away or without forwarding, or collectors' latest
           -- verdict on the address is returned mail or moved (00b_outcomes.sql)
           coalesce(x.moved_from, false) OR coalesce(x.ncoa_no_forward, false)
               OR coalesce(list_contains(address_bad_verdicts(), ov.outcome), false) AS left_address
    FROM rs_scored x
    LEFT JOIN rs_outcome_last ov
           ON x.contact_type = 'address' AND ov.account_id = x.account_id
          AND ov.contact_type = 'address' AND ov.contact_key = x.contact_key
    LEFT JOIN rs_zip_tz zt ON x.contact_type = 'address' AND zt.zip5 = x.zip5
    LEFT JOIN rs_city_tz ct ON x.contact_type = 'address' AND ct.state = x.state AND ct.city = x.city
    LEFT JOIN rs_state_tz st ON x.contact_type = 'address' AND st.state = x.state
    LEFT JOIN rs_crowded cr
           ON x.role = 'debtor' AND x.contact_type = 'address' AND cr.contact_key = x.contact_key
    ANTI JOIN rs_tp_own o
           ON x.role = 'third_party' AND o.account_id = x.account_id
          AND o.contact_type = x.contact_type AND o.contact_key = x.contact_key
),
-- A building reported without the apartment beside the same building with one (several units
-- on offer, or 05b would have merged it): the unit's address is the one mail reaches (USPS
-- delivers a multi-unit building's mail by the secondary number; CASS flags a bare high-rise
-- address as missing it), and the bare report says the person is in that building, so the bare
-- point ranks right after the best unit point of the account at that building, never before
-- it. Only a unit the evidence still places the person at: not one the person left (a USPS
-- move, returned mail: left_address), at a confidence of at least $unit_follow_floor (the
-- import files' verify band: a unit below it is held for verification, and a unit the model
-- puts at 0.005, superseded by the person's later addresses, is no place to mail; the first
-- version of this rule put 43 such units of the audit's c_building above a 0.99 bare
-- report), and not when the bare report is the newer evidence and the unit stale: the bare
-- point first reported (or placed on file) more than $unit_stale_days after the unit's last
-- report (or on-file date), the person may have moved within the building, and the bare
-- point keeps its own place. The same building is the same key without the unit ('1200 PARK AVE #4|78701' /
-- '1200 PARK AVE|78701'). The bare point's confidence is left as the model scored it: only
-- the order changes, as for an unmailable address.
-- The unit's point is carried with what ranked reads of it (one small struct per bare point)
-- rather than looked up again in s by row id: a second join of s, every point of the run.
unit_of AS (
    SELECT b.pid,
           arg_max({'confidence': u.confidence, 'contact_key': u.contact_key, 'line': u.std_line1},
                   (u.confidence, u.last_seen, u.contact_key)) AS unit
    FROM s b
    JOIN s u
      ON u.account_id = b.account_id AND u.role = 'debtor' AND u.contact_type = 'address'
     AND u.has_unit AND NOT u.left_address
     AND u.confidence >= CAST($unit_follow_floor AS DOUBLE)
     AND rs_building_of(u.contact_key, b.contact_key)
    WHERE b.role = 'debtor' AND b.contact_type = 'address' AND NOT b.has_unit
      AND NOT rs_unit_stale(b.first_seen, b.onfile_date, u.last_seen, u.onfile_date,
                            CAST($unit_stale_days AS INTEGER))
    GROUP BY b.pid
),
-- The window below sorts and carries every column of its input: the columns the rank reads are
-- computed here (unmailable, undialable), so the address parts and validity they come from are
-- not moved through the sort; the output columns are named, not s.*.
ranked AS (
    SELECT s.pid, s.account_id, s.role, s.contact_type, s.on_file, s.state, s.confidence,
           s.status, s.addr_tz, s.addr_zones, s.abroad, s.left_address, s.tz_phone, s.e164,
           s.placeholder, s.last_seen, s.n_sources, s.n_records, s.contact_key,
           s.crowded_elsewhere, s.crowded_debtors, s.crowded_judged, s.crowded_placed,
           rs_unmailable(s.contact_type, s.street_number, s.street_name, s.std_line1) AS unmailable,
           rs_undialable(s.contact_type, s.valid) AS undialable,
           uo.unit.contact_key AS unit_point_key, uo.unit.line AS unit_line,
           -- ranked as the unit when it would outrank it, and right after it
           CASE WHEN uo.unit.confidence < s.confidence THEN uo.unit.confidence
                ELSE s.confidence END AS rank_conf,
           coalesce(uo.unit.confidence < s.confidence, false) AS after_unit
    FROM s
    LEFT JOIN unit_of uo ON uo.pid = s.pid
)
-- An address without a house number or without a street name (and not a PO box) cannot
-- be mailed: it ranks after every complete address of the account, whatever its
-- confidence (issue 16, class 1: a record with a blank street became '# 4006', another
-- 'N 27TH ST' without a number, and outranked the complete address other records gave).
-- An address most of whose many debtors live elsewhere (rs_crowded: a business or a mail
-- address keyed or echoed into debtors' files) ranks after every other complete address of the
-- account, whatever the model's confidence: the account's own evidence of a home comes first.
SELECT pid, account_id, role, contact_type, on_file, state, confidence, status, addr_tz,
       addr_zones, abroad, left_address, tz_phone, e164, unit_point_key, unit_line,
       crowded_elsewhere, crowded_debtors, crowded_judged, crowded_placed,
       CAST(row_number() OVER (
           PARTITION BY account_id, contact_type, role
           ORDER BY s.placeholder,  -- withheld from the exports (08c): after every other point
                    unmailable,
                    undialable,
                    crowded_elsewhere,
                    rank_conf DESC, after_unit, last_seen DESC NULLS LAST,
                    -- equal confidence and recency: the more corroborated contact first
                    n_sources DESC, n_records DESC, contact_key) AS INTEGER) AS rank
FROM ranked s;

-- The consumer's location, per account: the best-ranked debtor address the consumer is not known
-- to have left (USPS move, no forwarding, collectors' latest verdict), else the address on file
-- (`onfile_*`). The best-ranked address, whatever its status: skipping addresses still only on
-- file put the calling window in the zone of a 0.005 'new' address from 2014 when the on-file
-- address ranked first at 0.77 (sql/suppress/contact_subject.sql reads the consumer's state by
-- the same rule, on the rank after collectors' outcomes (08b): a right-party contact can move an
-- address up there). Reg F 1006.6(b)(1) asks for hours convenient in every place the information
-- indicates, so `zones` adds the zones of every other such address with a confidence of at least
-- $zone_floor (ResolveSettings.calling_zone_floor): a 0.98 New York address behind a 0.995 Los
-- Angeles one is where the consumer may be as well. `abroad`: one of them is a military post
-- office, which no zone locates. One pass over the narrow table's debtor addresses.
CREATE OR REPLACE TEMP TABLE rs_account_tz AS
WITH a AS (
    -- arg_min picks the best-ranked row without sorting each account's addresses (an ordered
    -- first() sorts); arg_min skips a NULL value, arg_min_null takes it
    SELECT account_id,
           arg_min(addr_tz, rank) FILTER (WHERE NOT left_address) AS tz,
           arg_min_null(addr_zones, rank) FILTER (WHERE NOT left_address AND addr_tz IS NOT NULL)
               AS best_zones,
           list(addr_tz) FILTER (WHERE NOT left_address AND addr_tz IS NOT NULL
                                   AND confidence >= CAST($zone_floor AS DOUBLE)) AS more_tz,
           flatten(list(addr_zones) FILTER (
               WHERE NOT left_address AND addr_zones IS NOT NULL
                 AND confidence >= CAST($zone_floor AS DOUBLE))) AS more_zones,
           min(addr_tz) FILTER (WHERE NOT left_address AND confidence >= CAST($zone_floor AS DOUBLE))
               AS lo_tz,
           max(addr_tz) FILTER (WHERE NOT left_address AND confidence >= CAST($zone_floor AS DOUBLE))
               AS hi_tz,
           arg_min(abroad, rank) FILTER (WHERE NOT left_address)
               OR bool_or(abroad AND confidence >= CAST($zone_floor AS DOUBLE))
                      FILTER (WHERE NOT left_address) AS abroad,
           arg_min_null(addr_tz, rank) FILTER (WHERE on_file) AS onfile_tz,
           arg_min_null(addr_zones, rank) FILTER (WHERE on_file) AS onfile_zones,
           arg_min_null(abroad, rank) FILTER (WHERE on_file) AS onfile_abroad
    FROM rs_final_rank
    WHERE role = 'debtor' AND contact_type = 'address'
    GROUP BY account_id
)
SELECT account_id, tz, onfile_tz,
       -- the zones of the address time_zone comes from and of the others above the floor, as
       -- one sorted list (the key of rs_phone_tz's sets); nearly every account has one zone,
       -- which skips the list functions
       CASE WHEN tz IS NULL AND onfile_zones IS NOT NULL
                THEN list_sort(list_distinct(list_concat([onfile_tz], onfile_zones)))
            WHEN tz IS NULL THEN CASE WHEN onfile_tz IS NOT NULL THEN [onfile_tz] END
            WHEN best_zones IS NULL AND more_zones IS NULL
                 AND (lo_tz IS NULL OR (lo_tz = tz AND hi_tz = tz))
                THEN [tz]
            ELSE list_sort(list_distinct(list_concat(
                     [tz], coalesce(best_zones, []), coalesce(more_tz, []), coalesce(more_zones, []))))
       END AS zones,
       coalesce(abroad, onfile_abroad, false) AS abroad
FROM a;

-- Every zone a phone's calling window must respect (contact_points.tz_zones), on the narrow
-- table's phones: the consumer's (the zones of the address time_zone comes from) and the
-- number's (its own zone, else every zone of an area code that spans several: Alaska's 907);
-- when nothing places the consumer (no zone at all, or an address abroad) every US clock is
-- possible, one zone each (rs_tz_off.us_clock). Each distinct set is listed once (a few hundred
-- at 1M accounts), most common zone first (the exports state the window in the first when no
-- zone is the consumer's or the number's); a conflict when its zones do not all keep the same
-- clock, winter and summer.
CREATE OR REPLACE TEMP TABLE rs_phone_tz AS
WITH located AS (
    SELECT k.pid, a.zones AS consumer_zones,
           CASE WHEN k.tz_phone IS NOT NULL THEN [k.tz_phone] ELSE az.zones END AS number_zones,
           coalesce(a.abroad, false) AS abroad
    FROM rs_final_rank k
    LEFT JOIN rs_account_tz a ON a.account_id = k.account_id
    LEFT JOIN rs_area_tz az ON az.e164 = k.e164
    WHERE k.contact_type = 'phone'
),
combos AS (
    SELECT consumer_zones, number_zones, abroad,
           list_distinct(list_concat(coalesce(consumer_zones, []), coalesce(number_zones, [])))
               AS zones
    FROM (SELECT DISTINCT consumer_zones, number_zones, abroad FROM located)
),
sets AS (
    SELECT s.consumer_zones, s.number_zones, s.abroad,
           list(s.tz ORDER BY coalesce(o.n_zips, 0) DESC, s.tz) AS tz_zones,
           count(DISTINCT coalesce(CAST(o.off_jan AS VARCHAR) || '/' || CAST(o.off_jul AS VARCHAR), s.tz))
               > 1 AS tz_conflict
    FROM (SELECT DISTINCT c.consumer_zones, c.number_zones, c.abroad, unnest(CASE
              WHEN c.abroad OR len(c.zones) = 0 THEN list_distinct(list_concat(c.zones, us.zones))
              ELSE c.zones END) AS tz
          FROM combos c, (SELECT list(tz) AS zones FROM rs_tz_off WHERE us_clock) us) s
    LEFT JOIN rs_tz_off o ON o.tz = s.tz
    GROUP BY ALL
)
SELECT l.pid, s.tz_zones, s.tz_conflict
FROM located l
JOIN sets s ON s.consumer_zones IS NOT DISTINCT FROM l.consumer_zones
           AND s.number_zones IS NOT DISTINCT FROM l.number_zones AND s.abroad = l.abroad;

CREATE OR REPLACE TEMP TABLE rs_final AS
WITH tz AS (
    SELECT x.*, k.confidence, k.status, k.addr_tz, k.rank, k.unit_point_key, k.unit_line,
           k.crowded_elsewhere, k.crowded_debtors, k.crowded_judged, k.crowded_placed,
           CASE WHEN x.contact_type = 'address' THEN k.addr_tz
                ELSE coalesce(a.tz, a.onfile_tz, x.tz_phone) END AS time_zone,
           CASE WHEN x.contact_type = 'phone' THEN x.tz_phone END AS tz_area_code,
           p.tz_zones, coalesce(p.tz_conflict, false) AS tz_conflict
    FROM rs_scored x
    JOIN rs_final_rank k ON k.pid = x.rowid
    LEFT JOIN rs_account_tz a ON a.account_id = x.account_id
    LEFT JOIN rs_phone_tz p ON p.pid = x.rowid
)
-- rs_final holds what 08b, the write (09) and the flags (10) read: the columns only scoring or the
-- reasons above needed stay behind (at 1M accounts every column here is 5M values held through
-- the write under the memory limit).
SELECT t.* EXCLUDE (onfile_date, indep_sources, move_date, tz_phone, quality, addr_tz, unit_line)
           -- an address's debtors are counted only where they are many (rs_crowded)
           REPLACE (coalesce(t.crowded_debtors, t.shared_debtors) AS shared_debtors),
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
           CASE WHEN t.shared_third_party THEN 'also listed for a relative or associate' END,
           CASE WHEN t.unit_point_key IS NOT NULL
                THEN 'the building of ' || t.unit_line || ' without its apartment: ranked after it' END,
           CASE WHEN t.crowded_elsewhere
                THEN rs_crowded_reason(t.crowded_debtors, t.crowded_judged, t.crowded_placed,
                                       false) END)
       END AS reasons
FROM tz t;
