-- Each variant's cluster label (rs_lab, the point's cid in 06): a center and a variant without
-- an edge label themselves; a slip takes the best-ranked center it is one slip from (the
-- greedy pass's choice: the first center met in rank order). A variant the rounds left
-- unplaced (resolve.py stops after a bound no real account reaches) is its own point: never
-- a merge that was not earned.
CREATE OR REPLACE TEMP TABLE rs_lab AS
WITH home AS (
    SELECT s.account_id, s.role, s.vkey, arg_min(c.vkey, c.prio) AS center
    FROM rs_vcen s
    JOIN rs_uedge e ON e.account_id = s.account_id AND e.role = s.role AND e.k1 = s.vkey
    JOIN rs_vcen c
      ON c.account_id = e.account_id AND c.role = e.role AND c.vkey = e.k2 AND c.state = 'c'
    WHERE s.state = 'a'
    GROUP BY ALL
)
SELECT v.account_id, v.role, v.vkey, coalesce(h.center, v.vkey) AS lab
FROM rs_var v
LEFT JOIN home h ON h.account_id = v.account_id AND h.role = v.role AND h.vkey = v.vkey;
