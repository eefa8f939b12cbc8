-- One round of the clustering of address variants around centers (repeated by resolve.py until
-- every variant of rs_vcen is placed). A variant that no unplaced neighbour (an edge of
-- rs_uedge) outranks becomes a center; its unplaced neighbours are placed as its slips. A slip
-- never absorbs anything: a variant joins a point only when it is one slip from the point's
-- center, the best-supported spelling around it ('1221' and '4O00' still join the '1231' and
-- '4000' two other records share: issue 16), and '100', '101', ... '399 TRACE ST' stay several
-- points however long the chain of one-keystroke neighbours. The centers are those of the
-- greedy pass in rank order (prio), computed in rounds: the same result whatever the order the
-- rows are met in.
CREATE OR REPLACE TEMP TABLE rs_vcen AS
WITH free AS (SELECT account_id, role, vkey, prio FROM rs_vcen WHERE state = 'u'),
centers AS (
    SELECT f.account_id, f.role, f.vkey
    FROM free f
    WHERE NOT EXISTS (SELECT 1
                      FROM rs_uedge e
                      JOIN free n ON n.account_id = e.account_id AND n.role = e.role AND n.vkey = e.k2
                      WHERE e.account_id = f.account_id AND e.role = f.role AND e.k1 = f.vkey
                        AND n.prio < f.prio)
),
slips AS (
    SELECT DISTINCT e.account_id, e.role, e.k1 AS vkey
    FROM rs_uedge e
    JOIN centers c ON c.account_id = e.account_id AND c.role = e.role AND c.vkey = e.k2
)
SELECT v.account_id, v.role, v.vkey, v.prio,
       CASE WHEN v.state <> 'u' THEN v.state
            WHEN c.vkey IS NOT NULL THEN 'c'
            WHEN s.vkey IS NOT NULL THEN 'a'
            ELSE 'u' END AS state
FROM rs_vcen v
LEFT JOIN centers c ON c.account_id = v.account_id AND c.role = v.role AND c.vkey = v.vkey
LEFT JOIN slips s ON s.account_id = v.account_id AND s.role = v.role AND s.vkey = v.vkey;
