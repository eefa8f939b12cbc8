-- delta.csv: what changed since the previous completed run ($prev_run_id, NULL = none), one row
-- per contact point (account_id, contact_type, role, contact_key) that was added, removed, or
-- whose state changed in anything a collector or a dialer acts on. Applied in run order to the
-- full files of a run, the rows give the later run's contacts (README, "Applying delta.csv").
--
-- A row's `change` is the first that applies of:
--   added / removed: the point is new, or gone (`removed_reason`: the account is closed, the
--     point changed role, or no source supports it any more);
--   status_and_rank_changed / status_changed / rank_changed: `status` (new, confirmed, on_file,
--     suppressed: a suppression shows up here, its rules in `suppression_rules`) or `rank`;
--   hold_changed: a compliance rule's hold put on or lifted (old_on_hold / new_on_hold, as
--     contacts.csv's on_hold: a bankruptcy filed or dismissed, a dispute);
--   usability_changed: what the import files and the push decide for it (contact_usability,
--     point_macros.sql): import status good/unknown/bad, held (import `on_hold`, the push's
--     `on_hold`: a rule hold or confidence below the verify band) or why held, callable. A
--     confidence crossing a band, or the rules file's bands changing, is such a change; the
--     bands of each run are those of the rules that run recorded ($bad/$verify/$good for this
--     run, $prev_bad/$prev_verify/$prev_good for the previous one, emit.py);
--   value_changed: only a displayed field changed under the same key (address line 1/2, unit,
--     city, state, zip, phone, email, phone type, extension, time zones, dial mode, consent).
-- `changed_fields` lists every one of these that changed, whatever the row's `change`.
-- A hold reason quotes the contact's confidence ("confidence 0.291 below the verify band");
-- the figure alone moving is not a change (the confidence is not followed either: the full
-- files have it), so the reasons are compared with the figure taken out.
-- New columns are appended last (after old_on_hold / new_on_hold), so readers by position keep
-- working.
-- A third party's contact that is also one of the debtor's own points on the account in the
-- same run is left out on both sides, as location_info.csv leaves it out: it is the debtor's
-- contact, reported by the debtor's row. Resolve no longer writes such a point (08_finalize.sql):
-- the check is for a previous run an earlier version wrote, whose rows would otherwise show up
-- as removed.
-- The points are read from delta_points (migration 120): emit writes this run's just before
-- (delta_points_write.sql), and the previous run's were written when it was emitted. Those are
-- used when they are what would be computed for that run now ($prev_recompute false:
-- delta_points_stored.sql); otherwise (a run emitted before they were stored, its bands or the
-- code changed since) its points are computed again, as every night did before: the same rows
-- either way. Emit runs export_delta_added.sql instead when there is no previous run.
-- Each run's points have one reader, the pairs' join: removed, moved and suppressing read the
-- stored keys, so DuckDB materializes neither run's points with their structs (the `points`
-- CTE, both runs' every point, was: 1.1 against 0.45 GB of buffers at 100k accounts).
WITH cur AS (
    SELECT * FROM delta_points_tracked($run_id, false, $good, $bad, $verify, $zip_format)
),
prev AS (
    -- export_macros.sql; under that run's own bands
    SELECT * FROM delta_points_tracked($prev_run_id, $prev_recompute, $prev_good, $prev_bad,
                                       $prev_verify, $zip_format)
),
pairs AS (
    -- the points added, removed or changed: t_new / t_old what each run says of what is followed,
    -- `shown` the point as this run has it, or as the previous run had it when it is removed
    SELECT coalesce(c.account_id, p.account_id) AS account_id,
           coalesce(c.contact_type, p.contact_type) AS contact_type,
           coalesce(c.role, p.role) AS role,
           coalesce(c.contact_key, p.contact_key) AS contact_key,
           c.account_id IS NOT NULL AS is_cur, p.account_id IS NOT NULL AS is_prev,
           p.status AS old_status, c.status AS new_status, p.rank AS old_rank, c.rank AS new_rank,
           p.confidence AS old_confidence, c.confidence AS new_confidence,
           c.reasons, c.bad_reason, p.hold_reason AS old_hold_reason,
           c.hold_reason AS new_hold_reason, p.tracked AS t_old, c.tracked AS t_new,
           CASE WHEN c.account_id IS NULL THEN p.tracked ELSE c.tracked END AS shown
    FROM cur c
    FULL OUTER JOIN prev p
      ON c.account_id = p.account_id AND c.contact_type = p.contact_type AND c.role = p.role
     AND c.contact_key = p.contact_key
    WHERE p.account_id IS NULL OR c.account_id IS NULL
       OR c.status IS DISTINCT FROM p.status OR c.rank IS DISTINCT FROM p.rank
       OR c.tracked IS DISTINCT FROM p.tracked
),
removed AS (
    -- the previous run's points this run does not have (the pairs' `NOT is_cur` rows), by key
    -- from the stored points (or the previous run's contact points), not from `pairs` or the
    -- points: closed and moved read them, and `pairs` (its three structs) and the points
    -- (every point with its struct) would be materialized for a second reader (every point of
    -- a first run: ~4.5 GB at 1M, 0.45 GB at 100k)
    SELECT p.account_id, p.contact_type, p.contact_key
    FROM delta_point_keys($prev_run_id, $prev_recompute) p
    ANTI JOIN delta_points c
      ON c.run_id = $run_id AND c.account_id = p.account_id AND c.contact_type = p.contact_type
     AND c.role = p.role AND c.contact_key = p.contact_key
),
closed AS (
    -- accounts of removed points that the run no longer works: not in the account files the
    -- run used (run_inputs), or, for a run without that record, with no contact point at all
    SELECT DISTINCT d.account_id
    FROM removed d
    WHERE NOT EXISTS (SELECT 1 FROM contact_points x
                      WHERE x.run_id = $run_id AND x.account_id = d.account_id)
      AND NOT EXISTS (SELECT 1 FROM accounts a
                      JOIN run_inputs ri ON ri.file_no = a.file_no AND ri.run_id = $run_id
                      WHERE a.account_id = d.account_id)
),
moved AS (
    -- removed points whose key this run has under the other role
    SELECT DISTINCT d.account_id, d.contact_type, d.contact_key
    FROM removed d
    SEMI JOIN delta_points o
      ON o.run_id = $run_id AND o.account_id = d.account_id AND o.contact_type = d.contact_type
     AND o.contact_key = d.contact_key
),
suppressing AS (
    -- the rules that take each suppressed point out of use (export_macros.sql)
    SELECT * FROM delta_suppressing($run_id, $suppressing)
)
SELECT d.account_id, d.contact_type, d.role,
       CASE WHEN NOT d.is_prev THEN 'added'
            WHEN NOT d.is_cur THEN 'removed'
            WHEN d.new_status <> d.old_status AND d.new_rank IS DISTINCT FROM d.old_rank
            THEN 'status_and_rank_changed'
            WHEN d.new_status <> d.old_status THEN 'status_changed'
            WHEN d.new_rank IS DISTINCT FROM d.old_rank THEN 'rank_changed'
            WHEN d.t_new.on_hold <> d.t_old.on_hold THEN 'hold_changed'
            WHEN d.t_new.import_status <> d.t_old.import_status
              OR d.t_new.import_on_hold <> d.t_old.import_on_hold
              OR d.t_new.import_hold_reason IS DISTINCT FROM d.t_old.import_hold_reason
              OR d.t_new.callable <> d.t_old.callable
            THEN 'usability_changed'
            ELSE 'value_changed' END AS change,
       d.old_status, d.new_status, d.old_rank, d.new_rank, d.old_confidence, d.new_confidence,
       d.shown.address_line1, d.shown.city, d.shown.state, d.shown.zip, d.shown.phone,
       d.shown.email,
       CAST($prev_run_id AS VARCHAR) AS previous_run_id, CAST($run_id AS VARCHAR) AS run_id,
       CASE WHEN d.t_old.on_hold THEN 'Y' WHEN d.is_prev THEN 'N' END AS old_on_hold,
       CASE WHEN d.t_new.on_hold THEN 'Y' WHEN d.is_cur THEN 'N' END AS new_on_hold,
       -- appended: the key, what changed and why, the import files' and the push's decision,
       -- the rest of the displayed fields
       d.contact_key,
       CASE WHEN d.is_cur AND d.is_prev THEN concat_ws(';',
           CASE WHEN d.new_status <> d.old_status THEN 'status' END,
           CASE WHEN d.new_rank IS DISTINCT FROM d.old_rank THEN 'rank' END,
           CASE WHEN d.t_new.on_hold <> d.t_old.on_hold THEN 'on_hold' END,
           CASE WHEN d.t_new.import_status <> d.t_old.import_status THEN 'import_status' END,
           CASE WHEN d.t_new.import_on_hold <> d.t_old.import_on_hold THEN 'import_on_hold' END,
           CASE WHEN d.t_new.import_hold_reason IS DISTINCT FROM d.t_old.import_hold_reason
                THEN 'import_hold_reason' END,
           CASE WHEN d.t_new.callable <> d.t_old.callable THEN 'callable' END,
           CASE WHEN d.t_new.address_line1 IS DISTINCT FROM d.t_old.address_line1
                THEN 'address_line1' END,
           CASE WHEN d.t_new.address_line2 IS DISTINCT FROM d.t_old.address_line2
                THEN 'address_line2' END,
           CASE WHEN d.t_new.unit IS DISTINCT FROM d.t_old.unit THEN 'unit' END,
           CASE WHEN d.t_new.city IS DISTINCT FROM d.t_old.city THEN 'city' END,
           CASE WHEN d.t_new.state IS DISTINCT FROM d.t_old.state THEN 'state' END,
           CASE WHEN d.t_new.zip IS DISTINCT FROM d.t_old.zip THEN 'zip' END,
           CASE WHEN d.t_new.phone IS DISTINCT FROM d.t_old.phone THEN 'phone' END,
           CASE WHEN d.t_new.email IS DISTINCT FROM d.t_old.email THEN 'email' END,
           CASE WHEN d.t_new.phone_type IS DISTINCT FROM d.t_old.phone_type THEN 'phone_type' END,
           CASE WHEN d.t_new.extension IS DISTINCT FROM d.t_old.extension THEN 'extension' END,
           CASE WHEN d.t_new.time_zone IS DISTINCT FROM d.t_old.time_zone THEN 'time_zone' END,
           CASE WHEN d.t_new.tz_area_code IS DISTINCT FROM d.t_old.tz_area_code
                THEN 'tz_area_code' END,
           CASE WHEN d.t_new.dial_mode IS DISTINCT FROM d.t_old.dial_mode THEN 'dial_mode' END,
           CASE WHEN d.t_new.consent_autodialer <> d.t_old.consent_autodialer
                THEN 'consent_autodialer' END
       ) END AS changed_fields,
       CASE WHEN NOT d.is_cur THEN
           CASE WHEN cl.account_id IS NOT NULL THEN 'account_closed'
                WHEN m.account_id IS NOT NULL THEN 'role_changed'
                ELSE 'no_longer_found' END
       END AS removed_reason,
       d.reasons,
       s.rules AS suppression_rules,
       d.t_old.import_status AS old_import_status, d.t_new.import_status AS new_import_status,
       CASE WHEN d.t_old.import_on_hold THEN 'Y' WHEN d.is_prev THEN 'N' END AS old_import_on_hold,
       CASE WHEN d.t_new.import_on_hold THEN 'Y' WHEN d.is_cur THEN 'N' END AS new_import_on_hold,
       d.old_hold_reason AS old_import_hold_reason, d.new_hold_reason AS new_import_hold_reason,
       CASE WHEN d.t_old.callable THEN 'Y' WHEN d.is_prev THEN 'N' END AS old_callable,
       CASE WHEN d.t_new.callable THEN 'Y' WHEN d.is_cur THEN 'N' END AS new_callable,
       d.bad_reason,
       d.shown.address_line2, d.shown.unit, d.shown.phone_type, d.shown.extension,
       d.shown.time_zone, d.shown.tz_area_code, d.shown.dial_mode,
       CASE WHEN d.shown.consent_autodialer THEN 'Y' ELSE 'N' END AS consent_autodialer
FROM pairs d
LEFT JOIN closed cl ON NOT d.is_cur AND cl.account_id = d.account_id
LEFT JOIN moved m
  ON NOT d.is_cur AND m.account_id = d.account_id AND m.contact_type = d.contact_type
 AND m.contact_key = d.contact_key
LEFT JOIN suppressing s
  ON s.account_id = d.account_id AND s.contact_type = d.contact_type
 AND s.contact_key = d.contact_key AND s.role = d.role
ORDER BY d.account_id, d.contact_type, d.role, change, d.new_rank, d.old_rank, d.contact_key
