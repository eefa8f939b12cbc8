-- Temp macros for contact resolution. Parameters of the run ($run_id, $as_of, $street_jw, ...)
-- are bound by matchers/resolve.py as named parameters of each file; a macro body cannot hold a
-- parameter, so the street-name threshold is a macro argument (callers pass $street_jw).
-- Phone line types are NOT mapped here: resolve.py installs the one shared rule
-- (line_type_code / line_type, sql/standardize/phones_line_type.sql, kept equal to
-- matchers.phones.normalize_line_type by a test). A second vocabulary here once mapped HOME /
-- H / R / RESIDENTIAL to landline: a "home" number can be a mobile, and calling it as a landline
-- skips the TCPA consent a mobile needs.

-- A unit number as compared: the one rule of sql/standardize/unit_number.sql (unit_key), which
-- matchers.resolve installs before this file (the matcher's household guards compare units by
-- it too).
CREATE OR REPLACE TEMP MACRO rs_unit(u) AS unit_key(u);

-- Units compatible: equal, or one side has none (a source dropped it).
CREATE OR REPLACE TEMP MACRO rs_units_ok(u1, u2) AS
    (rs_unit(u1) IS NULL OR rs_unit(u2) IS NULL OR rs_unit(u1) = rs_unit(u2));

-- Identity key of one address spelling: street number + pre-directional + street name + suffix +
-- post-directional + unit *number* + place (ZIP5, else city and state: rs_place), so '123 MAIN ST # 4', '123 MAIN ST APT 4' and '123 MAIN ST UNIT 04' are
-- one key (the unit designator is a spelling, the unit number is the apartment). Directionals
-- and suffix stay in the key because MAIN ST and MAIN AVE are two streets, and so are
-- '500 E 100 N' and '500 E 100 S' (a Utah grid; DC's quadrants: 'NW' / 'SE'), which differ in
-- the post-directional alone; spellings that merely lack one of them are merged by the variant
-- edges (05, rs_dirs_agree). Addresses without a parsed
-- number and street (PO boxes, rural routes, unparsed lines) keep their standardized line.
-- Shape 'line|zip5', like every address contact_key.
CREATE OR REPLACE TEMP MACRO rs_addr_key(std_line1, zip5, num, predir, street, suffix, postdir, unit) AS (
    CASE WHEN nullif(trim(coalesce(num, '')), '') IS NOT NULL
              AND nullif(trim(coalesce(street, '')), '') IS NOT NULL
         THEN concat_ws(' ', upper(trim(num)), nullif(upper(trim(predir)), ''), upper(trim(street)),
                        nullif(upper(trim(suffix)), ''), nullif(upper(trim(postdir)), ''),
                        '#' || rs_unit(unit))
         ELSE std_line1 END
    || '|' || zip5
);

-- A unit's address key and the key of its building without the unit ('1200 PARK AVE #4|78701',
-- '1200 PARK AVE|78701'; rs_addr_key). A bare report of a building beside the same building
-- with an apartment supports the unit's point: it neither supersedes nor succeeds it (06) and
-- ranks after it (08), unless the unit is stale next to it (rs_unit_stale).
CREATE OR REPLACE TEMP MACRO rs_building_of(unit_key, bare_key) AS (
    unit_key LIKE '%#%|%' AND bare_key NOT LIKE '%#%'
    AND regexp_replace(unit_key, ' #[^|]*[|]', '|') = bare_key
);

-- The reason given on an address of many debtors most of whom live elsewhere (06_clusters.sql,
-- rs_crowded), saying what was applied to it: 08 ranks it after the account's other addresses,
-- caps its confidence at the share and does not take it as a move (06); a collector's
-- right-party contact there for the account (`reached`) lifts all three (06, 08b), and the
-- reason then says so instead. One text for both steps: 08b swaps 08's for the lifted one.
CREATE OR REPLACE TEMP MACRO rs_crowded_reason(debtors, judged, placed, reached) AS
    'address reported for ' || debtors || ' different debtors; of the ' || judged
    || ' whose own records place them, ' || placed || ' live there'
    || CASE WHEN reached
            THEN '; a collector reached this debtor there: ranked, scored and taken as a'
                 || ' residence like any other address'
            ELSE ' (a business or mail address, not their home): ranked after the account''s'
                 || ' other addresses, not taken as a move from them, confidence at most that'
                 || ' share' END;

