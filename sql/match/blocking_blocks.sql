-- Blocks: every blocking key of both sides and the size of each block (left rows x right rows).
-- A block whose size exceeds its pass's cap is skipped whole and listed in _blk_oversized:
-- common names ("SMITH|J|100") would otherwise dominate the candidate set while adding almost
-- no true matches that a more specific pass does not already find.
-- Two caps (_blk_passes.identifying, blocking_keys.sql): $block_cap for the passes whose keys
-- hold an identifier or a whole address (SSN, phone, email, address), $name_block_cap for the
-- passes keyed on names, places and dates of birth. Measured on 100k generated accounts (docs/
-- performance.md): blocks of the latter over 100 pairs proposed 72% of all candidates and 36 of
-- the 314k links made.
-- Blocks are identified by h = hash(pass, key parts) (blocking_keys.sql), which is unique across
-- passes, so every join below is on one UBIGINT.
-- Inputs: _ml, _mr (sides.sql), macro _match_block_keys (blocking_keys.sql). The pairs are made
-- from these tables by blocking_pairs.sql (full run) or incremental_candidates.sql.

CREATE OR REPLACE TEMP TABLE _blk_caps AS
SELECT code AS pass, (CASE WHEN identifying THEN $block_cap ELSE $name_block_cap END)::BIGINT AS cap
FROM _blk_passes
WHERE pass <> 'echo';  -- echoed keys are not blocks: never capped

CREATE OR REPLACE TEMP TABLE _blk_l AS SELECT * FROM _match_block_keys('_ml');

-- The right side (records, ~5x the accounts) keeps only the keys the left side has: a record
-- key no account shares is in no block, so nothing downstream (block sizes, the pairs, an
-- incremental run's flipped and dirty blocks) can read it. 6.9M record keys become 3.9M on the
-- generated 100k, and the sizes below group them without a second semi join.
CREATE OR REPLACE TEMP TABLE _blk_r AS
SELECT * FROM _match_block_keys('_mr') WHERE h IN (SELECT h FROM _blk_l);

CREATE OR REPLACE TEMP TABLE _blk_sizes AS
WITH l AS (SELECT h, any_value(pass) AS pass, count(*) AS n FROM _blk_l GROUP BY h)
SELECT l.pass, h, l.n AS n_left, r.n AS n_right, l.n * r.n AS size, l.n * r.n <= c.cap AS kept
FROM l
JOIN (SELECT h, count(*) AS n FROM _blk_r GROUP BY h) r USING (h)
JOIN _blk_caps c ON c.pass = l.pass;

CREATE OR REPLACE TEMP TABLE _blk_oversized AS
SELECT pass, h, n_left, n_right, size FROM _blk_sizes WHERE NOT kept;
