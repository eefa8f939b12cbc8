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

-- The import layouts' per-contact columns shared by phones and addresses, for the run's usable
-- debtor contacts of one type:
--   export_holds: why a contact is on hold (every 'hold' decision on the account or on that
--     contact, in words);
--   export_first_added: the as-of date of the first completed run (or this one) that emitted it
--     for the account (`date_added`: not each night's date). The completed runs' first dates are
--     kept in contact_first_added (migration 093), so this reads the run's own rows and that
--     table, not every run's contact points.
CREATE OR REPLACE TEMP MACRO export_holds(p_run_id, p_type) AS TABLE
    SELECT cp.account_id, cp.contact_key,
           string_agg(DISTINCT s.reason, '; ' ORDER BY s.reason) AS reason
    FROM contact_points cp
    JOIN suppressions s
      ON s.run_id = p_run_id AND s.action = 'hold' AND s.account_id = cp.account_id
     AND (s.contact_type IS NULL OR (s.contact_type = p_type AND s.contact_key = cp.contact_key
                                     -- the point's own decision (migration 098)
                                     AND coalesce(s.role, cp.role) = cp.role))
    WHERE cp.run_id = p_run_id AND cp.role = 'debtor' AND cp.contact_type = p_type
      AND cp.status <> 'suppressed'
    GROUP BY ALL;

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
