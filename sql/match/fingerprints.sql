-- Fingerprints of the two sides (_ml, _mr from sides.sql): a 64-bit hash of every column except
-- the dense row index ix (which shifts whenever a row is inserted before it). Every column the
-- blocking keys or the comparisons read is in the hash, so an equal fingerprint means equal
-- comparison levels with any other row and equal blocking keys. hash() is order-sensitive over
-- the struct's fields (a first/last swap changes it). A changed row colliding with its old hash
-- has probability 2^-64.

CREATE OR REPLACE TEMP TABLE _fp_l AS
SELECT id AS account_id, hash(_fp_row) AS fp FROM (SELECT * EXCLUDE (ix) FROM _ml) _fp_row;

CREATE OR REPLACE TEMP TABLE _fp_r AS
SELECT id AS rec_id, hash(_fp_row) AS fp FROM (SELECT * EXCLUDE (ix) FROM _mr) _fp_row;
