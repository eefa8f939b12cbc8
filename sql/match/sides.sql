-- The two sides of the linkage, in one shape so every later query is written once.
--   _ml: accounts (left), id = account_id
--   _mr: source records (right), id = rec_id
-- Empty strings become NULL here: level 0 ("no data", weight 0) must mean missing, not ''.
-- Phones become a sorted list per side (acct_phones/rec_phones plus the primary phone), so a
-- "shared phone" comparison is one list_intersect instead of a long join per pair. Built as
-- list_sort(list_distinct(list(...))): the same sorted distinct list as an ordered DISTINCT
-- aggregate, which sorts inside every group and took 2.4x longer.
-- ix is a dense, deterministic row index: the u-sampler draws random (ix, ix) pairs from numpy.
-- It is numbered over the ids alone (a narrow sort), and a duplicated id keeps its first row
-- (lowest rowid): sorting the wide rows cost 4x more at a million accounts.
-- An address the standardizer could not split (no street number and no street name parsed: a
-- street type it does not know, a second line run into the first) still begins with its house
-- number and street name in std_line1 ("70 SPENSLEY PLACE PANDORA ORCHARD"): both are read from
-- there, so the street comparison and the house-number blocking passes see them instead of a
-- NULL that agrees with nothing.
-- The unit number is the one compared (unit_key, sql/standardize/unit_number.sql: 'APT 04',
-- '# 4' and 'NO 4' are unit 4): the household guards ask whether two addresses are one
-- dwelling (compare.sql, `same_unit`).
-- name_abjad: the name was romanized from a script without written vowels (Arabic, Hebrew:
-- matchers/names.py), so compare.sql compares it with a Latin spelling by consonant skeleton.
CREATE OR REPLACE TEMP MACRO _line1_number(line1) AS
    nullif(regexp_extract(line1, '^([0-9]+[A-Z]?) [A-Z]', 1), '');
CREATE OR REPLACE TEMP MACRO _line1_street(line1) AS
    nullif(regexp_extract(line1, '^[0-9]+[A-Z]? ([A-Z][A-Z''-]*)', 1), '');

CREATE OR REPLACE TEMP TABLE _ml AS
WITH ph AS (
    SELECT account_id AS id, list_sort(list_distinct(list(e164))) AS phones
    FROM (SELECT account_id, nullif(trim(e164), '') AS e164 FROM acct_phones
          UNION ALL
          SELECT account_id, nullif(trim(phone_e164), '') FROM acct_std)
    WHERE e164 IS NOT NULL
    GROUP BY ALL
), ids AS (
    SELECT account_id, min(rowid) AS rid,
           (row_number() OVER (ORDER BY account_id) - 1)::BIGINT AS ix
    FROM acct_std
    WHERE account_id IS NOT NULL
    GROUP BY account_id
), base AS (
    SELECT i.ix, t.* FROM acct_std t JOIN ids i ON t.rowid = i.rid
)
SELECT
    a.ix,
    a.account_id                          AS id,
    NULL::VARCHAR                         AS echo_account_id,
    NULL::VARCHAR                         AS source,
    nullif(trim(a.first_std), '')         AS first_std,
    nullif(trim(a.first_canon), '')       AS first_canon,
    nullif(trim(a.middle_initial), '')    AS middle_initial,
    nullif(trim(a.last_std), '')          AS last_std,
    nullif(trim(a.last_phonetic), '')     AS last_phonetic,
    nullif(trim(a.first_phonetic), '')    AS first_phonetic,
    nullif(trim(a.suffix_std), '')        AS suffix_std,
    coalesce(a.name_abjad, false)         AS name_abjad,
    a.dob,
    coalesce(a.dob_ambiguous, false)      AS dob_ambiguous,
    a.dob_unread,
    nullif(trim(a.ssn_hash), '')          AS ssn_hash,
    nullif(trim(a.ssn_last4), '')         AS ssn_last4,
    CASE WHEN nullif(trim(a.street_number), '') IS NULL AND nullif(trim(a.street_name), '') IS NULL
         THEN _line1_number(nullif(trim(a.std_line1), ''))
         ELSE nullif(trim(a.street_number), '') END AS street_number,
    CASE WHEN nullif(trim(a.street_number), '') IS NULL AND nullif(trim(a.street_name), '') IS NULL
         THEN _line1_street(nullif(trim(a.std_line1), ''))
         ELSE nullif(trim(a.street_name), '') END AS street_name,
    unit_key(nullif(trim(a.unit_number), '')) AS unit_number,
    nullif(trim(a.std_line1), '')         AS std_line1,
    nullif(trim(a.city), '')              AS city,
    nullif(trim(a.state), '')             AS state,
    nullif(trim(a.zip5), '')              AS zip5,
    nullif(trim(a.email_norm), '')        AS email_norm,
    ph.phones
