-- import_phones.csv: a generic collections-system phone import layout.
-- type: cell unless proven landline (TCPA: a wrong "home" lets the dialer autodial a cell);
-- status from confidence bands ($good / $bad) and validity; low-confidence numbers are held
-- for verification ($verify) and every held row says why (on_hold_reason: the compliance rule,
-- the confidence below the verify band, no calling window); bad and held as contact_usability
-- decides them
-- (point_macros.sql: the push writes the same decision as not callable); consent flags follow
-- the TCPA decision (dial_mode).
-- date_added: the as-of date of the first run that emitted this number for the account (stable
-- from night to night, so the collections system does not see it as new every morning).
-- Calling window (Reg F 1006.6(b)(1): not before 8 a.m. or after 9 p.m. at the consumer's
-- location; with ambiguous information, in every location it indicates): the hours that are
-- 08:00-21:00 in every zone the consumer may be in (contact_points.tz_zones), on the run's
-- as-of date, stated in call_window_tz: the consumer's zone (time_zone), else the area code's,
-- else the most common of the possible zones (contact_usability, point_macros.sql). E.g. an
-- Eastern consumer with a Central area code: 09:00-21:00 Eastern. A phone with no such hour is
-- held (on_hold_reason says why) and its window left blank.
WITH best_src AS (
    SELECT s.account_id, s.contact_key,
           -- the best supporting source (export_macros.sql)
           arg_min(s.source, export_source_rank(s.match_probability, f.reliability, s.source))
               AS source
    FROM contact_support s LEFT JOIN input_files f ON f.file_no = s.file_no
    WHERE s.run_id = $run_id AND s.contact_type = 'phone' AND s.rec_id IS NOT NULL
      AND s.role = 'debtor'
    GROUP BY ALL
),
phones AS (
    -- contact_usability reads the JSON facts once, so the numbering window below carries
    -- booleans, not each row's JSON (at 1.6M phones the gain was 1.3-1.5 s in one pair and
    -- within the noise of four alternations)
    SELECT cp.*
    FROM contact_usability($run_id, 'phone', $bad, $verify) cp  -- point_macros.sql
    WHERE cp.role = 'debtor' AND cp.status <> 'suppressed'
),
first_added AS (SELECT * FROM export_first_added($run_id, 'phone'))
SELECT p.account_id AS account_number,
       CAST(row_number() OVER (PARTITION BY p.account_id ORDER BY p.rank) AS INTEGER) AS sequence,
       p.phone, p.extension,
       CASE WHEN p.phone_type = 'landline' THEN 'home' ELSE 'cell' END AS phone_type,
       CASE WHEN p.bad THEN 'bad'
            WHEN p.confidence >= $good THEN 'good'
            ELSE 'unknown' END AS status,
       CASE WHEN p.held THEN 'Y' ELSE 'N' END AS on_hold,
       p.hold_reason AS on_hold_reason,
       coalesce(b.source, CASE WHEN p.sources = 'accounts' THEN 'on file' END, p.sources) AS source,
       coalesce(fa.date_added, CAST($as_of AS DATE)) AS date_added,
       'Y' AS consent_manual,
       CASE WHEN p.dial_mode = 'autodialer' THEN 'Y' ELSE 'N' END AS consent_autodialer,
       CASE WHEN p.dial_mode = 'autodialer' AND coalesce(p.consent_autodialer, false) THEN 'Y' ELSE 'N' END AS consent_text,
       p.time_zone,
       p.tz_area_code,
       CASE WHEN coalesce(p.tz_conflict, false) THEN 'Y' ELSE 'N' END AS tz_conflict,
       p.call_window_tz,
       clock_text(p.call_window_start) AS call_window_start,
       clock_text(p.call_window_end) AS call_window_end,
       p.confidence,
       p.status AS contact_status,
       p.contact_key  -- last: the stable key (E.164) delta.csv's rows carry
FROM phones p
LEFT JOIN best_src b ON b.account_id = p.account_id AND b.contact_key = p.contact_key
LEFT JOIN first_added fa ON fa.account_id = p.account_id AND fa.contact_key = p.contact_key
ORDER BY account_number, sequence
