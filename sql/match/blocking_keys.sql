-- Blocking keys: one row per (pass, id, key) for one side (`_ml` or `_mr`, see sides.sql).
-- A row with a NULL component of a pass's key has no key in that pass: a pass only pairs rows
-- that both have every component of its key.
-- The blocks are joined on h = hash(pass, component, ...), a UBIGINT: at a million accounts the side
-- tables hold ~100M keys, and integer joins and group-bys on them are several times cheaper
-- than on the key text (measured: blocking 90 s -> see docs/performance.md). The text is built
-- again only for the oversized blocks the report names (matchers/blocking.py). A 64-bit
-- collision merges two blocks: a few extra candidate pairs, compared and scored like any other.
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
--                  (not across the fields: DOB + a name from either field, tried in 5ad5706,
--                  found 2 more FEBRL4 pairs and made 6.4M extra candidates at 1M accounts)
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
--   given_initial_zip3
--                  phonetic given name + surname initial + ZIP3: the mirror of
--                  surname_initial_zip3, for a surname typo that breaks its phonetic key
--   names_exact    given name and surname as written, in either order: fields swapped where the
--                  given name's nickname canonical (JACK -> JOHN) gives the name pass a phonetic
--                  key the surname field's spelling does not have
--   street_name_zip
--                  street name + ZIP5: house number mistyped and names garbled, same street
-- The echoed account key (vendor_batch) is not a block: it is added whole in blocking_pairs
-- (pass code 15, 'echo').
-- Keys are hashed from their parts, hash(pass, part, part, ...), not from the text
-- part || '|' || part: the same blocks (two rows share a key exactly when they share every
-- part), without building ~10M strings per side (issue 20: the key tables cost 30% less CPU).
-- A key with a NULL part is dropped, as the concatenation's NULL dropped it. The text is built
-- only for the oversized blocks the report names (`with_text`, blocking_oversized.sql); the
-- optimizer folds `CASE WHEN false` away everywhere else.
CREATE OR REPLACE TEMP MACRO _match_block_hashed(side, with_text) AS TABLE
SELECT pass, id, h, bkey FROM (
    SELECT 0::UTINYINT AS pass, id, hash(0::UTINYINT, ssn_hash) AS h,
           CASE WHEN with_text THEN ssn_hash END AS bkey
    FROM query_table(side) WHERE ssn_hash IS NOT NULL
    UNION ALL
    SELECT 1::UTINYINT, id, hash(1::UTINYINT, ssn_last4, dob),
           CASE WHEN with_text THEN ssn_last4 || '|' || strftime(dob, '%Y%m%d') END
    FROM query_table(side) WHERE ssn_last4 IS NOT NULL AND dob IS NOT NULL
    UNION ALL
    SELECT 2::UTINYINT, id, hash(2::UTINYINT, last_phonetic, left(first_std, 1), left(zip5, 3)),
           CASE WHEN with_text
                THEN last_phonetic || '|' || left(first_std, 1) || '|' || left(zip5, 3) END
    FROM query_table(side)
    WHERE last_phonetic IS NOT NULL AND first_std IS NOT NULL AND zip5 IS NOT NULL
    UNION ALL
    SELECT 3::UTINYINT, id, hash(3::UTINYINT, last_std, street_number),
           CASE WHEN with_text THEN last_std || '|' || street_number END
    FROM query_table(side) WHERE last_std IS NOT NULL AND street_number IS NOT NULL
    UNION ALL
    -- least/greatest skip a NULL argument: one name alone makes the key NAME|NAME, as before
    SELECT 4::UTINYINT, id, hash(4::UTINYINT, least(g, s), greatest(g, s)),
           CASE WHEN with_text THEN least(g, s) || '|' || greatest(g, s) END
    FROM (SELECT id, coalesce(first_phonetic, first_std) AS g,
                 coalesce(last_phonetic, last_std) AS s FROM query_table(side))
    WHERE g IS NOT NULL OR s IS NOT NULL
    UNION ALL
    SELECT 5::UTINYINT, id, hash(5::UTINYINT, dob, coalesce(first_phonetic, first_std)),
           CASE WHEN with_text
                THEN strftime(dob, '%Y%m%d') || '|' || coalesce(first_phonetic, first_std) END
    FROM query_table(side) WHERE dob IS NOT NULL AND coalesce(first_phonetic, first_std) IS NOT NULL
    UNION ALL
    SELECT 6::UTINYINT, id, hash(6::UTINYINT, dob, coalesce(last_phonetic, last_std)),
           CASE WHEN with_text
                THEN strftime(dob, '%Y%m%d') || '|' || coalesce(last_phonetic, last_std) END
    FROM query_table(side) WHERE dob IS NOT NULL AND coalesce(last_phonetic, last_std) IS NOT NULL
    UNION ALL
    SELECT 7::UTINYINT, id, hash(7::UTINYINT, dob, left(zip5, 3)),
           CASE WHEN with_text THEN strftime(dob, '%Y%m%d') || '|' || left(zip5, 3) END
    FROM query_table(side) WHERE dob IS NOT NULL AND zip5 IS NOT NULL
    UNION ALL
    SELECT 8::UTINYINT, id, hash(8::UTINYINT, dob, street_number),
           CASE WHEN with_text THEN strftime(dob, '%Y%m%d') || '|' || street_number END
    FROM query_table(side) WHERE dob IS NOT NULL AND street_number IS NOT NULL
    UNION ALL
    SELECT 9::UTINYINT, id, hash(9::UTINYINT, street_number, zip5),
           CASE WHEN with_text THEN street_number || '|' || zip5 END
    FROM query_table(side) WHERE street_number IS NOT NULL AND zip5 IS NOT NULL
    UNION ALL
    SELECT 10::UTINYINT, id, hash(10::UTINYINT, street_name, city),
           CASE WHEN with_text THEN street_name || '|' || city END
    FROM query_table(side) WHERE street_name IS NOT NULL AND city IS NOT NULL
    UNION ALL
    SELECT 11::UTINYINT, id, hash(11::UTINYINT, coalesce(first_phonetic, first_std), city),
           CASE WHEN with_text THEN coalesce(first_phonetic, first_std) || '|' || city END
    FROM query_table(side) WHERE coalesce(first_phonetic, first_std) IS NOT NULL AND city IS NOT NULL
    UNION ALL
    SELECT 12::UTINYINT, id, hash(12::UTINYINT, std_line1, zip5),
           CASE WHEN with_text THEN std_line1 || '|' || zip5 END
    FROM query_table(side) WHERE std_line1 IS NOT NULL AND zip5 IS NOT NULL
    UNION ALL
    SELECT 13::UTINYINT, id, hash(13::UTINYINT, phone), CASE WHEN with_text THEN phone END
    FROM (SELECT id, unnest(phones) AS phone FROM query_table(side))
    UNION ALL
    SELECT 14::UTINYINT, id, hash(14::UTINYINT, email_norm), CASE WHEN with_text THEN email_norm END
    FROM query_table(side) WHERE email_norm IS NOT NULL
    UNION ALL
    SELECT 16::UTINYINT, id,
           hash(16::UTINYINT, coalesce(first_phonetic, first_std), left(last_std, 1), left(zip5, 3)),
           CASE WHEN with_text
                THEN coalesce(first_phonetic, first_std) || '|' || left(last_std, 1) || '|'
                     || left(zip5, 3) END
    FROM query_table(side)
    WHERE coalesce(first_phonetic, first_std) IS NOT NULL AND last_std IS NOT NULL
      AND zip5 IS NOT NULL
    UNION ALL
    SELECT 17::UTINYINT, id, hash(17::UTINYINT, least(first_std, last_std), greatest(first_std, last_std)),
           CASE WHEN with_text
                THEN least(first_std, last_std) || '|' || greatest(first_std, last_std) END
    FROM query_table(side) WHERE first_std IS NOT NULL OR last_std IS NOT NULL
    UNION ALL
    SELECT 18::UTINYINT, id, hash(18::UTINYINT, street_name, zip5),
           CASE WHEN with_text THEN street_name || '|' || zip5 END
    FROM query_table(side) WHERE street_name IS NOT NULL AND zip5 IS NOT NULL
);

