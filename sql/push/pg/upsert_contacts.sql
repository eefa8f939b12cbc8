-- Insert new contacts, update changed ones. A row whose content equals the staged one is not
-- touched (no new row version, updated_at and run_id kept): pushing a run twice changes nothing.
WITH up AS (
    INSERT INTO skiptrace_contacts AS t (
        account_id, contact_type, contact_key, role, rank, address_line1, address_line2, city,
        state, zip, phone, phone_type, email, confidence, status, callable, on_hold, dial_mode,
        suppression_reason, hold_reason, reasons, sources, time_zone, first_seen, last_seen,
        tz_area_code, tz_conflict, call_window_tz, call_window_start, call_window_end,
        call_window_zones, active, run_id, first_run_id, updated_at)
    SELECT s.account_id, s.contact_type, s.contact_key, s.role, s.rank, s.address_line1,
           s.address_line2, s.city, s.state, s.zip, s.phone, s.phone_type, s.email,
           s.confidence, s.status, s.callable, s.on_hold, s.dial_mode, s.suppression_reason,
           s.hold_reason, s.reasons, s.sources, s.time_zone, s.first_seen, s.last_seen,
           s.tz_area_code, s.tz_conflict, s.call_window_tz, s.call_window_start,
           s.call_window_end, s.call_window_zones, true, r.run_id, r.run_id, now()
    FROM st_contacts s CROSS JOIN st_run r
    ON CONFLICT (account_id, contact_type, contact_key) DO UPDATE SET
        role = EXCLUDED.role, rank = EXCLUDED.rank, address_line1 = EXCLUDED.address_line1,
        address_line2 = EXCLUDED.address_line2, city = EXCLUDED.city, state = EXCLUDED.state,
        zip = EXCLUDED.zip, phone = EXCLUDED.phone, phone_type = EXCLUDED.phone_type,
        email = EXCLUDED.email, confidence = EXCLUDED.confidence, status = EXCLUDED.status,
        callable = EXCLUDED.callable, on_hold = EXCLUDED.on_hold,
        dial_mode = EXCLUDED.dial_mode, suppression_reason = EXCLUDED.suppression_reason,
        hold_reason = EXCLUDED.hold_reason, reasons = EXCLUDED.reasons, sources = EXCLUDED.sources,
        time_zone = EXCLUDED.time_zone, first_seen = EXCLUDED.first_seen,
        last_seen = EXCLUDED.last_seen, tz_area_code = EXCLUDED.tz_area_code,
        tz_conflict = EXCLUDED.tz_conflict, call_window_tz = EXCLUDED.call_window_tz,
        call_window_start = EXCLUDED.call_window_start,
        call_window_end = EXCLUDED.call_window_end,
        call_window_zones = EXCLUDED.call_window_zones, active = true, run_id = EXCLUDED.run_id,
        updated_at = now()
    WHERE (t.role, t.rank, t.address_line1, t.address_line2, t.city, t.state, t.zip, t.phone,
           t.phone_type, t.email, t.confidence, t.status, t.callable, t.on_hold, t.dial_mode,
           t.suppression_reason, t.hold_reason, t.reasons, t.sources, t.time_zone, t.first_seen,
           t.last_seen, t.tz_area_code, t.tz_conflict, t.call_window_tz, t.call_window_start,
           t.call_window_end, t.call_window_zones, t.active)
          IS DISTINCT FROM
          (EXCLUDED.role, EXCLUDED.rank, EXCLUDED.address_line1, EXCLUDED.address_line2,
           EXCLUDED.city, EXCLUDED.state, EXCLUDED.zip, EXCLUDED.phone, EXCLUDED.phone_type,
           EXCLUDED.email, EXCLUDED.confidence, EXCLUDED.status, EXCLUDED.callable,
           EXCLUDED.on_hold, EXCLUDED.dial_mode, EXCLUDED.suppression_reason, EXCLUDED.hold_reason,
           EXCLUDED.reasons, EXCLUDED.sources, EXCLUDED.time_zone, EXCLUDED.first_seen,
           EXCLUDED.last_seen, EXCLUDED.tz_area_code, EXCLUDED.tz_conflict,
           EXCLUDED.call_window_tz, EXCLUDED.call_window_start, EXCLUDED.call_window_end,
           EXCLUDED.call_window_zones, true)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up;
