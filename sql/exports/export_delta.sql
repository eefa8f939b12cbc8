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
--     export_macros.sql): import status good/unknown/bad, held (import `on_hold`, the push's
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
WITH own AS (
    -- third parties' points that are the debtor's own in the same run (few): looked up from the
    -- third-party side, so only those rows are matched against the debtor's (the same as a NOT
    -- EXISTS per point, in half the time: 0.5 against 1.0 s at 100k accounts)
    SELECT t.run_id, t.account_id, t.contact_type, t.contact_key
    FROM contact_points t
    SEMI JOIN contact_points d
      ON d.run_id = t.run_id AND d.role = 'debtor' AND d.account_id = t.account_id
     AND d.contact_type = t.contact_type AND d.contact_key = t.contact_key
    WHERE t.run_id IN ($run_id, $prev_run_id) AND t.role = 'third_party'
),
usable AS (
    -- each run's points with the import files' decision, under that run's own bands
    SELECT u.*, CASE WHEN u.bad THEN 'bad' WHEN u.confidence >= $good THEN 'good'
                     ELSE 'unknown' END AS import_status
    FROM contact_usability($run_id, NULL, $bad, $verify) u  -- export_macros.sql
    UNION ALL BY NAME
    SELECT u.*, CASE WHEN u.bad THEN 'bad' WHEN u.confidence >= $prev_good THEN 'good'
                     ELSE 'unknown' END AS import_status
    FROM contact_usability($prev_run_id, NULL, $prev_bad, $prev_verify) u
),
points AS (
    SELECT u.*,
           u.role = 'debtor' AND u.status <> 'suppressed' AND NOT u.held AND NOT u.bad AS callable,
           -- the hold reason without the confidence figure it quotes (see above)
           regexp_replace(u.hold_reason, 'confidence [0-9.]+ below', 'confidence below', 'g')
               AS hold_gist,
           export_zip(u.zip, $zip_format) AS zip_shown
    FROM usable u
    ANTI JOIN own o ON o.run_id = u.run_id AND u.role = 'third_party' AND o.account_id = u.account_id
     AND o.contact_type = u.contact_type AND o.contact_key = u.contact_key
),
cur AS (SELECT * FROM points WHERE run_id = $run_id),
prev AS (SELECT * FROM points WHERE run_id = $prev_run_id),
joined AS (
    SELECT c, p,
           CASE WHEN c.account_id IS NULL THEN p ELSE c END AS v,  -- as it is now, or was when removed
           coalesce(c.account_id, p.account_id) AS account_id,
           coalesce(c.contact_type, p.contact_type) AS contact_type,
           coalesce(c.role, p.role) AS role,
           coalesce(c.contact_key, p.contact_key) AS contact_key,
           -- every aspect that changed, named as its column (NULL for added / removed)
           CASE WHEN c.account_id IS NOT NULL AND p.account_id IS NOT NULL THEN concat_ws(';',
               CASE WHEN c.status IS DISTINCT FROM p.status THEN 'status' END,
               CASE WHEN c.rank IS DISTINCT FROM p.rank THEN 'rank' END,
               CASE WHEN coalesce(c.on_hold, false) <> coalesce(p.on_hold, false) THEN 'on_hold' END,
               CASE WHEN c.import_status IS DISTINCT FROM p.import_status THEN 'import_status' END,
               CASE WHEN c.held <> p.held THEN 'import_on_hold' END,
               CASE WHEN c.hold_gist IS DISTINCT FROM p.hold_gist THEN 'import_hold_reason' END,
               CASE WHEN c.callable <> p.callable THEN 'callable' END,
               CASE WHEN c.address_line1 IS DISTINCT FROM p.address_line1 THEN 'address_line1' END,
               CASE WHEN c.address_line2 IS DISTINCT FROM p.address_line2 THEN 'address_line2' END,
               CASE WHEN c.unit IS DISTINCT FROM p.unit THEN 'unit' END,
               CASE WHEN c.city IS DISTINCT FROM p.city THEN 'city' END,
               CASE WHEN c.state IS DISTINCT FROM p.state THEN 'state' END,
               CASE WHEN c.zip_shown IS DISTINCT FROM p.zip_shown THEN 'zip' END,
               CASE WHEN c.phone IS DISTINCT FROM p.phone THEN 'phone' END,
               CASE WHEN c.email IS DISTINCT FROM p.email THEN 'email' END,
               CASE WHEN c.phone_type IS DISTINCT FROM p.phone_type THEN 'phone_type' END,
               CASE WHEN c.extension IS DISTINCT FROM p.extension THEN 'extension' END,
               CASE WHEN c.time_zone IS DISTINCT FROM p.time_zone THEN 'time_zone' END,
               CASE WHEN c.tz_area_code IS DISTINCT FROM p.tz_area_code THEN 'tz_area_code' END,
               CASE WHEN c.dial_mode IS DISTINCT FROM p.dial_mode THEN 'dial_mode' END,
               CASE WHEN coalesce(c.consent_autodialer, false) <> coalesce(p.consent_autodialer, false)
                    THEN 'consent_autodialer' END
           ) END AS changed_fields
    FROM cur c
    FULL OUTER JOIN prev p
      ON c.account_id = p.account_id AND c.contact_type = p.contact_type AND c.role = p.role
     AND c.contact_key = p.contact_key
),
delta AS (SELECT * FROM joined WHERE p.account_id IS NULL OR c.account_id IS NULL OR changed_fields <> ''),
closed AS (
    -- accounts of removed points that the run no longer works: not in the account files the
    -- run used (run_inputs), or, for a run without that record, with no contact point at all
    SELECT DISTINCT d.account_id
    FROM delta d
    WHERE d.c.account_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM contact_points x
                      WHERE x.run_id = $run_id AND x.account_id = d.account_id)
      AND NOT EXISTS (SELECT 1 FROM accounts a
                      JOIN run_inputs ri ON ri.file_no = a.file_no AND ri.run_id = $run_id
                      WHERE a.account_id = d.account_id)
),
suppressing AS (
    -- the rules that take each of the run's points out of use (ids, the rules file's words)
    SELECT c.account_id, c.contact_type, c.contact_key, c.role,
           string_agg(DISTINCT s.rule, '; ' ORDER BY s.rule) AS rules
    FROM cur c
    JOIN suppressions s
      ON s.run_id = $run_id AND list_contains($suppressing, s.action)
     AND s.account_id = c.account_id
     AND (s.contact_type IS NULL
          OR (s.contact_type = c.contact_type AND s.contact_key = c.contact_key
              AND coalesce(s.role, c.role) = c.role))
    WHERE c.status = 'suppressed'
    GROUP BY ALL
)
SELECT d.account_id, d.contact_type, d.role,
       CASE WHEN p.account_id IS NULL THEN 'added'
            WHEN c.account_id IS NULL THEN 'removed'
            WHEN c.status IS DISTINCT FROM p.status AND c.rank IS DISTINCT FROM p.rank THEN 'status_and_rank_changed'
            WHEN c.status IS DISTINCT FROM p.status THEN 'status_changed'
            WHEN c.rank IS DISTINCT FROM p.rank THEN 'rank_changed'
            WHEN coalesce(c.on_hold, false) <> coalesce(p.on_hold, false) THEN 'hold_changed'
            WHEN c.import_status IS DISTINCT FROM p.import_status OR c.held <> p.held
              OR c.hold_gist IS DISTINCT FROM p.hold_gist OR c.callable <> p.callable
            THEN 'usability_changed'
            ELSE 'value_changed' END AS change,
       p.status AS old_status, c.status AS new_status, p.rank AS old_rank, c.rank AS new_rank,
       p.confidence AS old_confidence, c.confidence AS new_confidence,
       v.address_line1,
       v.city, v.state,
       v.zip_shown AS zip, v.phone,
       v.email,
       CAST($prev_run_id AS VARCHAR) AS previous_run_id, CAST($run_id AS VARCHAR) AS run_id,
       CASE WHEN p.account_id IS NOT NULL THEN CASE WHEN coalesce(p.on_hold, false) THEN 'Y' ELSE 'N' END END AS old_on_hold,
       CASE WHEN c.account_id IS NOT NULL THEN CASE WHEN coalesce(c.on_hold, false) THEN 'Y' ELSE 'N' END END AS new_on_hold,
       -- appended (delta layout 2): the key, why, the import files' and the push's decision,
       -- and the rest of the displayed fields
       d.contact_key,
       d.changed_fields,
       CASE WHEN c.account_id IS NULL THEN
           CASE WHEN d.account_id IN (SELECT account_id FROM closed) THEN 'account_closed'
                WHEN EXISTS (SELECT 1 FROM cur o
                             WHERE o.account_id = d.account_id AND o.contact_type = d.contact_type
                               AND o.contact_key = d.contact_key) THEN 'role_changed'
                ELSE 'no_longer_found' END
       END AS removed_reason,
       c.reasons,
       s.rules AS suppression_rules,
       p.import_status AS old_import_status, c.import_status AS new_import_status,
       CASE WHEN p.held THEN 'Y' WHEN p.account_id IS NOT NULL THEN 'N' END AS old_import_on_hold,
       CASE WHEN c.held THEN 'Y' WHEN c.account_id IS NOT NULL THEN 'N' END AS new_import_on_hold,
       p.hold_reason AS old_import_hold_reason, c.hold_reason AS new_import_hold_reason,
       CASE WHEN p.callable THEN 'Y' WHEN p.account_id IS NOT NULL THEN 'N' END AS old_callable,
       CASE WHEN c.callable THEN 'Y' WHEN c.account_id IS NOT NULL THEN 'N' END AS new_callable,
       c.bad_reason,
       v.address_line2,
       v.unit,
       v.phone_type,
       v.extension,
       v.time_zone,
       v.tz_area_code,
       v.dial_mode,
       CASE WHEN coalesce(v.consent_autodialer, false) THEN 'Y' ELSE 'N' END
           AS consent_autodialer
FROM delta d
LEFT JOIN suppressing s
  ON s.account_id = d.account_id AND s.contact_type = d.contact_type
 AND s.contact_key = d.contact_key AND s.role = d.role
ORDER BY d.account_id, d.contact_type, d.role, change, new_rank, old_rank, d.contact_key
