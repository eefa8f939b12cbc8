-- One step of min-label propagation over rs_uedge (repeated by resolve.py until stable).
CREATE OR REPLACE TEMP TABLE rs_lab_next AS
SELECT l.account_id, l.role, l.vkey, least(l.lab, coalesce(min(n.lab), l.lab)) AS lab
FROM rs_lab l
LEFT JOIN rs_uedge e ON e.account_id = l.account_id AND e.role = l.role AND e.k1 = l.vkey
LEFT JOIN rs_lab n ON n.account_id = e.account_id AND n.role = e.role AND n.vkey = e.k2
GROUP BY l.account_id, l.role, l.vkey, l.lab;
