-- One slice of the cache's candidate pairs (passes and comparison levels): the pairs whose
-- hash(rec_id) % $chunks = $chunk, each slice its own transaction (matchers/incremental.py
-- write_cache). Why slices: at 1M accounts a full run writes 17.4M rows, and one join and
-- commit of all of them was the match stage's memory peak; a slice's join and commit are a
-- $chunks-th of it. A full run writes every candidate; an incremental run only the pairs whose
-- passes it derived now (_inc_new_pairs): the carried ones are still in the table.
-- Inputs: _match_candidates, _match_cmp, _inc_new_pairs.

INSERT INTO match_cache_pairs
SELECT m.account_id, m.rec_id, m.pass_mask,
       c.first_name, c.last_name, c.dob, c.ssn, c.address, c.phone, c.email, c.suffix,
       c.middle_initial
FROM (
    SELECT account_id, rec_id, pass_mask FROM _match_candidates
    WHERE hash(rec_id) % $chunks = $chunk
) m
JOIN (
    SELECT * FROM _match_cmp WHERE hash(rec_id) % $chunks = $chunk
) c ON c.account_id = m.account_id AND c.rec_id = m.rec_id
WHERE $full OR EXISTS (
    SELECT 1 FROM _inc_new_pairs n WHERE n.account_id = m.account_id AND n.rec_id = m.rec_id);
