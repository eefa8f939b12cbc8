-- One slice of the cache's candidate pairs (passes and comparison levels): the pairs whose
-- hash(rec_id) % $chunks = $chunk, each slice its own transaction (matchers/incremental.py
-- write_cache). Why slices: at 1M accounts a full run writes 17.4M rows, and one join and
-- commit of all of them was the match stage's memory peak; a slice's join and commit are a
-- $chunks-th of it. A full run writes every candidate; an incremental run only the pairs whose
-- passes it derived now (_inc_new_pairs, a subset of _match_candidates with the same
-- pass_mask): the carried ones are still in the table.
-- Inputs: _match_candidates, _match_cmp, _inc_new_pairs.
--
-- Cost, measured on the generated 100k (1.23M candidates, bench/vs_splink.py's link()): 0.75 s
-- as first written, 0.20 s now, same rows. Two things cost the difference:
-- - `hash(...) % $chunks` with an INTEGER parameter computed in a wider type on every row: the
--   parameters are cast to hash()'s UBIGINT;
-- - `WHERE $full OR EXISTS (... _inc_new_pairs ...)` ran the EXISTS join for every pair even
--   in a full run (a parameter is not folded): the pair set is now one of two UNION ALL
--   branches, each behind its own constant filter.

INSERT INTO match_cache_pairs
SELECT m.account_id, m.rec_id, m.pass_mask,
       c.first_name, c.last_name, c.dob, c.ssn, c.address, c.phone, c.email, c.suffix,
       c.middle_initial
FROM (
    SELECT account_id, rec_id, pass_mask FROM _match_candidates WHERE $full
    UNION ALL
    SELECT account_id, rec_id, pass_mask FROM _inc_new_pairs WHERE NOT $full
) m
JOIN _match_cmp c ON c.account_id = m.account_id AND c.rec_id = m.rec_id
WHERE hash(m.rec_id) % CAST($chunks AS UBIGINT) = CAST($chunk AS UBIGINT)
  AND hash(c.rec_id) % CAST($chunks AS UBIGINT) = CAST($chunk AS UBIGINT);
