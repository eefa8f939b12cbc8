-- First step of rewriting the incremental cache (migration 010): invalidate it, then take out
-- what this run's state replaces. $full: everything (a full run); otherwise the increment only
-- (rows of dirty/removed sides and affected pairs), so an incremental run writes in proportion
-- to what changed.
-- Runs in its own transaction after the run's pairs are committed (matchers/incremental.py
-- write_cache). The state row goes first: from here until cache_write.sql commits a new one,
-- cache_status finds no state and the next run is a full one, so a write that dies half way is
-- never read as a cache.
-- Inputs: _inc_dirty_l/_r, _inc_removed_l/_r, _inc_affected (empty stand-ins in a full run).

DELETE FROM match_cache_state;

DELETE FROM match_cache_pairs p
WHERE $full
   OR EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = p.account_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_l d WHERE d.id = p.account_id)
   OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = p.rec_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_r d WHERE d.id = p.rec_id)
   OR EXISTS (SELECT 1 FROM _inc_affected a WHERE a.account_id = p.account_id AND a.rec_id = p.rec_id);

DELETE FROM match_cache_accounts c
WHERE $full
   OR EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = c.account_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_l d WHERE d.id = c.account_id);

DELETE FROM match_cache_records c
WHERE $full
   OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = c.rec_id)
   OR EXISTS (SELECT 1 FROM _inc_removed_r d WHERE d.id = c.rec_id);

DELETE FROM match_cache_oversized;
