-- Start the run's suppression from what resolution wrote, so re-applying the rules is
-- idempotent: the run's earlier decisions go, status and reasons restart from resolved_*, every
-- debtor phone starts as 'autodialer' (a manual_dial_only hit changes it), nothing is on hold.
-- sp_hits collects every hit of every rule, in rule order (ord), for apply_effects.sql.
DELETE FROM suppressions WHERE run_id = $run_id;

UPDATE contact_points
SET status = coalesce(resolved_status, status),
    reasons = coalesce(resolved_reasons, reasons),
    on_hold = false,
    dial_mode = CASE WHEN contact_type = 'phone' AND role = 'debtor' THEN 'autodialer' END
WHERE run_id = $run_id;

CREATE OR REPLACE TEMP TABLE sp_hits (account_id VARCHAR, contact_type VARCHAR,
    contact_key VARCHAR, role VARCHAR, ord INTEGER, action VARCHAR, reason VARCHAR);
