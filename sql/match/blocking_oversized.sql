-- The oversized blocks the blocking report names: the $max_reported largest of each pass, with
-- their key text. Blocks are stored as hashes (blocking_keys.sql), so the text is rebuilt from
-- one account row of each named block (_blk_probe) with the same key macro.

CREATE OR REPLACE TEMP TABLE _blk_top AS
SELECT pass, h, n_left, n_right, size
FROM _blk_oversized
QUALIFY row_number() OVER (PARTITION BY pass ORDER BY size DESC, h) <= $max_reported;

CREATE OR REPLACE TEMP TABLE _blk_probe AS
SELECT * FROM _ml
WHERE id IN (SELECT min(l.id) FROM _blk_l l JOIN _blk_top t ON t.h = l.h GROUP BY l.h);

SELECT p.pass, k.bkey, t.n_left, t.n_right, t.size
FROM _blk_top t
JOIN _blk_passes p ON p.code = t.pass
JOIN (SELECT DISTINCT h, bkey FROM _match_block_hashed('_blk_probe', true)) k
  ON k.h = t.h
ORDER BY p.pass, t.size DESC, k.bkey;
