-- Rewrite the evidence cache to describe this run's data state, in the same transaction as the
-- run's contact points (resolve.py): the rows of the accounts recomputed replace theirs, a full
-- resolve replaces everything. A resolve that dies before this commit leaves the previous
-- state, still true of the data it saw; one that dies after leaves this state, true of this data.
DELETE FROM resolve_cache_evidence
WHERE NOT $incremental OR account_id IN (SELECT account_id FROM rs_dirty);
INSERT INTO resolve_cache_evidence BY NAME
SELECT * EXCLUDE (match_p, reliability, report_lag_days, lead_p) FROM rs_evs_new;

DELETE FROM resolve_cache_variants
WHERE NOT $incremental OR account_id IN (SELECT account_id FROM rs_vdirty);
INSERT INTO resolve_cache_variants BY NAME
SELECT * FROM rs_var_new;

-- rs_vdirty holds every account of rs_dirty
DELETE FROM resolve_cache_accounts
WHERE NOT $incremental OR account_id IN (SELECT account_id FROM rs_vdirty);
INSERT INTO resolve_cache_accounts BY NAME
SELECT d.account_id, d.digest, coalesce(n.ncoa_digest, 0) AS ncoa_digest
FROM rs_acct_digest d
LEFT JOIN rs_ncoa_digest n USING (account_id)
WHERE NOT $incremental OR d.account_id IN (SELECT account_id FROM rs_vdirty);

DELETE FROM resolve_cache_state;
INSERT INTO resolve_cache_state BY NAME
SELECT $state_key AS state_key, $run_id AS run_id,
       (SELECT count(*) FROM resolve_cache_accounts) AS accounts,
       (SELECT count(*) FROM resolve_cache_evidence) AS evidence_rows,
       (SELECT count(*) FROM resolve_cache_variants) AS variant_rows,
       now() AS written_at;
