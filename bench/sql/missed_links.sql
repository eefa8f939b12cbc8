-- Missed debtor links of one run (bench/missed_links.py), for diagnosis on tuning seeds only.
-- Inputs: _truth(source, record_id, account_id) registered by the script (truth/records.csv,
-- debtor rows); the run's tables; _ml/_mr (match/sides.sql) and the blocks of
-- match/blocking_keys.sql + blocking_blocks.sql built with the run's caps.

-- every true (record, account) link with the loaded record's rec_id (NULL: not loaded)
CREATE OR REPLACE TEMP TABLE _truth_links AS
SELECT t.source, t.record_id, t.account_id, r.rec_id, r.kind
FROM _truth t
LEFT JOIN source_records r ON r.source = t.source AND r.record_id = t.record_id;

-- true links the run did not make (role debtor), with what it stored for the pair, if anything
CREATE OR REPLACE TEMP TABLE _missed AS
SELECT t.*, p.role, p.guard, p.match_probability, p.levels, c.outcome AS conflict,
       (SELECT any_value(o.account_id) FROM match_pairs o
        WHERE o.run_id = $run_id AND o.rec_id = t.rec_id AND o.role = 'debtor') AS linked_to,
       t.rec_id IN (SELECT id FROM _mr) AS in_sides
FROM _truth_links t
LEFT JOIN match_pairs p ON p.run_id = $run_id AND p.rec_id = t.rec_id AND p.account_id = t.account_id
LEFT JOIN match_conflicts c
    ON c.run_id = $run_id AND c.rec_id = t.rec_id AND c.account_id = t.account_id
WHERE p.role IS DISTINCT FROM 'debtor';

-- per missed pair: the blocking passes whose key both sides share, and whether any such block
-- was within its cap (a pair with passes but no kept block was lost to the caps)
CREATE OR REPLACE TEMP TABLE _missed_blocks AS
SELECT m.account_id, m.rec_id,
       list(DISTINCT ps.pass ORDER BY ps.pass) AS passes,
       bool_or(s.kept) AS any_kept
FROM _missed m
JOIN _blk_l l ON l.id = m.account_id
JOIN _blk_r r ON r.id = m.rec_id AND r.h = l.h
JOIN _blk_sizes s ON s.h = l.h
JOIN _blk_passes ps ON ps.code = l.pass
GROUP BY ALL;

SELECT m.*, b.passes, coalesce(b.any_kept, false) AS blocked
FROM _missed m
LEFT JOIN _missed_blocks b ON b.account_id = m.account_id AND b.rec_id = m.rec_id;
