-- The run's contact points as PostgreSQL's skiptrace_contacts rows (column order = the COPY's).
-- One row per (account_id, contact_type, contact_key), the key the platform merges on: a value
-- that is both the debtor's and a third party's keeps its debtor row.
-- Usable by a collector as the import files say (contact_usability, export_macros.sql, with
-- the run's bands $bad and $verify): callable only for a debtor contact that is not suppressed,
-- not bad (import status `bad`) and not on hold (import `on_hold` Y). on_hold and hold_reason
-- are the import files' on_hold and on_hold_reason; suppression_reason is the suppressing
-- rules' words for a suppressed contact, else why it is bad (a moved-away or do-not-mail
-- address, an invalid number, confidence below the bad band).
SELECT account_id, contact_type, contact_key, role, rank,
       address_line1, address_line2, city, state, zip, phone, phone_type, email,
       confidence, status,
       (role = 'debtor' AND status <> 'suppressed' AND NOT held AND NOT bad) AS callable,
       held AS on_hold,
       dial_mode,
       CASE WHEN status = 'suppressed' THEN reasons ELSE bad_reason END AS suppression_reason,
       hold_reason,
       reasons, sources, time_zone, first_seen, last_seen
FROM contact_usability($run_id, NULL, $bad, $verify)
QUALIFY row_number() OVER (
    PARTITION BY account_id, contact_type, contact_key
    ORDER BY role = 'debtor' DESC, rank, role) = 1
