-- The run's contact points as PostgreSQL's skiptrace_contacts rows (column order = the COPY's).
-- One row per (account_id, contact_type, contact_key), the key the platform merges on: a value
-- that is both the debtor's and a third party's keeps its debtor row.
-- Usable by a collector as the import files say (contact_usability, point_macros.sql, with
-- the run's bands $bad and $verify): callable only for a debtor contact that is not suppressed,
-- not bad (import status `bad`) and not on hold (import `on_hold` Y). on_hold and hold_reason
-- are the import files' on_hold and on_hold_reason; suppression_reason is the suppressing
-- rules' words for a suppressed contact, else why it is bad (a moved-away or do-not-mail
-- address, an invalid number, confidence below the bad band).
-- A phone's calling window is the one import_phones.csv states (Reg F 1006.6(b)(1): 08:00-21:00
-- in every zone the consumer may be in), from the same macro: call_window_tz, the start and the
-- end (exclusive) as the file's HH:MM, the zones it respects (call_window_zones, a PostgreSQL
-- text[] literal: Arrow's CSV has no lists), tz_area_code and tz_conflict. A phone with no
-- common hour has no window and is held by contact_usability, so it is never callable.
SELECT account_id, contact_type, contact_key, role, rank,
       address_line1, address_line2, city, state, zip, phone, phone_type, email,
       confidence, status,
       (role = 'debtor' AND status <> 'suppressed' AND NOT held AND NOT bad) AS callable,
       held AS on_hold,
       dial_mode,
       CASE WHEN status = 'suppressed' THEN reasons ELSE bad_reason END AS suppression_reason,
       hold_reason,
       reasons, sources, time_zone, first_seen, last_seen,
       tz_area_code,
       CASE WHEN contact_type = 'phone' THEN coalesce(tz_conflict, false) END AS tz_conflict,
       call_window_tz,
       clock_text(call_window_start) AS call_window_start,
       clock_text(call_window_end) AS call_window_end,
       CASE WHEN len(call_window_zones) > 0
            THEN '{' || array_to_string(list_transform(call_window_zones,
                     lambda z: '"' || replace(replace(z, '\', '\\'), '"', '\"') || '"'), ',')
                 || '}' END AS call_window_zones
FROM contact_usability($run_id, NULL, $bad, $verify)
QUALIFY row_number() OVER (
    PARTITION BY account_id, contact_type, contact_key
    ORDER BY role = 'debtor' DESC, rank, role) = 1