-- The bare report is the newer evidence and the unit stale: it began (first report, else its
-- on-file date) more than stale_days after the unit's last report (else its on-file date).
CREATE OR REPLACE TEMP MACRO rs_unit_stale(bare_first, bare_onfile, unit_last, unit_onfile, stale_days) AS
    coalesce(coalesce(bare_first, bare_onfile) > coalesce(unit_last, unit_onfile) + to_days(stale_days),
             false);

-- Two directionals of the same position (pre or post) do not contradict: equal, or one side
-- has none (a source dropped it: '500 E 100' is '500 E 100 N' or '500 E 100 S', whichever the
-- account's other records say). N and S are two streets.
CREATE OR REPLACE TEMP MACRO rs_dirs_agree(d1, d2) AS
    (nullif(d1, '') IS NULL OR nullif(d2, '') IS NULL OR d1 = d2);

-- Where an address is, for keys and comparisons: its ZIP5, else (no ZIP, or a placeholder the
-- standardizer read as none) its city and state, so two records of one street address in one city
-- agree without a ZIP. NULL when neither places it.
CREATE OR REPLACE TEMP MACRO rs_place(zip5, city, state) AS
    coalesce(nullif(zip5, ''), nullif(upper(trim(city)), '') || ' ' || nullif(upper(trim(state)), ''));

-- A ZIP5 cut from raw text, NULL when blank or a placeholder (one digit repeated: 00000, 99999).
CREATE OR REPLACE TEMP MACRO rs_raw_zip5(z) AS
    nullif(CASE WHEN regexp_matches(left(regexp_replace(coalesce(z, ''), '[^0-9]', '', 'g'), 5),
                                    '^(0{5}|1{5}|2{5}|3{5}|4{5}|5{5}|6{5}|7{5}|8{5}|9{5})$')
                THEN '' ELSE left(regexp_replace(coalesce(z, ''), '[^0-9]', '', 'g'), 5) END, '');

-- The crude street line of an address the standardizer left without one (not cached, or its
-- parts dropped): the raw lines upper-cased, anything but A-Z, 0-9 and spaces made a space.
-- NULL when that holds an SSN-shaped run (nine digits grouped 3-2-4, here only spaces can be
-- left between the groups): the standardizer drops the parts of an address holding one
-- (matchers/address.py drop_ssn_shaped), and this fallback rebuilt exactly that run from the
-- raw line ('17 OAK ST ddd -  dd -  dddd', a gap ingest's check allowed then, became
-- '17 OAK ST ddd dd dddd' in contacts.csv and the contact key). Only fallback rows pay for it.
CREATE OR REPLACE TEMP MACRO rs_crude_line(l1, l2) AS
    nullif(trim(regexp_replace(regexp_replace(upper(concat_ws(' ', l1, l2)), '[^A-Z0-9 ]', ' ', 'g'), '\s+', ' ', 'g')), '');
CREATE OR REPLACE TEMP MACRO rs_fallback_line(l1, l2) AS
    CASE WHEN regexp_matches(coalesce(rs_crude_line(l1, l2), ''),
                             '(^|[^0-9])[0-9]{3} ?[0-9]{2} ?[0-9]{4}([^0-9]|$)')
         THEN NULL ELSE rs_crude_line(l1, l2) END;

-- Street names that are the same name: Jaro-Winkler at or above street_jw, or one typing
-- slip (or a scanner's 'RN' read for 'M') (one insertion / deletion / substitution / transposition, same first character, at least
-- three characters: 'MAIG' / 'MAIN', 'EM' / 'ELM', 'OKA' / 'OAK' score below 0.9). Names that
-- differ only in their digits are different numbered streets however close the strings are
-- ('14TH' / '15TH', '14TH' / '4TH'); a digit typed as a letter ('1QTH' / '16TH') is a slip.
-- flows.evaluate.same_street_name is the Python twin (the demo's truth labels use it).
CREATE OR REPLACE TEMP MACRO rs_same_name(s1, s2, street_jw) AS (
    s1 IS NOT NULL AND s2 IS NOT NULL
    AND NOT (regexp_replace(s1, '[^0-9]', '', 'g') <> regexp_replace(s2, '[^0-9]', '', 'g')
             AND regexp_replace(s1, '[0-9]', '', 'g') = regexp_replace(s2, '[0-9]', '', 'g'))
    AND (jaro_winkler_similarity(s1, s2) >= street_jw
         OR (left(s1, 1) = left(s2, 1) AND greatest(length(s1), length(s2)) >= 3
             AND damerau_levenshtein(s1, s2) <= 1)
         -- a scanner's 'RN' for 'M' ('RNONTEREY' / 'MONTEREY') is one slip too
         OR (greatest(length(s1), length(s2)) >= 4
             AND (s1 LIKE '%RN%' OR s2 LIKE '%RN%')
             AND replace(s1, 'RN', 'M') = replace(s2, 'RN', 'M')))
);

-- A house number as an OCR'd or keyed digit string: letters a scanner reads for digits mapped
-- back (O -> 0, I / L -> 1), so '4O00' is '4000'. S and B are left alone: '12B' is a house
-- of its own, not '128'.
CREATE OR REPLACE TEMP MACRO rs_num_digits(n) AS
    translate(upper(trim(n)), 'OIL', '011');

-- House numbers of one address: equal, or one slip apart (an OCR letter for a digit, or one
-- substitution / transposition in an all-digit number of at least three digits: '1221' /
-- '1231'; '12B' / '12C' stay two houses). Only
-- used together with the same street name in the same place and account, where a neighbour's
-- house is far rarer than a typing slip; two- and one-digit numbers must be equal (12 / 13
-- are next door).
CREATE OR REPLACE TEMP MACRO rs_same_number(n1, n2) AS (
    n1 = n2
    OR rs_num_digits(n1) = rs_num_digits(n2)
    OR (length(n1) = length(n2) AND length(n1) >= 3
        AND regexp_full_match(rs_num_digits(n1), '[0-9]+')
        AND regexp_full_match(rs_num_digits(n2), '[0-9]+')
        AND damerau_levenshtein(rs_num_digits(n1), rs_num_digits(n2)) <= 1)
    -- a digit dropped or doubled in a number of at least three digits ('8874' / '88724');
    -- '82' / '821' stay apart (the shorter has two digits)
    OR (abs(length(n1) - length(n2)) = 1 AND least(length(n1), length(n2)) >= 3
        AND regexp_full_match(rs_num_digits(n1), '[0-9]+')
        AND regexp_full_match(rs_num_digits(n2), '[0-9]+')
        AND damerau_levenshtein(rs_num_digits(n1), rs_num_digits(n2)) <= 1)
);

-- Same street: same place (ZIP5, else city + state), house numbers one slip apart at most
-- (rs_same_number), street names agree (rs_same_name), and the Pub 28 suffix /
-- pre-directional do not contradict each other (MAIN ST vs MAIN AVE are two streets).
CREATE OR REPLACE TEMP MACRO rs_same_street_line(n1, s1, sfx1, pd1, n2, s2, sfx2, pd2, street_jw) AS (
    rs_same_number(n1, n2) AND rs_same_name(s1, s2, street_jw)
    AND (sfx1 IS NULL OR sfx2 IS NULL OR sfx1 = sfx2)
    AND (pd1 IS NULL OR pd2 IS NULL OR pd1 = pd2)
);

CREATE OR REPLACE TEMP MACRO rs_same_street(n1, s1, sfx1, pd1, z1, n2, s2, sfx2, pd2, z2, street_jw) AS (
    z1 = z2 AND rs_same_street_line(n1, s1, sfx1, pd1, n2, s2, sfx2, pd2, street_jw)
);

-- Two spellings of one town: equal, or one typing / OCR slip in a name of at least four
-- letters ('ANVTOWN', 'ANYTON' for 'ANYTOWN'). Names that merely share a prefix ('NEWPORT' /
-- 'NEWPORT NEWS') are two towns.
CREATE OR REPLACE TEMP MACRO rs_same_city(c1, c2) AS (
    c1 = c2
    OR (least(length(c1), length(c2)) >= 4 AND damerau_levenshtein(c1, c2) <= 1)
);

-- The place of two records of one street line (same account, same number and street) is the
-- same when what places them agrees up to ONE slipped or missing part (issue 16: a ZIP keyed
-- onto one record only, a state or town mistyped on one record): the same ZIP5; or, with
-- the ZIPs equal, missing on a side or one slip apart, the same state and the town
-- within one slip; or the same town and ZIP (or no ZIP on a side) with a different state.
-- Never two slips at once: a different state AND a different town is another place.
-- Only used between records of one account that already agree on house number and street,
-- where a mistyped field is far likelier than the same house on a same-named street elsewhere.
CREATE OR REPLACE TEMP MACRO rs_same_place(z1, c1, st1, z2, c2, st2) AS (
    (z1 IS NOT NULL AND z1 = z2)
    OR (c1 IS NOT NULL AND c2 IS NOT NULL AND st1 IS NOT NULL AND st2 IS NOT NULL
        AND (z1 IS NULL OR z2 IS NULL OR damerau_levenshtein(z1, z2) <= 1)
        AND ((st1 = st2 AND rs_same_city(c1, c2))
             OR (c1 = c2 AND (z1 IS NULL OR z2 IS NULL OR z1 = z2))))
);

-- A post-office box line: its box number, NULL for anything else.
CREATE OR REPLACE TEMP MACRO rs_po_box(line) AS
    nullif(regexp_extract(upper(coalesce(line, '')), '^PO BOX ([0-9A-Z-]+)$', 1), '');

-- An address without a house number (or a "number" with no digit) or without a street name
-- (and not a PO box) cannot be mailed: it ranks after every complete address of the account, whatever its confidence
-- (08_finalize and the re-rank after outcomes, 08b, both order by it).
CREATE OR REPLACE TEMP MACRO rs_unmailable(contact_type, street_number, street_name, std_line1) AS
    contact_type = 'address'
    AND (nullif(trim(street_number), '') IS NULL OR nullif(trim(street_name), '') IS NULL
         -- a "number" without a digit is a word of the street the parser took for one
         -- ('HIRAM ACWORTH HWY' read as number HIRAM, street ACWORTH)
         OR NOT regexp_matches(street_number, '[0-9]'))
    AND NOT coalesce(upper(std_line1), '') LIKE 'PO BOX%';

-- A phone number that is not a valid NANP number (phonenumbers: a 900 premium-rate line, a
-- fictional 555-01xx, an area code that does not exist) cannot reach the consumer: it ranks
-- after every valid number of the account, whatever its confidence, as an unmailable address
-- does among addresses. It is still emitted, its reason says it is not valid, and the import
-- marks it bad.
CREATE OR REPLACE TEMP MACRO rs_undialable(contact_type, valid) AS
    contact_type = 'phone' AND NOT coalesce(valid, true);

-- A date of death that is a date of birth copied with one slip (day and month swapped, one digit
-- changed, two adjacent digits transposed) and falls before adulthood: no account holder died
-- days or months after being born, so such a claim is a birth date in the death field.
CREATE OR REPLACE TEMP MACRO rs_dob_copy(dod, dob) AS (
    dob IS NOT NULL AND dod IS NOT NULL AND dod > dob AND dod < dob + INTERVAL 18 YEAR
    AND (
        (year(dod) = year(dob) AND month(dod) = day(dob) AND day(dod) = month(dob))
        OR damerau_levenshtein(strftime(dod, '%Y%m%d'), strftime(dob, '%Y%m%d')) <= 1
    )
);

-- A date of death that could not be read loads NULL (field_issues keeps it as delivered). When
-- every digit that can be read is the date of birth's, in one of the orders files write dates
-- (year, month or day first), and at least six are readable ('19Z51103' for a birth on
-- 1925-11-03), the death record carried a copy of the birth date: the same contradiction as a
-- date of death equal to the date of birth, only garbled on top. One digit that differs
-- is enough to leave it alone: a real death on a birthday decades later differs in one digit
-- of the year ('19300525' / '19900525').
CREATE OR REPLACE TEMP MACRO rs_digits_copy(v, d) AS (
    length(v) = 8 AND length(d) = 8
    AND list_sum([CASE WHEN v[i] BETWEEN '0' AND '9' AND v[i] <> d[i] THEN 1 ELSE 0 END
                  FOR i IN range(1, 9)]) = 0
    AND list_sum([CASE WHEN v[i] = d[i] THEN 1 ELSE 0 END FOR i IN range(1, 9)]) >= 6
);
CREATE OR REPLACE TEMP MACRO rs_unread_dod_copies_dob(delivered, dob) AS (
    coalesce(rs_digits_copy(regexp_replace(delivered, '[-/. ]', '', 'g'), strftime(dob, '%Y%m%d'))
             OR rs_digits_copy(regexp_replace(delivered, '[-/. ]', '', 'g'), strftime(dob, '%m%d%Y'))
             OR rs_digits_copy(regexp_replace(delivered, '[-/. ]', '', 'g'), strftime(dob, '%d%m%Y')),
             false)
);
