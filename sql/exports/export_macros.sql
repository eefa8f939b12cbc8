-- Temporary macros of the export queries; emit() runs this file before them, after
-- point_macros.sql, whose macros some of these call (flows/exports/emit.py EXPORT_MACROS).

-- Minutes after midnight as HH:MM.
CREATE OR REPLACE TEMP MACRO clock_text(minutes) AS printf('%02d:%02d', minutes // 60, minutes % 60);

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

-- The keys of delta_points_of's rows, from delta_points, or when p_recompute from the run's
-- contact points (contact_usability has one row per point): what the delta's removed points
-- are found with, without the rest of the row.
CREATE OR REPLACE TEMP MACRO delta_point_keys(p_run_id, p_recompute) AS TABLE
    SELECT account_id, contact_type, role, contact_key
    FROM delta_points
    WHERE run_id = p_run_id AND NOT p_recompute
    UNION ALL
    SELECT c.account_id, c.contact_type, c.role, c.contact_key
    FROM contact_points c
    ANTI JOIN delta_own(CASE WHEN p_recompute THEN p_run_id END) o
      ON c.role = 'third_party' AND o.account_id = c.account_id
     AND o.contact_type = c.contact_type AND o.contact_key = c.contact_key
    WHERE c.run_id = CASE WHEN p_recompute THEN p_run_id END;

-- The points of run p_run_id as export_delta.sql compares them: from delta_points (migration
-- 120), or, when p_recompute, computed again (delta_points_of: a previous run without usable
-- stored rows, delta_points_stored.sql). `tracked` packs what the delta follows of a point, the
-- import files' decision under the run's own good band (p_good) with it: the pairs are compared
-- on it, field by field only for the rows kept (`changed_fields`). The hold reason is taken
-- without the confidence figure it quotes (export_delta.sql), written as contact_usability
-- writes it (a regexp on every reason cost 1-2 s a million).
CREATE OR REPLACE TEMP MACRO delta_points_tracked(p_run_id, p_recompute, p_good, p_bad, p_verify,
                                                  p_zip_format) AS TABLE
    SELECT s.run_id, s.account_id, s.contact_type, s.contact_key, s.role, s.rank, s.status,
           s.confidence, s.reasons, s.bad_reason, s.hold_reason,
           {'on_hold': s.on_hold,
            'import_status': CASE WHEN s.bad THEN 'bad' WHEN s.confidence >= p_good THEN 'good'
                                  ELSE 'unknown' END,
            'import_on_hold': s.held,
            'import_hold_reason': CASE WHEN strpos(s.hold_reason, ' below the verify band ') > 0
                THEN replace(s.hold_reason, 'confidence ' || printf('%.3f', floor(s.confidence * 1000) / 1000)
                             || ' below the verify band', 'confidence below the verify band')
                ELSE s.hold_reason END,
            'callable': s.role = 'debtor' AND s.status <> 'suppressed' AND NOT s.held
                        AND NOT s.bad,
            'address_line1': s.address_line1, 'address_line2': s.address_line2, 'unit': s.unit,
            'city': s.city, 'state': s.state, 'zip': s.zip,
            'phone': s.phone, 'email': s.email, 'phone_type': s.phone_type,
            'extension': s.extension, 'time_zone': s.time_zone, 'tz_area_code': s.tz_area_code,
            'dial_mode': s.dial_mode, 'consent_autodialer': s.consent_autodialer} AS tracked
    FROM (SELECT * FROM delta_points WHERE run_id = p_run_id AND NOT p_recompute
          UNION ALL BY NAME
          SELECT * FROM delta_points_of(CASE WHEN p_recompute THEN p_run_id END, p_bad, p_verify,
                                        p_zip_format)) s;

-- The rules that take each suppressed point of run p_run_id out of use (their ids in the rules
-- file, `; `-joined), for delta.csv's `suppression_rules`: both the first run's delta
-- (export_delta_added.sql) and the comparing one (export_delta.sql) read the stored points.
-- p_suppressing: the actions that suppress (matchers/suppress.py SUPPRESSING).
CREATE OR REPLACE TEMP MACRO delta_suppressing(p_run_id, p_suppressing) AS TABLE
    SELECT d.account_id, d.contact_type, d.contact_key, d.role,
           string_agg(DISTINCT s.rule, '; ' ORDER BY s.rule) AS rules
    FROM delta_points d
    JOIN suppressions s
      ON s.run_id = p_run_id AND list_contains(p_suppressing, s.action)
     AND s.account_id = d.account_id
     AND (s.contact_type IS NULL
          OR (s.contact_type = d.contact_type AND s.contact_key = d.contact_key
              AND coalesce(s.role, d.role) = d.role))
    WHERE d.run_id = p_run_id AND d.status = 'suppressed'
    GROUP BY ALL;