-- Pass codes (UTINYINT; bit `code` of a candidate's pass_mask), their names for reports, and
-- which cap bounds their blocks (blocking_blocks.sql):
--   identifying = true: keys holding an identifier or a whole address (SSN, SSN last four + DOB,
--     house number + ZIP5, address, phone, email). A big block there is one person with many
--     records, or one building: its pairs are the ones that matter, so `block_cap` is wide.
--   identifying = false: keys made of names, places and dates of birth (surname + initial +
--     ZIP3, surname + house number, name nationwide, DOB + a name, DOB + ZIP3, DOB + house
--     number, street + city, given name + city). Their blocks grow with the square of how
--     common the value is and hold namesakes, neighbours and people born the same day:
--     `name_block_cap`. (At 1M accounts, DOB + given name alone proposed 6.8M pairs, 4.5M of
--     them found by no other pass, from blocks the identifying cap let through.)
CREATE OR REPLACE TEMP TABLE _blk_passes AS
SELECT code::UTINYINT AS code, pass, identifying FROM (VALUES
    (0, 'ssn', true), (1, 'last4_dob', true), (2, 'surname_initial_zip3', false),
    (3, 'name_street_number', false), (4, 'name', false), (5, 'dob_first', false),
    (6, 'dob_last', false), (7, 'dob_zip3', false), (8, 'dob_street_number', false),
    (9, 'street_zip', true), (10, 'street_city', false), (11, 'first_city', false),
    (12, 'address', true), (13, 'phone', true), (14, 'email', true), (15, 'echo', true),
    (16, 'given_initial_zip3', false), (17, 'names_exact', false), (18, 'street_name_zip', false)
) t(code, pass, identifying);

CREATE OR REPLACE TEMP MACRO _match_block_keys(side) AS TABLE
SELECT pass, id, h FROM _match_block_hashed(side, false);
