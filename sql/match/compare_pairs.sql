-- Comparison vectors for the pairs in _match_pairs_in(account_id, rec_id) into _match_cmp: the
-- levels (and term frequencies) of compare.sql's `_match_levels` (run that file first:
-- compare.compare_pairs). Columns: compare.SCORED_COLUMNS.
-- The pairs are joined to the sides by their ids once, narrowly, for their row numbers (ix):
-- `_match_levels` reads the two rows by row number, as the u sample's random pairs come.

-- The pairs to compare, (account_id, rec_id), by their row numbers; a pair whose account or
-- record is on neither side is not compared.
CREATE OR REPLACE TEMP VIEW _match_pairs_ix AS
SELECT l.ix AS lx, r.ix AS rx
FROM _match_pairs_in p
JOIN _ml l ON l.id = p.account_id
JOIN _mr r ON r.id = p.rec_id;

CREATE OR REPLACE TEMP TABLE _match_cmp AS
SELECT * FROM _match_levels('_match_pairs_ix');

DROP VIEW _match_pairs_ix;
