-- Rewrite the incremental cache (migration 010) to describe the state this link run matched:
-- fingerprints of every side row, the oversized blocks, every candidate pair with its passes
-- and levels. $full: replace everything (a full run); otherwise apply the increment only
-- (rows of dirty/removed sides and affected pairs out, newly derived pairs in), so an
-- incremental run writes in proportion to what changed.
-- Inputs: _fp_l, _fp_r, _blk_oversized, _match_candidates, _match_cmp; incremental runs also
-- _inc_dirty_l/_r, _inc_removed_l/_r, _inc_affected, _inc_new_pairs.
-- Runs inside the link run's write transaction ($run_id, $matcher_version, $block_cap,
-- $name_block_cap).

DELETE FROM match_cache_pairs p
WHERE $full
   OR EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = p.account_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_l d WHERE d.id = p.account_id)
   OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = p.rec_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_r d WHERE d.id = p.rec_id)
   OR EXISTS (SELECT 1 FROM _inc_affected a WHERE a.account_id = p.account_id AND a.rec_id = p.rec_id);

INSERT INTO match_cache_pairs
SELECT m.account_id, m.rec_id, m.pass_mask,
       c.first_name, c.last_name, c.dob, c.ssn, c.address, c.phone, c.email, c.suffix,
       c.middle_initial
FROM _match_candidates m
JOIN _match_cmp c ON c.account_id = m.account_id AND c.rec_id = m.rec_id
WHERE $full OR EXISTS (
    SELECT 1 FROM _inc_new_pairs n WHERE n.account_id = m.account_id AND n.rec_id = m.rec_id);

DELETE FROM match_cache_accounts c
WHERE $full
   OR EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = c.account_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_l d WHERE d.id = c.account_id);

INSERT INTO match_cache_accounts
SELECT f.account_id, f.fp FROM _fp_l f
WHERE $full OR EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = f.account_id);

DELETE FROM match_cache_records c
WHERE $full
   OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = c.rec_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_r d WHERE d.id = c.rec_id);

INSERT INTO match_cache_records
SELECT f.rec_id, f.fp FROM _fp_r f
WHERE $full OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = f.rec_id);

DELETE FROM match_cache_oversized;

INSERT INTO match_cache_oversized SELECT h FROM _blk_oversized;

DELETE FROM match_cache_state;

INSERT INTO match_cache_state
    (matcher_version, block_cap, name_block_cap, run_id, accounts, records, pairs, written_at)
SELECT $matcher_version, $block_cap, $name_block_cap, $run_id,
       (SELECT count(*) FROM _fp_l), (SELECT count(*) FROM _fp_r),
       (SELECT count(*) FROM _match_candidates), current_timestamp;
