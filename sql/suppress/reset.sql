-- Start the run's suppression from what resolution wrote, so re-applying the rules is
-- idempotent: the run's earlier decisions go, status and reasons restart from resolved_*, every
-- debtor phone starts as 'autodialer' (a manual_dial_only hit changes it), nothing is on hold.
-- sp_hits collects every hit of every rule, in rule order (ord), for apply_effects.sql.
DELETE FROM suppressions WHERE run_id = $run_id;

-- Only the rows the reset changes are updated: on a run's first suppression that is its debtor
-- phones (resolve writes status = resolved_status, on_hold false, dial_mode NULL), not all of
-- its 5.3M points at 1M accounts. An UPDATE rewrites every row it matches, and the statements
-- after it then scan the updated versions: updating every row cost 5 s there, and slowed the
-- subject tables' scans of contact_points in the same transaction.
UPDATE contact_points
SET status = coalesce(resolved_status, status),
    reasons = coalesce(resolved_reasons, reasons),
    on_hold = false,
    dial_mode = CASE WHEN contact_type = 'phone' AND role = 'debtor' THEN 'autodialer' END
WHERE run_id = $run_id
  AND (status IS DISTINCT FROM coalesce(resolved_status, status)
       OR reasons IS DISTINCT FROM coalesce(resolved_reasons, reasons)
       OR on_hold IS DISTINCT FROM false
       OR dial_mode IS DISTINCT FROM
          CASE WHEN contact_type = 'phone' AND role = 'debtor' THEN 'autodialer' END);

-- `rid` is the rowid of the contact point hit (sp_contact.rid), which apply_effects.sql groups by.
CREATE OR REPLACE TEMP TABLE sp_hits (rid BIGINT, ord INTEGER, action VARCHAR, reason VARCHAR);
