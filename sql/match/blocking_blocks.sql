-- Blocks: every blocking key of both sides and the size of each block (left rows x right rows).
-- A block whose size exceeds $block_cap is skipped whole and listed in _blk_oversized: common
-- names ("SMITH|J|100") would otherwise dominate the candidate set while adding almost no true
-- matches that a more specific pass does not already find.
-- Blocks are identified by h = hash(pass, key) (blocking_keys.sql), which is unique across
-- passes, so every join below is on one UBIGINT.
-- Inputs: _ml, _mr (sides.sql), macro _match_block_keys (blocking_keys.sql). The pairs are made
-- from these tables by blocking_pairs.sql (full run) or incremental_candidates.sql.

CREATE OR REPLACE TEMP TABLE _blk_l AS SELECT * FROM _match_block_keys('_ml');

CREATE OR REPLACE TEMP TABLE _blk_r AS SELECT * FROM _match_block_keys('_mr');

CREATE OR REPLACE TEMP TABLE _blk_sizes AS
SELECT l.pass, h, l.n AS n_left, r.n AS n_right, l.n * r.n AS size
FROM (SELECT h, any_value(pass) AS pass, count(*) AS n FROM _blk_l GROUP BY h) l
JOIN (SELECT h, count(*) AS n FROM _blk_r GROUP BY h) r USING (h);

CREATE OR REPLACE TEMP TABLE _blk_oversized AS
SELECT pass, h, n_left, n_right, size FROM _blk_sizes WHERE size > $block_cap;
