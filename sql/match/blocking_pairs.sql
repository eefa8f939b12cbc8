-- Candidate pairs of a full run: the union of every blocking pass over the blocks within the cap
-- (blocking_blocks.sql), de-duplicated, plus every echoed account key. `passes` lists the passes
-- that proposed a pair (blocking_report.sql counts the pairs only one pass found).
-- incremental_candidates.sql builds the same table from the previous run's pairs; the two must
-- agree row for row (tests/flows/test_incremental_equivalence.py).

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
