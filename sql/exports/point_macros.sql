-- Temporary macros that decide a contact point's exported values: its ZIP in the export's
-- format, its calling window and usability (contact_usability, which the import layouts and the
-- push read too) and the points delta.csv stores (delta_points_of). emit() runs this file before
-- export_macros.sql and the export queries (flows/exports/emit.py EXPORT_MACROS).
--
-- A file of their own because a run's stored delta points (migration 120) are reused by the
-- next run's delta only when they carry the digest of the SQL that computed them (emit.py
-- delta_definition: this file and delta_points_write.sql). Everything delta_points_of calls is
-- here and nothing else: an edit to another export's macro (export_macros.sql) keeps the stored
-- points in use, an edit to anything that decides their values has them computed again
-- (tests/flows/exports/test_delta_points.py checks both, and that this file holds exactly the
-- macros delta_points_of is made of).

-- One ZIP format per export set ($zip_format): 'zip5' (default: five digits) or 'zip+4'
-- (NNNNN-NNNN when all nine digits are known, else the five). Collections systems reject or
-- mis-sort a column that mixes the two.
CREATE OR REPLACE TEMP MACRO export_zip_digits(zip) AS regexp_replace(coalesce(zip, ''), '[^0-9]', '', 'g');
CREATE OR REPLACE TEMP MACRO export_zip(zip, fmt) AS (
    CASE WHEN length(export_zip_digits(zip)) < 5 THEN nullif(trim(coalesce(zip, '')), '')
         WHEN fmt = 'zip+4' AND length(export_zip_digits(zip)) = 9
              THEN left(export_zip_digits(zip), 5) || '-' || right(export_zip_digits(zip), 4)
         ELSE left(export_zip_digits(zip), 5) END
);

-- A zone's offset from UTC in minutes on a date (at 12:00 UTC, away from DST switch hours);
-- NULL for a zone name ICU does not know.
CREATE OR REPLACE TEMP MACRO utc_offset_minutes(tz, d) AS try(date_diff(
    'minute',
    CAST(d AS TIMESTAMP) + INTERVAL 12 HOUR,
    timezone(tz, timezone('UTC', CAST(d AS TIMESTAMP) + INTERVAL 12 HOUR))
));

-- The zones a phone's calling window must respect: resolution's tz_zones, else (rows written
-- before migration 114) the consumer's zone and the area code's.
CREATE OR REPLACE TEMP MACRO phone_zones(tz_zones, time_zone, tz_area_code) AS
    coalesce(tz_zones, list_distinct(list_filter([time_zone, tz_area_code], lambda z: z IS NOT NULL)));

-- The calling window of every distinct set of zones among a run's phones (Reg F 12 CFR
-- 1006.6(b)(1): 8 a.m.-9 p.m. at the consumer's location, in every location the information
-- indicates when it is ambiguous), stated in one of them (window_tz), on the run's as-of date:
-- one row per (window_tz, zones) with start and end in minutes after midnight window_tz time,
-- the end exclusive (1260: 21:00), or NULL when no minute is 8 a.m.-9 p.m. in all the zones.
-- Each zone's 08:00-21:00 is a real interval of that day (the UTC offsets of the as-of date),
-- so one 13 or more hours from window_tz wraps past midnight there: Guam's 08:00-21:00 is
-- 18:00-07:00 New York time in summer, and its common part with New York's own is 18:00-21:00.
-- The minutes of window_tz's 08:00-21:00 are tested one by one (780 per set, a few hundred sets
-- in a run) and the longest run of minutes kept, the earliest of equal ones (zones 11-13 hours
-- apart leave two: 08:00-09:00 and 20:00-21:00 New York time with Manila). A zone ICU does not
-- know counts as window_tz's clock, as the window always read it.
CREATE OR REPLACE TEMP MACRO calling_windows(p_run_id) AS TABLE
    WITH day AS (
        -- the run's as-of date (today for a run not recorded, as emit reads it)
        SELECT coalesce(max(as_of), current_date) AS as_of FROM runs WHERE run_id = p_run_id
    ),
    sets AS (
        SELECT z.window_tz, z.zones, row_number() OVER () AS sid, day.as_of,
               coalesce(utc_offset_minutes(z.window_tz, day.as_of), 0) AS off_w
        FROM (SELECT DISTINCT coalesce(time_zone, tz_area_code, tz_zones[1]) AS window_tz,
                     phone_zones(tz_zones, time_zone, tz_area_code) AS zones
              FROM contact_points
              WHERE run_id = p_run_id AND contact_type = 'phone') z, day
        WHERE z.window_tz IS NOT NULL
    ),
    offsets AS (
        SELECT sid, off_w, list_transform(zones,
                   lambda z: coalesce(utc_offset_minutes(z, as_of), off_w)) AS offs
        FROM sets
    ),
    minutes AS (
        -- the window_tz minutes m that are 08:00-21:00 in every zone (local = m - off_w + off)
        SELECT o.sid, m.m
        FROM offsets o, (SELECT unnest(range(480, 1260)) AS m) m
        WHERE list_bool_and(list_transform(o.offs,
                  lambda off: ((m.m - o.off_w + off) % 1440 + 1440) % 1440 BETWEEN 480 AND 1259))
    ),
    runs_of AS (
        SELECT sid, min(m) AS start_min, max(m) + 1 AS end_min
        FROM (SELECT sid, m, m - row_number() OVER (PARTITION BY sid ORDER BY m) AS grp
              FROM minutes)
        GROUP BY sid, grp
        QUALIFY row_number() OVER (PARTITION BY sid ORDER BY end_min - start_min DESC, start_min) = 1
    )
    SELECT s.window_tz, s.zones, r.start_min, r.end_min
    FROM sets s LEFT JOIN runs_of r ON r.sid = s.sid;

