-- Comparison vectors, as the table macro `_match_levels(pairs)` (at the end): one level per
-- comparison, 0 = no data on one side (weight 0), 1 = disagreement, higher = closer agreement.
-- The level numbers and labels are defined in matchers/compare.py; each literal here is followed
-- by its name there (`THEN 7 /* FIRST_EXACT */`), and tests/matchers/test_level_numbers.py
-- checks every one of them, so a renumbering that misses a literal fails that test.
-- Used three ways with the same text: candidate pairs (scoring, EM) and a single pair
-- (explain_pair) through compare_pairs.sql, which stores them in _match_cmp, and a random
-- sample of all pairs (u estimation), whose levels u_sample.sql counts without storing them.
--
-- SSN: only ssn_hash (HMAC) and ssn_last4 are stored, so edit distance on the full SSN is
-- impossible by design. Levels use what can be compared: the full hash for equality, then the
-- last four digits for equality, a one-digit substitution or an adjacent transposition. A
-- masked SSN has its last four only (no hash): equal last fours are the weaker SSN_LAST4, any
-- other last four is SSN_DIFFERENT.
-- Only the columns scoring, EM and the incremental cache read are kept (compare.SCORED_COLUMNS,
-- the shape incremental_cmp.sql builds too): the intermediate columns (names_swapped, jw_first,
-- jw_last, one_edit_first, street_agrees, same_place) are evaluated inside the level CASEs only
-- where a level needs them, and are not stored for every candidate (6 columns x 14M rows at 1M
-- accounts).
--
-- Names romanized from a script without written vowels (name_abjad, matchers/names.py: Arabic,
-- Hebrew; محمد -> MHMD) meet a Latin spelling of the same name (MOHAMMED, MUHAMMAD, MOHAMED)
-- only in their consonants. For such a cross-script pair (one side flagged, the other not; two
-- names in the same script compare like any) the given and family names compare on the
-- consonant skeleton of both sides, _name_skeleton: vowels and the semivowels W and Y (Arabic
-- writes long vowels with و and ي) dropped, Q read as K, spaces and hyphens dropped, a doubled
-- letter once (Arabic writes no doubling), a final H dropped (the feminine ending ة: FATIMA is
-- فاطمة, FTMH). MOHAMMED, MUHAMMAD and MOHAMED are MHMD like محمد; ABDULLAH and عبدالله are BDL.
-- An equal skeleton of two letters or more is the "similar" level (FIRST_JW80, LAST_JW80), never
-- more: a skeleton is shared by names that differ in their vowels (MAHMOUD and MOHAMMED,
-- HASSAN and HUSSEIN). A skeleton that differs, or a single letter (ALI: L), is no data, as the
-- name was before names in other scripts were romanized: the romanization conventions may not
-- meet (Hebrew ש is S where English writes SH), which says nothing about the person. A middle
-- initial that differs across scripts is no data too (AHMED is HMD: A against H).
CREATE OR REPLACE TEMP MACRO _name_skeleton_runs(t) AS
    array_to_string(list_filter(string_split(t, ''), lambda c, i: i = 1 OR c <> t[i - 1]), '');
CREATE OR REPLACE TEMP MACRO _name_skeleton(s) AS
    regexp_replace(_name_skeleton_runs(replace(regexp_replace(s, '[AEIOUWY -]', '', 'g'), 'Q', 'K')),
                   'H$', '');
CREATE OR REPLACE TEMP MACRO _skeletons_agree(a, b) AS
    length(_name_skeleton(a)) >= 2 AND _name_skeleton(a) = _name_skeleton(b);
-- Eight digits t at most one keystroke from the string s: the same, one digit differs, or two
-- adjacent digits are swapped (they differ in exactly two places, so the swap is built only there).
CREATE OR REPLACE TEMP MACRO _digits_keyed(s, t) AS
    hamming(s, t) <= 1
    OR (hamming(s, t) = 2 AND list_contains(
        list_transform(range(1, 8), lambda i: s[:i - 1] || s[i + 1] || s[i] || s[i + 2:]), t));
-- The unreadable date-of-birth digits t (dob_unread) are the date d mistyped, d written
-- YYYYMMDD, MMDDYYYY or DDMMYYYY (the orders sources deliver dates in).
CREATE OR REPLACE TEMP MACRO _dob_keyed(d, t) AS
    d IS NOT NULL AND t IS NOT NULL AND length(t) = 8
    AND (_digits_keyed(strftime(d, '%Y%m%d'), t) OR _digits_keyed(strftime(d, '%m%d%Y'), t)
         OR _digits_keyed(strftime(d, '%d%m%Y'), t));

