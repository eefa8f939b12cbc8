-- Blocking keys: one row per (pass, id, key) for one side (`_ml` or `_mr`, see sides.sql).
-- A key built from a NULL component is NULL (|| propagates NULL) and is dropped: a pass only
-- pairs rows that both have every component of its key.
-- Passes (each catches matches the others miss; their union is de-duplicated in blocking_pairs):
--   ssn            full SSN hash: the strongest key; misses typos and missing SSNs
--   last4_dob      SSN last four + DOB: a typo in the first five digits, or a side with only last4
--   surname_initial_zip3
--                  phonetic surname + first initial + ZIP3: typos in names, SSN missing
--   name_street_number
--                  surname + house number: a move within the ZIP3 region, ZIP typos
--   name           phonetic given name + phonetic surname, in either order: a move with no SSN
--                  or DOB on the record (the skip-tracing case), and first/last swapped fields;
--                  blocks of common names exceed the cap and are skipped (reported)
--   dob_first      DOB + phonetic given name: surname changes (marriage) and surname typos that
--                  break the phonetic key, with the address changed too
--   dob_last       DOB + phonetic surname: given-name typos, nicknames outside the table
--   dob_zip3       DOB + ZIP3: both names garbled or swapped, same area
--   dob_street_number
--                  DOB + house number: names garbled and ZIP mistyped at an unchanged address
--   street_zip     house number + ZIP5: name typos at an unchanged address with a garbled street
--   street_city    street name + city: house number and ZIP mistyped, names garbled
--   first_city     phonetic given name + city: surname changed and the address within the city
--   address        std_line1 + ZIP5: everybody at one address, so the wrong-party guards can see
--                  roommates and relatives; also catches name typos at an unchanged address
--   phone          any shared phone (acct_phones x rec_phones)
--   email          same normalized email
-- The echoed account key (vendor_batch) is not a block: it is added whole in blocking_pairs.
CREATE OR REPLACE TEMP MACRO _match_block_keys(side) AS TABLE
SELECT DISTINCT pass, id, bkey FROM (
    SELECT 'ssn' AS pass, id, ssn_hash AS bkey FROM query_table(side)
    UNION ALL
    SELECT 'last4_dob', id, ssn_last4 || '|' || strftime(dob, '%Y%m%d') FROM query_table(side)
    UNION ALL
    SELECT 'surname_initial_zip3', id,
           last_phonetic || '|' || left(first_std, 1) || '|' || left(zip5, 3)
    FROM query_table(side)
    UNION ALL
    SELECT 'name_street_number', id, last_std || '|' || street_number FROM query_table(side)
    UNION ALL
    SELECT 'name', id,
           least(coalesce(first_phonetic, first_std), coalesce(last_phonetic, last_std)) || '|'
           || greatest(coalesce(first_phonetic, first_std), coalesce(last_phonetic, last_std))
    FROM query_table(side)
    UNION ALL
    SELECT 'dob_first', id, strftime(dob, '%Y%m%d') || '|' || coalesce(first_phonetic, first_std)
    FROM query_table(side)
    UNION ALL
    SELECT 'dob_last', id, strftime(dob, '%Y%m%d') || '|' || coalesce(last_phonetic, last_std)
    FROM query_table(side)
    UNION ALL
    SELECT 'dob_zip3', id, strftime(dob, '%Y%m%d') || '|' || left(zip5, 3) FROM query_table(side)
    UNION ALL
    SELECT 'dob_street_number', id, strftime(dob, '%Y%m%d') || '|' || street_number
    FROM query_table(side)
    UNION ALL
    SELECT 'street_zip', id, street_number || '|' || zip5 FROM query_table(side)
    UNION ALL
    SELECT 'street_city', id, street_name || '|' || city FROM query_table(side)
    UNION ALL
    SELECT 'first_city', id, coalesce(first_phonetic, first_std) || '|' || city
    FROM query_table(side)
    UNION ALL
    SELECT 'address', id, std_line1 || '|' || zip5 FROM query_table(side)
    UNION ALL
    SELECT 'phone', id, unnest(phones) FROM query_table(side)
    UNION ALL
    SELECT 'email', id, email_norm FROM query_table(side)
)
WHERE bkey IS NOT NULL;
