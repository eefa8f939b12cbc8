-- Comparison vectors for the pairs in _match_pairs_in(account_id, rec_id) into _match_cmp: the
-- levels of compare.sql's `_match_levels` (run that file first: compare.compare_pairs), and the
-- term frequency of an exactly agreeing given name and surname. Columns: compare.SCORED_COLUMNS.
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
SELECT
    c.account_id, c.rec_id, c.source, c.echoed, c.same_unit, c.first_name, c.last_name, c.dob,
    c.ssn, c.address, c.phone, c.email, c.suffix, c.middle_initial,
    -- term frequency of the agreed value, only where the exact level holds (see sides.sql)
    CASE WHEN c.first_name = 7 /* FIRST_EXACT */ THEN tf1.freq END AS tf_first_name,
    CASE WHEN c.last_name = 4 /* LAST_EXACT */ THEN tf2.freq END AS tf_last_name
FROM _match_levels('_match_pairs_ix') c
LEFT JOIN _tf_first_name tf1 ON tf1.value = c.account_first_std
LEFT JOIN _tf_last_name tf2 ON tf2.value = c.account_last_std;

DROP VIEW _match_pairs_ix;
