-- The run's contact points as PostgreSQL's skiptrace_contacts rows (column order = the COPY's).
-- One row per (account_id, contact_type, contact_key), the key the platform merges on: a value
-- that is both the debtor's and a third party's keeps its debtor row. callable is false for
-- every suppressed, held or third-party contact; suppression_reason carries the words.
SELECT account_id, contact_type, contact_key, role, rank,
       address_line1, address_line2, city, state, zip, phone, phone_type, email,
       confidence, status,
       (role = 'debtor' AND status <> 'suppressed' AND NOT coalesce(on_hold, false)) AS callable,
       coalesce(on_hold, false) AS on_hold,
       dial_mode,
       CASE WHEN status = 'suppressed' THEN reasons END AS suppression_reason,
       reasons, sources, time_zone, first_seen, last_seen
FROM contact_points
WHERE run_id = $run_id
QUALIFY row_number() OVER (
    PARTITION BY account_id, contact_type, contact_key
    ORDER BY role = 'debtor' DESC, rank, role) = 1
