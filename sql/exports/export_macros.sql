-- Temporary macros of the export queries; emit() runs this file before them.

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

-- Minutes after midnight as HH:MM.
CREATE OR REPLACE TEMP MACRO clock_text(minutes) AS printf('%02d:%02d', minutes // 60, minutes % 60);

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
--     (every 'hold' decision on the account or on that point, in words), or confidence below
--     the verify band (p_verify), to be verified before use.
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
                   AND NOT coalesce(CAST(c.left_facts[3] AS BOOLEAN), true) AS invalid
        FROM (SELECT *, json_extract_string(factors,
                                            ['$.moved_from', '$.ncoa_no_forward', '$.valid'])
                            AS left_facts
              FROM contact_points
              WHERE run_id = p_run_id AND (p_type IS NULL OR contact_type = p_type)) c
    ),
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
    SELECT cp.* EXCLUDE (moved_away, invalid),
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
           coalesce(coalesce(cp.on_hold, false) OR cp.confidence < p_verify, false) AS held,
           nullif(concat_ws('; ',
               CASE WHEN coalesce(cp.on_hold, false)
                    THEN coalesce(d.hold_rules, 'held by a compliance rule') END,
               CASE WHEN cp.confidence < p_verify
                    THEN 'confidence ' || printf('%.3f', floor(cp.confidence * 1000) / 1000)
                         || ' below the verify band ' || printf('%.2f', p_verify) || ': verify the '
                         || CASE cp.contact_type WHEN 'phone' THEN 'number' ELSE cp.contact_type END
                         || ' before use' END
           ), '') AS hold_reason
    FROM cp
    LEFT JOIN decided d
           ON d.account_id = cp.account_id AND d.contact_type = cp.contact_type
          AND d.contact_key = cp.contact_key AND d.role = cp.role;

-- export_first_added: the as-of date of the first completed run (or this one) that emitted a
-- contact for the account (`date_added`: not each night's date). The completed runs' first
-- dates are kept in contact_first_added (migration 093), so this reads the run's own rows and
-- that table, not every run's contact points.
CREATE OR REPLACE TEMP MACRO export_first_added(p_run_id, p_type) AS TABLE
    SELECT cur.account_id, cur.contact_key,
           CASE WHEN f.date_added IS NULL OR r.as_of < f.date_added THEN r.as_of
                ELSE f.date_added END AS date_added
    FROM contact_points cur
    JOIN runs r ON r.run_id = cur.run_id
    LEFT JOIN contact_first_added f
      ON f.account_id = cur.account_id AND f.contact_type = p_type
     AND f.contact_key = cur.contact_key
    WHERE cur.run_id = p_run_id AND cur.role = 'debtor' AND cur.contact_type = p_type
      AND cur.status <> 'suppressed';

-- The import layouts' `source`: a contact's best supporting source is the one with the highest
-- match probability x source reliability (0.5 when the registry gives none), ties to the first
-- by name, an unknown score last. `arg_min(source, export_source_rank(...))` picks it without
-- sorting each contact's rows, as an ordered first() did (6 s against 0.6 s at 2M addresses).
CREATE OR REPLACE TEMP MACRO export_source_rank(match_probability, reliability, source) AS
    (coalesce(-(match_probability * coalesce(reliability, 0.5)), 'Infinity'::DOUBLE), source);
