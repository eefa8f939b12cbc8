-- The candidates' comparison table of an incremental run, in the columns scoring and EM read
-- from _match_cmp (compare.sql): levels of the freshly compared pairs (_match_cmp as the
-- comparator left it, for _inc_compare) and cached levels of the carried pairs still candidates,
-- plus the columns that depend on the current data as a whole and so are recomputed for every
-- pair: the record's source, the echoed account key, whether the two units agree, and the term
-- frequencies of the agreed names (keep in step with compare.sql).

ALTER TABLE _match_cmp RENAME TO _inc_fresh;

CREATE OR REPLACE TEMP TABLE _match_cmp AS
SELECT
    p.account_id,
    p.rec_id,
    r.source,
    coalesce(r.echo_account_id = p.account_id, false) AS echoed,
    -- as compare.sql: the record's unit is part of it, so a carried pair's is unchanged too
    coalesce(l.unit_number = r.unit_number, l.unit_number IS NULL AND r.unit_number IS NULL)
        AS same_unit,
    p.first_name, p.last_name, p.dob, p.ssn, p.address, p.phone, p.email, p.suffix,
    p.middle_initial,
    CASE WHEN p.first_name = 7 /* FIRST_EXACT */ THEN tf1.freq END AS tf_first_name,
    CASE WHEN p.last_name = 4 /* LAST_EXACT */ THEN tf2.freq END AS tf_last_name
FROM (
    SELECT account_id, rec_id, first_name, last_name, dob, ssn, address, phone, email, suffix,
           middle_initial
    FROM _inc_fresh
    UNION ALL
    -- carried pairs, less those a block over the cap took out of the candidates
    SELECT c.account_id, c.rec_id,
           c.first_name::INTEGER, c.last_name::INTEGER, c.dob::INTEGER, c.ssn::INTEGER,
           c.address::INTEGER, c.phone::INTEGER, c.email::INTEGER, c.suffix::INTEGER,
           c.middle_initial::INTEGER
    FROM _inc_carried c
    WHERE NOT EXISTS (
        SELECT 1 FROM _inc_affected a
        WHERE a.account_id = c.account_id AND a.rec_id = c.rec_id
          AND NOT EXISTS (
              SELECT 1 FROM _inc_new_pairs n
              WHERE n.account_id = a.account_id AND n.rec_id = a.rec_id))
) p
JOIN _ml l ON l.id = p.account_id
JOIN _mr r ON r.id = p.rec_id
LEFT JOIN _tf_first_name tf1 ON tf1.value = l.first_std
LEFT JOIN _tf_last_name tf2 ON tf2.value = l.last_std;

DROP TABLE _inc_fresh;
