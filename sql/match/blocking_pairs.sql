-- Candidate pairs of a full run: the union of every blocking pass over the blocks within the cap
-- (blocking_blocks.sql), de-duplicated, plus every echoed account key. `pass_mask` has bit
-- `code` set for each pass that proposed the pair (codes in _blk_passes; 15 = echo), so
-- blocking_report.sql can count the pairs only one pass found.
-- incremental_candidates.sql builds the same table from the previous run's pairs; the two must
-- agree row for row (tests/flows/test_incremental_equivalence.py).

CREATE OR REPLACE TEMP TABLE _match_candidates AS
SELECT account_id, rec_id, bit_or(bit) AS pass_mask
FROM (
    SELECT l.id AS account_id, r.id AS rec_id, (1::INTEGER << l.pass) AS bit
    FROM _blk_sizes s
    JOIN _blk_l l ON l.h = s.h
    JOIN _blk_r r ON r.h = s.h
    WHERE s.kept
    UNION ALL
    SELECT r.echo_account_id, r.id, (1::INTEGER << 15)
    FROM _mr r JOIN _ml l ON l.id = r.echo_account_id
)
GROUP BY ALL;
