-- Candidate pairs: the union of every blocking pass, de-duplicated, plus every echoed account key.
-- A block whose pair count (left rows x right rows) exceeds $block_cap is skipped whole and listed
-- in _blk_oversized: common names ("SMITH|J|100") would otherwise dominate the candidate set
-- while adding almost no true matches that a more specific pass does not already find.
-- Inputs: _ml, _mr (sides.sql), macro _match_block_keys (blocking_keys.sql).

CREATE OR REPLACE TEMP TABLE _blk_l AS SELECT * FROM _match_block_keys('_ml');

CREATE OR REPLACE TEMP TABLE _blk_r AS SELECT * FROM _match_block_keys('_mr');

CREATE OR REPLACE TEMP TABLE _blk_sizes AS
SELECT pass, bkey, l.n AS n_left, r.n AS n_right, l.n * r.n AS size
FROM (SELECT pass, bkey, count(*) AS n FROM _blk_l GROUP BY ALL) l
JOIN (SELECT pass, bkey, count(*) AS n FROM _blk_r GROUP BY ALL) r USING (pass, bkey);

CREATE OR REPLACE TEMP TABLE _blk_oversized AS
SELECT pass, bkey, n_left, n_right, size FROM _blk_sizes WHERE size > $block_cap;

CREATE OR REPLACE TEMP TABLE _match_candidates AS
SELECT account_id, rec_id, list(DISTINCT pass ORDER BY pass) AS passes
FROM (
    SELECT l.id AS account_id, r.id AS rec_id, s.pass
    FROM _blk_sizes s
    JOIN _blk_l l ON l.pass = s.pass AND l.bkey = s.bkey
    JOIN _blk_r r ON r.pass = s.pass AND r.bkey = s.bkey
    WHERE s.size <= $block_cap
    UNION ALL
    SELECT r.echo_account_id, r.id, 'echo'
    FROM _mr r JOIN _ml l ON l.id = r.echo_account_id
)
GROUP BY ALL;
