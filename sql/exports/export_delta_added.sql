-- delta.csv of a run with no previous completed run: every point is `added` (export_delta.sql
-- describes the file and its columns). The same rows, byte for byte, as export_delta.sql gives
-- with no previous run, without its comparison: no join of the run's points with a previous
-- run's, one read of the points emit just stored (delta_points_write.sql). Columns in
-- export_delta.sql's order; a previous run's are empty.
WITH cur AS (
    SELECT * FROM delta_points_tracked($run_id, false, $good, $bad, $verify, $zip_format)
),
suppressing AS (
    -- the rules that take each suppressed point out of use (export_macros.sql)
    SELECT * FROM delta_suppressing($run_id, $suppressing)
)
SELECT d.account_id, d.contact_type, d.role, 'added' AS change,
       CAST(NULL AS VARCHAR) AS old_status, d.status AS new_status,
       CAST(NULL AS INTEGER) AS old_rank, d.rank AS new_rank,
       CAST(NULL AS DOUBLE) AS old_confidence, d.confidence AS new_confidence,
       d.tracked.address_line1, d.tracked.city, d.tracked.state, d.tracked.zip, d.tracked.phone,
       d.tracked.email,
       CAST(NULL AS VARCHAR) AS previous_run_id, CAST($run_id AS VARCHAR) AS run_id,
       CAST(NULL AS VARCHAR) AS old_on_hold,
       CASE WHEN d.tracked.on_hold THEN 'Y' ELSE 'N' END AS new_on_hold,
       d.contact_key,
       CAST(NULL AS VARCHAR) AS changed_fields,
       CAST(NULL AS VARCHAR) AS removed_reason,
       d.reasons,
       s.rules AS suppression_rules,
       CAST(NULL AS VARCHAR) AS old_import_status, d.tracked.import_status AS new_import_status,
       CAST(NULL AS VARCHAR) AS old_import_on_hold,
       CASE WHEN d.tracked.import_on_hold THEN 'Y' ELSE 'N' END AS new_import_on_hold,
       CAST(NULL AS VARCHAR) AS old_import_hold_reason, d.hold_reason AS new_import_hold_reason,
       CAST(NULL AS VARCHAR) AS old_callable,
       CASE WHEN d.tracked.callable THEN 'Y' ELSE 'N' END AS new_callable,
       d.bad_reason,
       d.tracked.address_line2, d.tracked.unit, d.tracked.phone_type, d.tracked.extension,
       d.tracked.time_zone, d.tracked.tz_area_code, d.tracked.dial_mode,
       CASE WHEN d.tracked.consent_autodialer THEN 'Y' ELSE 'N' END AS consent_autodialer
FROM cur d
LEFT JOIN suppressing s
  ON s.account_id = d.account_id AND s.contact_type = d.contact_type
 AND s.contact_key = d.contact_key AND s.role = d.role
ORDER BY d.account_id, d.contact_type, d.role, d.rank, d.contact_key;
