-- The run's address variants and cluster labels: the ones just computed for rs_vdirty (05-05b)
-- plus the cached ones of every other account (a full resolve reads no cached row). 06 reads
-- rs_var and rs_lab for every account.
CREATE OR REPLACE TEMP TABLE rs_var_new AS
SELECT v.*, l.lab
FROM rs_var v
JOIN rs_lab l USING (account_id, role, vkey);

CREATE OR REPLACE TEMP TABLE rs_var_carried AS
SELECT * FROM resolve_cache_variants c
WHERE $incremental
  AND NOT EXISTS (SELECT 1 FROM rs_vdirty d WHERE d.account_id = c.account_id);

CREATE OR REPLACE TEMP TABLE rs_var AS
SELECT * EXCLUDE (lab) FROM rs_var_carried
UNION ALL BY NAME
SELECT * EXCLUDE (lab) FROM rs_var_new;

CREATE OR REPLACE TEMP TABLE rs_lab AS
SELECT account_id, role, vkey, lab FROM rs_var_carried
UNION ALL
SELECT account_id, role, vkey, lab FROM rs_var_new;

DROP TABLE rs_var_carried;
