-- One row of resolve_increments: how this run's resolve was computed (replaces an earlier
-- attempt's row of the same run).
DELETE FROM resolve_increments WHERE run_id = $run_id;
INSERT INTO resolve_increments BY NAME
SELECT $run_id AS run_id, $mode AS mode, $reason AS reason, $base_run_id AS base_run_id,
       (SELECT count(*) FROM rs_acct_digest) AS accounts,
       (SELECT count(*) FROM rs_dirty) AS accounts_dirty,
       (SELECT count(*) FROM rs_dirty WHERE is_new) AS accounts_new,
       (SELECT count(*) FROM rs_vdirty) AS accounts_variants_dirty,
       (SELECT count(*) FROM rs_evs_new) AS evidence_rows_computed,
       $evidence_rows_total - (SELECT count(*) FROM rs_evs_new) AS evidence_rows_carried,
       $evidence_seconds AS evidence_seconds, $scoring_seconds AS scoring_seconds,
       now() AS recorded_at;

SELECT accounts, accounts_dirty, accounts_variants_dirty
FROM resolve_increments WHERE run_id = $run_id;