-- The levels of the pairs of a relation `pairs`(lx, rx) of row numbers (ix, sides.sql) of _ml
-- and _mr: the columns of compare.SCORED_COLUMNS. A table macro so that the u sample
-- (matchers/link.py) can count the levels of its random pairs straight from it: DuckDB then
-- reads only the columns the levels need, and no pair is stored. The term frequencies are
-- joined to the accounts (100k rows at 100k accounts), not to the pairs: joined to the 1.2M
-- candidates they cost 0.2 s of CPU more.
CREATE OR REPLACE TEMP MACRO _match_levels(pairs) AS TABLE
SELECT
    account_id, rec_id, source, echoed, same_unit, first_name, last_name, dob, ssn, address,
    phone, email, suffix, middle_initial, tf_first_name, tf_last_name
FROM (
    SELECT
        l.id AS account_id,
        r.id AS rec_id,
        r.source,
        coalesce(r.echo_account_id = l.id, false) AS echoed,
        -- the two addresses name the same unit, or neither names one: not a level and not
        -- scored (std_line1 carries the unit, so the address ladder already tells an exact
        -- address from another unit of the building); the household guards read it, because
        -- "the same address" of a household is one dwelling, not one building (an apartment
        -- complex put every neighbour in the debtor's household: matchers/guards.py
        -- `_same_dwelling`). Keep in step with incremental_cmp.sql.
        coalesce(l.unit_number = r.unit_number, l.unit_number IS NULL AND r.unit_number IS NULL)
            AS same_unit,

        -- first/last swapped between the sides (exactly or with a typo): one joint event, scored
        -- once as first_name level 5; last_name then says 0 so the swap is not counted twice.
        -- (the initials test first keeps the two extra jaro-winkler calls off almost every pair)
        CASE
            WHEN left(l.first_std, 1) = left(r.last_std, 1) AND left(l.last_std, 1) = left(r.first_std, 1)
                 AND l.first_std <> r.first_std AND l.last_std <> r.last_std
                THEN jaro_winkler_similarity(l.first_std, r.last_std) >= 0.92
                     AND jaro_winkler_similarity(l.last_std, r.first_std) >= 0.92
            ELSE false
        END AS names_swapped,
        jaro_winkler_similarity(l.first_std, r.first_std) AS jw_first,
        jaro_winkler_similarity(l.last_std, r.last_std) AS jw_last,
        -- given names one keystroke apart (a substitution, insertion, deletion or adjacent
        -- transposition), which jaro-winkler scores low on short names (ZALI/ZALK 0.88,
        -- TARA/TRA 0.83) and on an early transposition; both three letters or less stays out
        -- (JON/JAN, MIA/MAI are other names). The length test first keeps damerau-levenshtein
        -- off most pairs. Not for surnames: there it moved the generator's one-keystroke typos
        -- out of LAST_JW80, whose m then fell to 0.0002 and cost the demo a two-typo link.
        -- The first-or-last-letter test is implied by one edit (both names have >= 3 letters
        -- here, and one edit changes at most one end) and keeps damerau-levenshtein, a quarter
        -- of this statement's CPU on random pairs, off most of the pairs that reach it.
        abs(length(l.first_std) - length(r.first_std)) <= 1
            AND greatest(length(l.first_std), length(r.first_std)) >= 4
            AND (left(l.first_std, 1) = left(r.first_std, 1)
                 OR right(l.first_std, 1) = right(r.first_std, 1))
            AND damerau_levenshtein(l.first_std, r.first_std) = 1 AS one_edit_first,
        -- level 2, "crossed": one name keyed into the other field ("WEBB MITCHELL" for MITCHELL
        -- MOUSELLIS, a surname in the given-name field): the given names differ, but one side's
        -- given name is the other's surname or the reverse. last_name still compares the surnames,
        -- so the crossed name is counted once. Tested inside the CASE, after the cheaper levels, so
        -- the two jaro-winkler calls run only on pairs whose given names differ and initials cross.
        CASE
            WHEN l.first_std IS NULL OR r.first_std IS NULL THEN 0 /* NO_DATA */
            WHEN l.first_std = r.first_std THEN 7 /* FIRST_EXACT */
            WHEN l.name_abjad <> r.name_abjad THEN
                CASE WHEN _skeletons_agree(l.first_std, r.first_std) THEN 3 /* FIRST_JW80 */
                     ELSE 0 /* NO_DATA */ END
            WHEN l.first_canon = r.first_canon THEN 6 /* FIRST_NICKNAME */
            WHEN names_swapped THEN 5 /* FIRST_SWAPPED */
            WHEN jw_first >= 0.92 OR one_edit_first THEN 4 /* FIRST_JW92 */
            WHEN jw_first >= 0.80 THEN 3 /* FIRST_JW80 */
            WHEN left(l.first_std, 1) = left(r.last_std, 1)
                 AND jaro_winkler_similarity(l.first_std, r.last_std) >= 0.92 THEN 2 /* FIRST_CROSSED */
            WHEN left(l.last_std, 1) = left(r.first_std, 1)
                 AND jaro_winkler_similarity(l.last_std, r.first_std) >= 0.92 THEN 2 /* FIRST_CROSSED */
            ELSE 1 /* FIRST_DIFFERENT */
        END AS first_name,

        CASE
            WHEN l.last_std IS NULL OR r.last_std IS NULL THEN 0 /* NO_DATA */
            WHEN l.last_std = r.last_std THEN 4 /* LAST_EXACT */
            WHEN l.name_abjad <> r.name_abjad THEN
                CASE WHEN _skeletons_agree(l.last_std, r.last_std) THEN 2 /* LAST_JW80 */
                     ELSE 0 /* NO_DATA */ END
            WHEN first_name = 5 /* FIRST_SWAPPED */ THEN 0 /* NO_DATA */
            WHEN jw_last >= 0.92 THEN 3 /* LAST_JW92 */
            WHEN jw_last >= 0.80
                 OR (contains(l.last_std, ' ') OR contains(r.last_std, ' '))
                    AND list_has_any(string_split(l.last_std, ' '), string_split(r.last_std, ' '))
                THEN 2 /* LAST_JW80 */
            ELSE 1 /* LAST_DIFFERENT */
        END AS last_name,

        CASE
            -- an unreadable date of birth whose eight digits are the other side's date mistyped
            -- (one keystroke, in any of the three orders a date is written in): that date with
            -- one part mistyped (migration 122, sources/validate.py `unread`)
            WHEN l.dob IS NULL OR r.dob IS NULL THEN
                CASE WHEN _dob_keyed(l.dob, r.dob_unread) OR _dob_keyed(r.dob, l.dob_unread)
                     THEN 4 /* DOB_ONE_COMPONENT */ ELSE 0 /* NO_DATA */ END
            WHEN l.dob = r.dob THEN 6 /* DOB_EXACT */
            WHEN year(l.dob) = year(r.dob) AND month(l.dob) = day(r.dob)
                 AND day(l.dob) = month(r.dob) THEN 5 /* DOB_TRANSPOSED */
            WHEN (year(l.dob) = year(r.dob))::INT + (month(l.dob) = month(r.dob))::INT
                 + (day(l.dob) = day(r.dob))::INT = 2 THEN 4 /* DOB_ONE_COMPONENT */
            WHEN year(l.dob) = year(r.dob) THEN 3 /* DOB_SAME_YEAR */
            -- closer than a generation (compare.GENERATION_GAP_DAYS, 15 years): not a parent
            -- and child of one name, which the household guards must tell from a data error
            WHEN abs(datediff('day', l.dob, r.dob)) < 5479 THEN 2 /* DOB_NEAR_YEARS */
            ELSE 1 /* DOB_DIFFERENT */
        END AS dob,

        CASE
            WHEN l.ssn_hash IS NOT NULL AND r.ssn_hash IS NOT NULL AND l.ssn_hash = r.ssn_hash THEN 4 /* SSN_EXACT */
            WHEN l.ssn_last4 IS NOT NULL AND r.ssn_last4 IS NOT NULL THEN
                CASE
                    WHEN l.ssn_last4 = r.ssn_last4 THEN 3 /* SSN_LAST4 */
                    -- "near" is a typo's signature between two full SSNs; a side with its last
                    -- four only (a masked SSN, PACER's XXX-XX-1234) has nothing else to agree
                    -- on, so a last four that differs there is a different SSN
                    WHEN l.ssn_hash IS NULL OR r.ssn_hash IS NULL THEN 1 /* SSN_DIFFERENT */
                    WHEN length(l.ssn_last4) = 4 AND length(r.ssn_last4) = 4
                         AND (hamming(l.ssn_last4, r.ssn_last4) = 1
                              -- an adjacent transposition, spelled out: damerau_levenshtein costs
                              -- ~10x more and runs on every sampled pair; a transposition of two
                              -- different digits differs in exactly two places, which keeps the
                              -- three built strings off ~95% of random pairs
                              OR (hamming(l.ssn_last4, r.ssn_last4) = 2 AND r.ssn_last4 IN (
                                  l.ssn_last4[2] || l.ssn_last4[1] || l.ssn_last4[3:4],
                                  l.ssn_last4[1] || l.ssn_last4[3] || l.ssn_last4[2] || l.ssn_last4[4],
                                  l.ssn_last4[1:2] || l.ssn_last4[4] || l.ssn_last4[3]))) THEN 2 /* SSN_LAST4_NEAR */
                    ELSE 1 /* SSN_DIFFERENT */
                END
            WHEN l.ssn_hash IS NOT NULL AND r.ssn_hash IS NOT NULL THEN 1 /* SSN_DIFFERENT */
            ELSE 0 /* NO_DATA */
        END AS ssn,

        -- address ladder; "same place" = same ZIP5, or same city and state where a ZIP disagrees
        -- (ZIP typos, a ZIP split) or is missing
        -- street names agree: jaro-winkler >= 0.90, or one is the other followed by more words
        -- (a locality or second line run into the street: SOUTHERN / SOUTHERN CLOSE LITTLE)
        (jaro_winkler_similarity(l.street_name, r.street_name) >= 0.90
         OR starts_with(l.street_name, r.street_name || ' ')
         OR starts_with(r.street_name, l.street_name || ' ')) AS street_agrees,
        CASE
            WHEN l.zip5 = r.zip5 THEN true
            WHEN l.city = r.city AND coalesce(l.state = r.state, true) THEN true
            WHEN (l.zip5 IS NULL OR r.zip5 IS NULL) AND (l.city IS NULL OR r.city IS NULL) THEN NULL
            ELSE false
        END AS same_place,
        CASE
            WHEN (l.std_line1 IS NULL AND l.zip5 IS NULL AND l.city IS NULL)
                 OR (r.std_line1 IS NULL AND r.zip5 IS NULL AND r.city IS NULL) THEN 0 /* NO_DATA */
            WHEN l.std_line1 = r.std_line1 AND coalesce(same_place, true) THEN 5 /* ADDR_EXACT */
            WHEN l.street_number = r.street_number AND street_agrees AND coalesce(same_place, true)
                THEN 4 /* ADDR_STREET */
            WHEN l.std_line1 = r.std_line1
                 OR (l.street_number = r.street_number AND street_agrees)
                 OR (street_agrees AND (l.street_number IS NULL OR r.street_number IS NULL)
                     AND same_place)
                 OR (same_place AND (l.street_number = r.street_number OR street_agrees)) THEN 3 /* ADDR_PARTIAL */
            WHEN same_place THEN 2 /* ADDR_ZIP */
            ELSE 1 /* ADDR_DIFFERENT */
        END AS address,

        CASE
            WHEN l.phones IS NULL OR r.phones IS NULL THEN 0 /* NO_DATA */
            WHEN len(list_intersect(l.phones, r.phones)) > 0 THEN 2 /* PHONE_SHARED */
            ELSE 1 /* PHONE_DIFFERENT */
        END AS phone,

        CASE
            WHEN l.email_norm IS NULL OR r.email_norm IS NULL THEN 0 /* NO_DATA */
            WHEN l.email_norm = r.email_norm THEN 2 /* EMAIL_EXACT */
            ELSE 1 /* EMAIL_DIFFERENT */
        END AS email,

        CASE
            WHEN l.suffix_std IS NULL AND r.suffix_std IS NULL THEN 0 /* NO_DATA */
            WHEN l.suffix_std = r.suffix_std THEN 3 /* SUFFIX_EQUAL */
            WHEN l.suffix_std IS NULL OR r.suffix_std IS NULL THEN 2 /* SUFFIX_ONE_MISSING */
            ELSE 1 /* SUFFIX_CONFLICT */
        END AS suffix,

        CASE
            WHEN l.middle_initial IS NULL OR r.middle_initial IS NULL THEN 0 /* NO_DATA */
            WHEN left(l.middle_initial, 1) = left(r.middle_initial, 1) THEN 2 /* MIDDLE_EQUAL */
            WHEN l.name_abjad <> r.name_abjad THEN 0 /* NO_DATA */
            ELSE 1 /* MIDDLE_DIFFERENT */
        END AS middle_initial,

        -- term frequency of the agreed value, only where the exact level holds (see sides.sql)
        CASE WHEN first_name = 7 /* FIRST_EXACT */ THEN l.tf_first END AS tf_first_name,
        CASE WHEN last_name = 4 /* LAST_EXACT */ THEN l.tf_last END AS tf_last_name
    FROM query_table(pairs) p
    JOIN (SELECT a.*, tf1.freq AS tf_first, tf2.freq AS tf_last
          FROM _ml a
          LEFT JOIN _tf_first_name tf1 ON tf1.value = a.first_std
          LEFT JOIN _tf_last_name tf2 ON tf2.value = a.last_std) l ON l.ix = p.lx
    JOIN _mr r ON r.ix = p.rx
);
