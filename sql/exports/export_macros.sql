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
