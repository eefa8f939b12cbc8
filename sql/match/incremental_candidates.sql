-- Incremental candidate pairs: the full run's _match_candidates (blocking_pairs.sql), built from
-- the cached state's pairs (match_cache_*) plus the blocks of the rows that changed.
-- Inputs: _ml, _mr, _fp_l, _fp_r, _blk_l, _blk_r, _blk_sizes, _blk_oversized.
-- Outputs: _inc_dirty_l/_r, _inc_removed_l/_r, _inc_carried, _inc_affected, _match_candidates,
--          _inc_compare (pairs needing comparison levels).
--
-- Why this equals the full run. Split the current candidate pairs by their sides:
--  * a dirty side (new or changed fingerprint): found by joining only the dirty rows' block keys
--    against the other side, over blocks within the cap (all of a dirty row's blocks, so its
--    pass_mask is complete);
--  * both sides clean (fingerprint unchanged): such a pair shares exactly the blocks it shared
--    in the cached state, so it is a candidate now iff it was then, unless one of those blocks
--    crossed the cap. Blocks that became oversized can only drop cached pairs; blocks that
--    came back under the cap can only add pairs. Clean pairs in such "flipped" blocks get their
--    passes recomputed from scratch (_inc_affected); all other cached clean pairs carry over with
--    their passes and levels. Removed rows take their pairs with them.

-- dirty and removed rows, against the cached fingerprints
CREATE OR REPLACE TEMP TABLE _inc_dirty_l AS
SELECT f.account_id AS id, c.account_id IS NULL AS is_new
FROM _fp_l f LEFT JOIN match_cache_accounts c ON c.account_id = f.account_id
WHERE c.fp IS DISTINCT FROM f.fp;

CREATE OR REPLACE TEMP TABLE _inc_dirty_r AS
SELECT f.rec_id AS id, c.rec_id IS NULL AS is_new
FROM _fp_r f LEFT JOIN match_cache_records c ON c.rec_id = f.rec_id
WHERE c.fp IS DISTINCT FROM f.fp;

CREATE OR REPLACE TEMP TABLE _inc_removed_l AS
SELECT account_id AS id FROM match_cache_accounts c
WHERE NOT EXISTS (SELECT 1 FROM _fp_l f WHERE f.account_id = c.account_id);

CREATE OR REPLACE TEMP TABLE _inc_removed_r AS
SELECT rec_id AS id FROM match_cache_records c
WHERE NOT EXISTS (SELECT 1 FROM _fp_r f WHERE f.rec_id = c.rec_id);

-- cached pairs whose two rows are unchanged
CREATE OR REPLACE TEMP TABLE _inc_carried AS
SELECT p.*
FROM match_cache_pairs p
WHERE NOT EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = p.account_id)
  AND NOT EXISTS (SELECT 1 FROM _inc_removed_l d WHERE d.id = p.account_id)
  AND NOT EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = p.rec_id)
  AND NOT EXISTS (SELECT 1 FROM _inc_removed_r d WHERE d.id = p.rec_id);

-- blocks that crossed the cap since the cached state (by the same hash the cache stores)
CREATE OR REPLACE TEMP TABLE _inc_flipped AS
SELECT h, true AS now_oversized
FROM _blk_oversized o
WHERE NOT EXISTS (SELECT 1 FROM match_cache_oversized c WHERE c.block_hash = o.h)
UNION ALL
SELECT h, false
FROM _blk_sizes s
WHERE s.kept
  AND EXISTS (SELECT 1 FROM match_cache_oversized c WHERE c.block_hash = s.h);

-- clean pairs whose candidacy or passes may have changed: cached pairs in a block that became
-- oversized, and every clean pair of a block that came back under the cap
CREATE OR REPLACE TEMP TABLE _inc_affected AS
WITH fl AS (
    SELECT l.id, l.h, f.now_oversized
    FROM _blk_l l JOIN _inc_flipped f ON f.h = l.h
    WHERE NOT EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = l.id)
), fr AS (
    SELECT r.id, r.h, f.now_oversized
    FROM _blk_r r JOIN _inc_flipped f ON f.h = r.h
    WHERE NOT EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = r.id)
)
SELECT c.account_id, c.rec_id
FROM _inc_carried c
JOIN fl ON fl.id = c.account_id AND fl.now_oversized
JOIN fr ON fr.id = c.rec_id AND fr.h = fl.h
UNION
SELECT fl.id, fr.id
FROM fl JOIN fr ON fr.h = fl.h
WHERE NOT fl.now_oversized;

-- the candidate pairs that need their passes derived now: dirty-side pairs and affected pairs
CREATE OR REPLACE TEMP TABLE _inc_new_pairs AS
WITH kept AS (
    SELECT h FROM _blk_sizes WHERE kept
), dl AS (
    SELECT l.* FROM _blk_l l WHERE EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = l.id)
), dr AS (
    SELECT r.* FROM _blk_r r WHERE EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = r.id)
)
SELECT account_id, rec_id, bit_or(bit) AS pass_mask
FROM (
    SELECT l.id AS account_id, r.id AS rec_id, (1::INTEGER << l.pass) AS bit
    FROM dl l
    JOIN _blk_r r ON r.h = l.h
    JOIN kept k ON k.h = l.h
    UNION ALL
    SELECT l.id, r.id, (1::INTEGER << r.pass)
    FROM dr r
    JOIN _blk_l l ON l.h = r.h
    JOIN kept k ON k.h = r.h
    UNION ALL
    SELECT r.echo_account_id, r.id, (1::INTEGER << 15)
    FROM _mr r JOIN _ml l ON l.id = r.echo_account_id
    WHERE EXISTS (SELECT 1 FROM _inc_dirty_l d WHERE d.id = l.id)
       OR EXISTS (SELECT 1 FROM _inc_dirty_r d WHERE d.id = r.id)
    UNION ALL
    SELECT a.account_id, a.rec_id, (1::INTEGER << l.pass)
    FROM _inc_affected a
    JOIN _blk_l l ON l.id = a.account_id
    JOIN _blk_r r ON r.id = a.rec_id AND r.h = l.h
    JOIN kept k ON k.h = l.h
    UNION ALL
    SELECT a.account_id, a.rec_id, (1::INTEGER << 15)
    FROM _inc_affected a JOIN _mr r ON r.id = a.rec_id
    WHERE r.echo_account_id = a.account_id
)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE _match_candidates AS
SELECT c.account_id, c.rec_id, c.pass_mask
FROM _inc_carried c
WHERE NOT EXISTS (
    SELECT 1 FROM _inc_affected a WHERE a.account_id = c.account_id AND a.rec_id = c.rec_id)
UNION ALL
SELECT account_id, rec_id, pass_mask FROM _inc_new_pairs;

-- pairs with no cached levels: a dirty side, or clean pairs new to the candidate set
CREATE OR REPLACE TEMP TABLE _inc_compare AS
SELECT n.account_id, n.rec_id
FROM _inc_new_pairs n
WHERE NOT EXISTS (
    SELECT 1 FROM _inc_carried c WHERE c.account_id = n.account_id AND c.rec_id = n.rec_id);
