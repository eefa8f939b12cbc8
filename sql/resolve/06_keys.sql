-- The contact points' integer keys, and the evidence with them (rs_evc), for 06_clusters.sql.
--
-- Integer keys (issue 20): every statement of 06_clusters.sql and 07 groups, joins or
-- partitions by the contact point (account_id, role, contact_type, cid: four strings, the
-- address keys ~40 bytes) and several by the variant (+ vkey). Over millions of evidence rows
-- those wide keys were most of the bytes the group-bys hashed and spilled. So the distinct
-- variants get an integer vid and the distinct points an integer pt, once, here (rs_vk:
-- variant -> vid, pt, cid; rs_pt: pt -> its four keys), and those statements group and join on
-- them. The numbers are arbitrary (row_number over an unordered set) and never leave resolve:
-- every tie-break that decides an output value still orders by the strings (vkey,
-- contact_key), so no output row depends on them. Phones cluster on E.164, emails on the
-- normalized address, addresses on their variant label (05). cid is never NULL: 03 keeps only
-- evidence with a key (vkey), and a label is a vkey.
CREATE OR REPLACE TEMP TABLE rs_vk AS
WITH vk AS (SELECT DISTINCT account_id, role, contact_type, vkey FROM rs_evs)
SELECT vk.account_id, vk.role, vk.contact_type, vk.vkey, coalesce(l.lab, vk.vkey) AS cid
FROM vk
LEFT JOIN rs_lab l
  ON vk.contact_type = 'address' AND l.account_id = vk.account_id AND l.role = vk.role
 AND l.vkey = vk.vkey;

CREATE OR REPLACE TEMP TABLE rs_pt AS
SELECT CAST(row_number() OVER () AS INTEGER) AS pt, account_id, role, contact_type, cid
FROM (SELECT DISTINCT account_id, role, contact_type, cid FROM rs_vk);

CREATE OR REPLACE TEMP TABLE rs_vk AS
SELECT CAST(row_number() OVER () AS INTEGER) AS vid, p.pt, k.account_id, k.role, k.contact_type,
       k.vkey, k.cid
FROM rs_vk k
JOIN rs_pt p
  ON p.account_id = k.account_id AND p.role = k.role AND p.contact_type = k.contact_type
 AND p.cid = k.cid;

-- The sources, numbered in name order (sid): the per-point source lists of rs_rep, rs_cs and
-- 07's rs_latest aggregate the numbers, and rs_cs turns its sorted lists back into names
-- (rs_src_names.names[sid]); sorting the numbers sorts the names. A list of strings per group
-- cost twice a list of integers plus the lookup.
CREATE OR REPLACE TEMP TABLE rs_src AS
SELECT source, CAST(row_number() OVER (ORDER BY source) AS INTEGER) AS sid
FROM (SELECT DISTINCT source FROM rs_evs WHERE source IS NOT NULL);

CREATE OR REPLACE TEMP TABLE rs_src_names AS
SELECT coalesce(list(source ORDER BY sid), []) AS names FROM rs_src;

-- Every evidence row with its keys. After this file resolve.py frees rs_evs, which nothing later
-- reads: it would be a second copy of the evidence (2.9 GB at 1M accounts). Without the columns
-- no later step reads of it: the variant's key (rs_vk holds it, by vid), its place and the
-- address parts only the variants (rs_var) are compared on. rs_evc is held through the write
-- (09 reads it for the support rows); the six were 14% of it at 100k (352 -> 301 MB), and
-- copying them 0.13 of the statement's 1.26 CPU s.
CREATE OR REPLACE TEMP TABLE rs_evc AS
SELECT e.* EXCLUDE (vkey, place, predir, suffix, postdir, unit_type), k.cid, k.pt, k.vid, s.sid
FROM rs_evs e
JOIN rs_vk k
  ON k.account_id = e.account_id AND k.role = e.role AND k.contact_type = e.contact_type
 AND k.vkey = e.vkey
LEFT JOIN rs_src s ON s.source = e.source;
DROP TABLE rs_src;
