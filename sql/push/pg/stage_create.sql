-- Staging tables of one push: temporary (no WAL, invisible to other sessions) and dropped at
-- COMMIT or ROLLBACK, so a push killed midway leaves nothing behind.
CREATE TEMP TABLE st_run (
    run_id text, as_of date, code_version text
) ON COMMIT DROP;
CREATE TEMP TABLE st_contacts (
    account_id text, contact_type text, contact_key text, role text, rank integer,
    address_line1 text, address_line2 text, city text, state text, zip text, phone text,
    phone_type text, email text, confidence double precision, status text, callable boolean,
    on_hold boolean, dial_mode text, suppression_reason text, hold_reason text, reasons text, sources text,
    time_zone text, first_seen date, last_seen date, tz_area_code text, tz_conflict boolean,
    call_window_tz text, call_window_start time, call_window_end time, call_window_zones text[]
) ON COMMIT DROP;
CREATE TEMP TABLE st_flags (
    account_id text, flag text, confidence double precision, evidence text
) ON COMMIT DROP;
CREATE TEMP TABLE st_suppressions (
    account_id text, contact_type text, contact_key text, role text, rule text, action text,
    reason text, regulation text
) ON COMMIT DROP;
