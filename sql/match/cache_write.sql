-- Last step of rewriting the incremental cache (migration 010): the side fingerprints, the
-- oversized blocks, and the state row naming the link run whose data state the cache now
-- describes. The state row is what makes the cache usable (matchers/incremental.py
-- cache_status), and it commits with this step only, after cache_clear.sql and every slice of
-- cache_write_pairs.sql: a write that stopped earlier leaves no state row, so the next run is
-- a full one.
-- Inputs: _fp_l, _fp_r, _blk_oversized, _match_candidates, _inc_dirty_l/_r.
-- Parameters: $full, $run_id, $matcher_version, $block_cap, $name_block_cap.

INSERT INTO match_cache_accounts
SELECT f.account_id, f.fp FROM _fp_l f
WHERE $full OR EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = f.account_id);

INSERT INTO match_cache_records
SELECT f.rec_id, f.fp FROM _fp_r f
WHERE $full OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = f.rec_id);

INSERT INTO match_cache_oversized SELECT h FROM _blk_oversized;

INSERT INTO match_cache_state
    (matcher_version, block_cap, name_block_cap, run_id, accounts, records, pairs, written_at)
SELECT $matcher_version, $block_cap, $name_block_cap, $run_id,
       (SELECT count(*) FROM _fp_l), (SELECT count(*) FROM _fp_r),
       (SELECT count(*) FROM _match_candidates), current_timestamp;