-- Usable by a collector: the one definition of what the import layouts mark bad or hold, and
-- of what the push (sql/push/stage_contacts.sql) writes as not callable, with the same words.
-- One row per contact point of the run of type p_type (NULL: every type), every role and status
-- (the import layouts keep the debtor's unsuppressed points), with the point's columns but the
-- JSON ones, and:
--   bad, bad_reason: not to be used at all (import status `bad`): an address the consumer moved
--     away from (USPS change of address or an NCOA return without a forward: the factors
--     moved_from, ncoa_no_forward) or that a do_not_mail decision names (Reg F 1006.42(b)), a
--     phone number that is not valid, any contact with confidence below the bad band (p_bad);
--   held, hold_reason: on hold (import `on_hold` Y, `on_hold_reason`): held by a compliance rule
--     (every 'hold' decision on the account or on that point, in words), confidence below
--     the verify band (p_verify), to be verified before use, or a phone with no calling window
--     (no hour is 8 a.m.-9 p.m. in every zone the consumer may be in: calling_windows above);
--   call_window_tz, call_window_start, call_window_end: a phone's calling window on the run's
--     as-of date (calling_windows; minutes after midnight, the end exclusive), NULL when it has
--     none or no zone is known at all (rows written before resolution listed zones);
--   call_window_zones: the zones that window respects (phone_zones; NULL but for a phone), which
--     the push writes beside the window.
-- p_bad and p_verify are the rules file's bands (matchers/suppress.py Bands), as emit reads them.
CREATE OR REPLACE TEMP MACRO contact_usability(p_run_id, p_type, p_bad, p_verify) AS TABLE
    WITH cp AS (
        -- one parse of the JSON for every fact, so what follows (the layouts' numbering
        -- windows) carries booleans, not each row's JSON (12.8 -> 11.8 s at 1.9M addresses)
        SELECT c.* EXCLUDE (factors, model_inputs, left_facts),
               c.contact_type = 'address'
                   AND list_bool_or(list_transform(c.left_facts[1:2],
                                                   lambda v: coalesce(CAST(v AS BOOLEAN), false)))
                   AS moved_away,
               c.contact_type = 'phone'
                   AND NOT coalesce(CAST(c.left_facts[3] AS BOOLEAN), true) AS invalid,
               CASE WHEN c.contact_type = 'phone'
                    THEN coalesce(c.time_zone, c.tz_area_code, c.tz_zones[1]) END AS window_tz,
               CASE WHEN c.contact_type = 'phone'
                    THEN phone_zones(c.tz_zones, c.time_zone, c.tz_area_code) END AS zones
        FROM (SELECT *, json_extract_string(factors,
                                            ['$.moved_from', '$.ncoa_no_forward', '$.valid'])
                            AS left_facts
              FROM contact_points
              WHERE run_id = p_run_id AND (p_type IS NULL OR contact_type = p_type)) c
    ),
    windows AS (SELECT * FROM calling_windows(p_run_id)),
    decided AS (
        SELECT cp.account_id, cp.contact_type, cp.contact_key, cp.role,
               string_agg(DISTINCT s.reason, '; ' ORDER BY s.reason)
                   FILTER (WHERE s.action = 'hold') AS hold_rules,
               string_agg(DISTINCT s.reason, '; ' ORDER BY s.reason)
                   FILTER (WHERE s.action = 'do_not_mail' AND cp.contact_type = 'address')
                   AS do_not_mail
        FROM cp
        JOIN suppressions s
          ON s.run_id = p_run_id AND s.action IN ('hold', 'do_not_mail')
         AND s.account_id = cp.account_id
         AND (s.contact_type IS NULL
              OR (s.contact_type = cp.contact_type AND s.contact_key = cp.contact_key
                  -- the point's own decision (migration 098)
                  AND coalesce(s.role, cp.role) = cp.role))
        GROUP BY ALL
    )
    SELECT cp.* EXCLUDE (moved_away, invalid, window_tz, zones),
           CASE WHEN w.start_min IS NOT NULL THEN cp.window_tz END AS call_window_tz,
           w.start_min AS call_window_start, w.end_min AS call_window_end,
           cp.zones AS call_window_zones,
           coalesce(cp.moved_away OR d.do_not_mail IS NOT NULL OR cp.invalid
                    OR cp.confidence < p_bad, false) AS bad,
           nullif(concat_ws('; ',
               CASE WHEN d.do_not_mail IS NOT NULL THEN 'DO NOT MAIL: ' || d.do_not_mail
                    WHEN cp.moved_away
                    THEN 'DO NOT MAIL: USPS change of address shows the consumer moved away' END,
               CASE WHEN cp.invalid THEN 'not a valid phone number' END,
               CASE WHEN cp.confidence < p_bad
                    THEN 'confidence ' || printf('%.3f', floor(cp.confidence * 1000) / 1000)
                         || ' below the bad band ' || printf('%.2f', p_bad) END
           ), '') AS bad_reason,
           coalesce(coalesce(cp.on_hold, false) OR cp.confidence < p_verify
                    OR (w.window_tz IS NOT NULL AND w.start_min IS NULL), false) AS held,
           nullif(concat_ws('; ',
               CASE WHEN coalesce(cp.on_hold, false)
                    THEN coalesce(d.hold_rules, 'held by a compliance rule') END,
               CASE WHEN cp.confidence < p_verify
                    THEN 'confidence ' || printf('%.3f', floor(cp.confidence * 1000) / 1000)
                         || ' below the verify band ' || printf('%.2f', p_verify) || ': verify the '
                         || CASE cp.contact_type WHEN 'phone' THEN 'number' ELSE cp.contact_type END
                         || ' before use' END,
               CASE WHEN w.window_tz IS NOT NULL AND w.start_min IS NULL
                    THEN 'no calling window: no hour is 8 a.m.-9 p.m. in every time zone the'
                         || ' consumer may be in (' || array_to_string(w.zones, ', ') || ')' END
           ), '') AS hold_reason
    FROM cp
    LEFT JOIN decided d
           ON d.account_id = cp.account_id AND d.contact_type = cp.contact_type
          AND d.contact_key = cp.contact_key AND d.role = cp.role
    LEFT JOIN windows w
           ON cp.contact_type = 'phone' AND w.window_tz = cp.window_tz AND w.zones = cp.zones;

-- A third party's contact that is also one of the debtor's own points on the account in the
-- same run p_run_id: delta.csv leaves it out (export_delta.sql says why). Looked up from the
-- third-party side, so only those rows are matched against the debtor's (the same as a NOT
-- EXISTS per point, in half the time: 0.5 against 1.0 s at 100k accounts).
CREATE OR REPLACE TEMP MACRO delta_own(p_run_id) AS TABLE
    SELECT t.account_id, t.contact_type, t.contact_key
    FROM contact_points t
    SEMI JOIN contact_points d
      ON d.run_id = t.run_id AND d.role = 'debtor' AND d.account_id = t.account_id
     AND d.contact_type = t.contact_type AND d.contact_key = t.contact_key
    WHERE t.run_id = p_run_id AND t.role = 'third_party';