FROM base a LEFT JOIN ph ON ph.id = a.account_id;

CREATE OR REPLACE TEMP TABLE _mr AS
WITH ph AS (
    SELECT rec_id AS id, list_sort(list_distinct(list(e164))) AS phones
    FROM (SELECT rec_id, nullif(trim(e164), '') AS e164 FROM rec_phones
          UNION ALL
          SELECT rec_id, nullif(trim(phone_e164), '') FROM rec_std)
    WHERE e164 IS NOT NULL
    GROUP BY ALL
), ids AS (
    SELECT rec_id, min(rowid) AS rid, (row_number() OVER (ORDER BY rec_id) - 1)::BIGINT AS ix
    FROM rec_std
    WHERE rec_id IS NOT NULL
    GROUP BY rec_id
), base AS (
    SELECT i.ix, t.* FROM rec_std t JOIN ids i ON t.rowid = i.rid
)
SELECT
    r.ix,
    r.rec_id                              AS id,
    nullif(trim(r.account_id), '')        AS echo_account_id,
    r.source                              AS source,
    nullif(trim(r.first_std), '')         AS first_std,
    nullif(trim(r.first_canon), '')       AS first_canon,
    nullif(trim(r.middle_initial), '')    AS middle_initial,
    nullif(trim(r.last_std), '')          AS last_std,
    nullif(trim(r.last_phonetic), '')     AS last_phonetic,
    nullif(trim(r.first_phonetic), '')    AS first_phonetic,
    nullif(trim(r.suffix_std), '')        AS suffix_std,
    coalesce(r.name_abjad, false)         AS name_abjad,
    r.dob,
    coalesce(r.dob_ambiguous, false)      AS dob_ambiguous,
    r.dob_unread,
    nullif(trim(r.ssn_hash), '')          AS ssn_hash,
    nullif(trim(r.ssn_last4), '')         AS ssn_last4,
    CASE WHEN nullif(trim(r.street_number), '') IS NULL AND nullif(trim(r.street_name), '') IS NULL
         THEN _line1_number(nullif(trim(r.std_line1), ''))
         ELSE nullif(trim(r.street_number), '') END AS street_number,
    CASE WHEN nullif(trim(r.street_number), '') IS NULL AND nullif(trim(r.street_name), '') IS NULL
         THEN _line1_street(nullif(trim(r.std_line1), ''))
         ELSE nullif(trim(r.street_name), '') END AS street_name,
    unit_key(nullif(trim(r.unit_number), '')) AS unit_number,
    nullif(trim(r.std_line1), '')         AS std_line1,
    nullif(trim(r.city), '')              AS city,
    nullif(trim(r.state), '')             AS state,
    nullif(trim(r.zip5), '')              AS zip5,
    nullif(trim(r.email_norm), '')        AS email_norm,
    ph.phones
FROM base r LEFT JOIN ph ON ph.id = r.rec_id;

-- Term frequencies of the values an exact name level compares, over both sides together
-- (a surname is as common among accounts as among records). Used only to adjust the weight of
-- an exact agreement: agreeing on SMITH is weaker evidence than agreeing on OYELOWO.
CREATE OR REPLACE TEMP TABLE _tf_first_name AS
SELECT value, count(*) / sum(count(*)) OVER () AS freq
FROM (SELECT first_std AS value FROM _ml UNION ALL SELECT first_std FROM _mr)
WHERE value IS NOT NULL
GROUP BY value;

CREATE OR REPLACE TEMP TABLE _tf_last_name AS
SELECT value, count(*) / sum(count(*)) OVER () AS freq
FROM (SELECT last_std AS value FROM _ml UNION ALL SELECT last_std FROM _mr)
WHERE value IS NOT NULL
GROUP BY value;