-- What delta.csv reads of each point of run p_run_id (sql/exports/export_delta.sql), under the
-- bands p_bad / p_verify and ZIP format p_zip_format: emit writes it to delta_points (migration
-- 120, delta_points_write.sql) and the delta reads it from there; a previous run without usable
-- stored rows is computed here again. contact_usability's decisions (`bad`, `held`, the reasons
-- with their words), the rule hold, the key, rank, status, confidence, the reasons in words
-- and the displayed fields, one row per point but those delta_own leaves out.
CREATE OR REPLACE TEMP MACRO delta_points_of(p_run_id, p_bad, p_verify, p_zip_format) AS TABLE
    SELECT u.run_id, u.account_id, u.contact_type, u.role, u.contact_key, u.rank, u.status,
           u.confidence, u.reasons, u.bad, u.bad_reason, u.held, u.hold_reason,
           coalesce(u.on_hold, false) AS on_hold,
           u.address_line1, u.address_line2, u.unit, u.city, u.state,
           export_zip(u.zip, p_zip_format) AS zip, u.phone, u.email, u.phone_type, u.extension,
           u.time_zone, u.tz_area_code, u.dial_mode,
           coalesce(u.consent_autodialer, false) AS consent_autodialer
    FROM contact_usability(p_run_id, NULL, p_bad, p_verify) u
    ANTI JOIN delta_own(p_run_id) o
      ON u.role = 'third_party' AND o.account_id = u.account_id
     AND o.contact_type = u.contact_type AND o.contact_key = u.contact_key;
