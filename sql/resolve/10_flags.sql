-- Account flags from evidence linked to the account holder as debtor:
--  deceased   a record with a date of death (death index, vendor deceased indicator);
--  bankruptcy one row per case (chapter, case, district, filing / discharge / dismissal dates,
--             and those ingest did not use as after the record's report date);
--  moved      an applicable NCOA move, or a better current address than the one on file.
-- confidence = match probability x source reliability of the best supporting record.
DELETE FROM account_flags WHERE run_id = $run_id;

-- deceased: every debtor-linked record carrying a date of death (death index, a vendor's deceased
-- indicator) is a death claim, scored like any link (confidence = match x reliability). A wrong
-- deceased flag stops collection on a live account and sends estate letters to a living person,
-- so every claim is checked on its own:
--   impossible dates contradict the claim:
--     future        the date of death is after the run's as-of date (and on or before the
--                   record's own report date: a backfill, judged with files delivered later);
--     before_birth  it is on or before the date of birth (the death record's, else the account's);
--     dob_copy      it is a date of birth (the record's or the account's) with one slip: day and
--                   month swapped, or one digit changed or two adjacent digits transposed. An
--                   account holder is an adult, so a "death" days or months after their birth is
--                   a birth date copied into the death field (registries relabel enumeration
--                   records this way), not a death;
--     unread_copy   the date of death could not be read, and its readable digits are the date
--                   of birth's (rs_unread_dod_copies_dob, 00_macros.sql);
--   a date of death after the record's own report date (its source's record_date) is no
--   contradiction: no file reports a death that has not happened, so the date is wrong (a
--   keying error in the year), not the death. Ingest nulls it (field issue after_record_date,
--   docs/field_issues.md) and the record stays a death claim with no date, whatever its kind,
--   the delivered date and the report date in the evidence ("not used");
--   the account's death is its strongest UNcontradicted claim: a second, consistent death record
--   of the same person outweighs one whose date is impossible. Only when every claim is
--   contradicted is the death *disputed* (flag 'deceased_disputed', never 'deceased'; the rules
--   file decides what happens, default: hold for review), with each contradiction in the evidence;
--   later activity makes it *unverified*: another record linked to the same person as debtor
--   (person records: credit header, employment, tax, census) dated more than $death_grace_days
--   after it; a death with no date happened by the report date of the record reporting it, so
--   it is that date it is compared with (when the source declares one: a column or an ISO date,
--   not the file's modification time; without one an undated death has nothing to compare).
--   The flag stays 'deceased', its confidence times $death_activity_factor (default
--   0.6: below the 0.8 that routes to the estate, so the account is held until someone
--   verifies) and the record named in the evidence. Not a dispute: records keep arriving in a
--   decedent's name (joint and final returns, W-2s of the year of death, bureau refreshes); on
--   independent simulated data (bench/independent.py, tuning seed 11) disputing on later
--   activity turned 134 true deaths into disputes and caught one wrong one. Vendor batches,
--   NCOA and bankruptcy rows never count: their dates are the vendor's or the court's.
-- the event date `col` of a record that ingest did not use (source_records.unused_dates,
-- migration 121: unreadable, before 1880, or after the record's report date): its
-- {column_name, reason, value_masked}, NULL when the date was used or none was delivered. Read
-- by the death claims and the possible links below
CREATE OR REPLACE TEMP MACRO rs_unused_date(unused, col) AS (
    list_filter(unused, lambda nu: nu.column_name = col)[1]
);

-- the evidence of the event dates among `cols` ingest did not use as after the record's report
-- date (after_record_date), in the order of `cols`, ', ' between them; NULL when there is none.
-- The one wording of the deaths (death claims) and the court dates (cases, possible links):
-- "date of death '11/01/2122' is after the record's report date 2024-02-16: not used",
-- "filing date '...' is after ...: not used, dismissal date '...' ..."
CREATE OR REPLACE TEMP MACRO rs_not_used(unused, record_date, cols) AS (
    nullif(array_to_string(list_transform(
        list_filter(list_transform(cols, lambda col: list_filter(unused, lambda nu:
                        nu.column_name = col AND nu.reason = 'after_record_date')[1]),
                    lambda nu: nu IS NOT NULL),
        lambda nu: CASE nu.column_name WHEN 'date_of_death' THEN 'date of death'
                        ELSE replace(replace(nu.column_name, 'bk_', ''), '_date', '') || ' date' END
                   || ' ''' || nu.value_masked || ''' is after the record''s report date '
                   || coalesce(strftime(record_date, '%Y-%m-%d'), '(unknown)') || ': not used'),
        ', '), '')
);
-- the court's: filing, discharge, dismissal
CREATE OR REPLACE TEMP MACRO rs_court_dates_not_used(unused, record_date) AS (
    rs_not_used(unused, record_date, ['bk_filing_date', 'bk_discharge_date', 'bk_dismissal_date'])
);

INSERT INTO account_flags BY NAME
WITH dead AS (
    SELECT l.account_id, l.rec_id, l.source, l.record_id, r.date_of_death AS dod,
           -- the latest the death can be: its date, else the report date of the record
           -- reporting it, when its source declares one
           coalesce(r.date_of_death,
                    CASE WHEN f.record_date_rule <> 'file_mtime' THEN r.record_date END) AS died_by,
           rs_not_used(r.unused_dates, r.record_date, ['date_of_death']) AS dod_note,
           coalesce(r.dob, a.dob) AS born,
           l.match_p * l.reliability AS conf, l.match_p,
           concat_ws('; ',
               CASE WHEN r.date_of_death > $as_of
                    THEN 'date of death ' || strftime(r.date_of_death, '%Y-%m-%d') || ' is in the future' END,
               CASE WHEN r.date_of_death <= coalesce(r.dob, a.dob)
                    THEN 'date of death is on or before the date of birth '
                         || strftime(coalesce(r.dob, a.dob), '%Y-%m-%d')
                    WHEN rs_dob_copy(r.date_of_death, r.dob) OR rs_dob_copy(r.date_of_death, a.dob)
                    THEN 'date of death ' || strftime(r.date_of_death, '%Y-%m-%d')
                         || ' is the date of birth with one slip' END,
               CASE WHEN r.date_of_death IS NULL AND r.dod_unused.reason <> 'after_record_date'
                         AND rs_unread_dod_copies_dob(r.dod_unused.value_masked, coalesce(r.dob, a.dob))
                    THEN 'unreadable date of death ''' || r.dod_unused.value_masked
                         || ''' is a copy of the date of birth '
                         || strftime(coalesce(r.dob, a.dob), '%Y-%m-%d') END
           ) AS contradiction
    FROM rs_links l
    JOIN (SELECT *, rs_unused_date(unused_dates, 'date_of_death') AS dod_unused
          FROM current_source_records) r ON r.rec_id = l.rec_id
    LEFT JOIN input_files f ON f.file_no = r.file_no
    LEFT JOIN current_accounts a ON a.account_id = l.account_id
    WHERE l.role = 'debtor'
      AND (r.date_of_death IS NOT NULL OR l.kind = 'deceased'
           OR r.dod_unused.reason = 'after_record_date')
),
claim AS (
    -- uncontradicted claims first, then the strongest; ties: the lowest id (replayable)
    SELECT account_id,
           bool_or(contradiction = '') AS holds,
           round(max(conf) FILTER (WHERE contradiction = ''), 4) AS held_confidence,
           round(max(conf), 4) AS any_confidence,
           first(concat_ws(', ', source || ' record ' || coalesce(record_id, CAST(rec_id AS VARCHAR)),
                           'date of death ' || strftime(dod, '%Y-%m-%d'), dod_note,
                           'match ' || round(match_p, 3))
                 ORDER BY contradiction = '' DESC, conf DESC, rec_id)
             || CASE WHEN count(*) > 1 THEN ' (+' || (count(*) - 1) || ' more)' ELSE '' END AS evidence,
           first(rec_id ORDER BY contradiction = '' DESC, conf DESC, rec_id) AS rec_id,
           first(dod ORDER BY contradiction = '' DESC, conf DESC, rec_id) AS dod,
           first(died_by ORDER BY contradiction = '' DESC, conf DESC, rec_id) AS died_by,
           string_agg(DISTINCT contradiction, '; ' ORDER BY contradiction) FILTER (WHERE contradiction <> '') AS contradictions,
           string_agg(source || ':' || coalesce(record_id, CAST(rec_id AS VARCHAR)), '; '
                      ORDER BY contradiction = '' DESC, conf DESC, rec_id) AS records
    FROM dead GROUP BY account_id
),
alive AS (
    -- the latest date a person record linked to the account's debtor shows them
    SELECT l.account_id,
           max(greatest(r.record_date, r.last_seen)) AS seen,
           -- ties on the date: the lowest record (replayable)
           first(l.source || ':' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR))
                 ORDER BY greatest(r.record_date, r.last_seen) DESC, r.rec_id)
               FILTER (WHERE greatest(r.record_date, r.last_seen) IS NOT NULL) AS seen_in
    FROM rs_links l JOIN current_source_records r ON r.rec_id = l.rec_id
    WHERE l.role = 'debtor' AND l.kind = 'person_records' AND r.date_of_death IS NULL
      AND l.account_id IN (SELECT account_id FROM claim)
      AND r.rec_id NOT IN (SELECT rec_id FROM dead)  -- a record reporting the death, undated
    GROUP BY l.account_id
),
checked AS (
    SELECT c.*,
           CASE WHEN al.seen > c.died_by + to_days($death_grace_days)
                THEN 'seen alive on ' || strftime(al.seen, '%Y-%m-%d') || ' (' || al.seen_in || ')'
                     || CASE WHEN c.dod IS NULL
                             THEN ', after ' || strftime(c.died_by, '%Y-%m-%d')
                                  || ', the report date of the undated death' ELSE '' END
                     || ': verify before acting' END AS later_activity
    FROM claim c
    LEFT JOIN alive al ON al.account_id = c.account_id
)
SELECT $run_id AS run_id, account_id,
       CASE WHEN holds THEN 'deceased' ELSE 'deceased_disputed' END AS flag,
       CASE WHEN holds AND later_activity IS NOT NULL
            THEN round(held_confidence * $death_activity_factor, 4)
            WHEN holds THEN held_confidence ELSE any_confidence END AS confidence,
       evidence
         || CASE WHEN holds AND contradictions IS NULL THEN ''
                 WHEN holds THEN '; other claims contradicted: ' || contradictions
                 ELSE '; contradicted: ' || contradictions END
         || coalesce('; ' || later_activity, '') AS evidence,
       rec_id, records
FROM checked;

-- Joint petitions: spouses file one case, and a court feed names both debtors in one field
-- ("WHITE, KEVIN R & LINDA S") or a co-debtor column. Ingest keeps the second debtor's name with
-- the record (source_records.co_debtor_name) and standardization parses it like any name
-- (std_name_cache, names_pending.sql). The matcher scores the record on its first debtor only,
-- so its name comparison is the same as for every other source. Here, for the pairs the
-- matcher stored for a record with a co-debtor (a same-address household member is kept as an
-- associate whatever its probability), the pair is scored again with the co-debtor's name in
-- place of the first debtor's, with the run's own weights (match_params): the pair's weight
-- less its name, suffix, middle-initial, SSN and date-of-birth weights, plus the co-debtor's
-- name levels. The record's SSN and date of birth may be the first debtor's: they count only
-- when they agree with the account (level 0 otherwise). Term-frequency adjustments of the
-- names are left out. A pair a reviewer decided is left as the reviewer decided it.
-- the run's link threshold (MatchSettings.threshold, stored with the run), 0.9 without one
CREATE OR REPLACE TEMP TABLE rs_link_threshold AS
SELECT coalesce((SELECT max(CAST(settings ->> 'threshold' AS DOUBLE)) FROM match_run
                 WHERE run_id = $run_id), 0.9) AS threshold;

CREATE OR REPLACE TEMP TABLE rs_joint AS
WITH co AS (
    SELECT m.account_id, m.rec_id, m.match_weight, m.levels, m.weights,
           n.first_std AS co_first, n.first_canon AS co_canon, n.last_std AS co_last,
           left(n.middle_std, 1) AS co_mi, n.suffix_std AS co_sfx,
           a.first_std, a.first_canon, a.last_std, a.middle_initial, a.suffix_std
    FROM match_pairs m
    JOIN current_source_records r ON r.rec_id = m.rec_id
    JOIN std_name_cache n ON n.name_raw = name_raw('', '', '', '', r.co_debtor_name)
    JOIN acct_std a ON a.account_id = m.account_id
    WHERE m.run_id = $run_id AND r.kind = 'bankruptcy' AND r.co_debtor_name IS NOT NULL
      AND m.role IN ('associate', 'rejected') AND m.review_decision_id IS NULL
),
lv AS (
    SELECT *,
           CASE WHEN first_std IS NULL OR co_first IS NULL THEN 0
                WHEN first_std = co_first THEN 7                 -- FIRST_EXACT
                WHEN first_canon = co_canon THEN 6               -- FIRST_NICKNAME
                WHEN jaro_winkler_similarity(first_std, co_first) >= 0.92 THEN 4  -- FIRST_JW92
                WHEN jaro_winkler_similarity(first_std, co_first) >= 0.80 THEN 3  -- FIRST_JW80
                ELSE 1 END AS l_first,
           CASE WHEN last_std IS NULL OR co_last IS NULL THEN 0
                WHEN last_std = co_last THEN 4                   -- LAST_EXACT
                WHEN jaro_winkler_similarity(last_std, co_last) >= 0.92 THEN 3    -- LAST_JW92
                WHEN jaro_winkler_similarity(last_std, co_last) >= 0.80 THEN 2    -- LAST_JW80
                ELSE 1 END AS l_last,
           CASE WHEN middle_initial IS NULL OR co_mi IS NULL THEN 0
                WHEN left(middle_initial, 1) = co_mi THEN 2 ELSE 1 END AS l_mi,
           CASE WHEN suffix_std IS NULL AND co_sfx IS NULL THEN 0
                WHEN suffix_std = co_sfx THEN 3
                WHEN suffix_std IS NULL OR co_sfx IS NULL THEN 2 ELSE 1 END AS l_sfx,
           CASE WHEN levels.ssn >= 3 THEN levels.ssn ELSE 0 END AS l_ssn,  -- SSN_LAST4 or better
           CASE WHEN levels.dob = 6 THEN 6 ELSE 0 END AS l_dob             -- DOB_EXACT
    FROM co
),
w AS (
    SELECT lv.account_id, lv.rec_id, lv.levels,
           -- the co-debtor's name is the account holder's: given name one slip at most (or a
           -- nickname), surname close; the weights alone could let the address carry a pair
           -- whose only disagreement (the first debtor's SSN) is no longer counted
           lv.l_first >= 4 AND lv.l_last >= 3 AS name_agrees,
           lv.match_weight
             - coalesce(lv.weights.first_name, 0) - coalesce(lv.weights.last_name, 0)
             - coalesce(lv.weights.middle_initial, 0) - coalesce(lv.weights.suffix, 0)
             - coalesce(lv.weights.ssn, 0) - coalesce(lv.weights.dob, 0)
             + coalesce(pf.weight, 0) + coalesce(pl.weight, 0) + coalesce(pm.weight, 0)
             + coalesce(ps.weight, 0) + coalesce(pn.weight, 0) + coalesce(pd.weight, 0) AS co_weight
    FROM lv
    LEFT JOIN match_params pf ON pf.run_id = $run_id AND pf.comparison = 'first_name' AND pf.level = lv.l_first AND lv.l_first > 0
    LEFT JOIN match_params pl ON pl.run_id = $run_id AND pl.comparison = 'last_name' AND pl.level = lv.l_last AND lv.l_last > 0
    LEFT JOIN match_params pm ON pm.run_id = $run_id AND pm.comparison = 'middle_initial' AND pm.level = lv.l_mi AND lv.l_mi > 0
    LEFT JOIN match_params ps ON ps.run_id = $run_id AND ps.comparison = 'suffix' AND ps.level = lv.l_sfx AND lv.l_sfx > 0
    LEFT JOIN match_params pn ON pn.run_id = $run_id AND pn.comparison = 'ssn' AND pn.level = lv.l_ssn AND lv.l_ssn > 0
    LEFT JOIN match_params pd ON pd.run_id = $run_id AND pd.comparison = 'dob' AND pd.level = lv.l_dob AND lv.l_dob > 0
)
SELECT w.account_id, w.rec_id, w.levels, w.co_weight, w.name_agrees,
       1.0 / (1.0 + pow(2.0, -w.co_weight)) AS co_p,
       r.source, r.co_debtor_name,
       coalesce(lr.reliability, f.reliability, CAST($default_reliability AS DOUBLE)) AS reliability
FROM w
JOIN current_source_records r ON r.rec_id = w.rec_id
JOIN input_files f ON f.file_no = r.file_no
LEFT JOIN rs_source_reliability lr ON lr.source = f.source AND lr.outcomes > 0;

-- Possible links: a bankruptcy or death record the matcher held for review (role 'rejected':
-- below the threshold, held by a guard, outscored) that no reviewer has decided yet. Collecting
-- during a stay violates it and a death record misread sends letters to survivors, so such a
-- pair holds the account until a reviewer decides it, when two things hold:
--   its probability reaches $possible_floor (ResolveSettings.possible_link_floor, 0.20: the
--   review floor, below which the matcher keeps no pair), and
--   it has evidence a namesake elsewhere lacks: the record's address is the account's (street
--   number and street agree, ADDR_STREET = 4, or better), or the SSN's last four agree
--   (SSN_LAST4 = 3, or better).
-- For bankruptcy records, a same-name household member the wrong-party guards set apart as an
-- associate (a father's case at his son's address: suffix, date-of-birth or SSN conflict at the
-- same address) is possible too: given name and surname agree, same address. A spouse's own
-- case (another given name) is not: it is not a joint petition, and the debtor is not in it.
-- A joint petition's co-debtor pair (rs_joint) below the threshold is possible the same way.
-- Approving the pair (workbench) links it: the bankruptcy / deceased flag then applies;
-- rejecting it lifts the hold at the next run.
INSERT INTO account_flags BY NAME
WITH held AS (
    SELECT m.account_id, m.rec_id, m.match_probability AS p, m.levels, m.guard
    FROM match_pairs m
    WHERE m.run_id = $run_id AND m.review_decision_id IS NULL
      AND m.match_probability >= $possible_floor
      AND (m.levels.address >= 4 OR m.levels.ssn >= 3)       -- ADDR_STREET, SSN_LAST4
      AND (m.role = 'rejected'
           OR (m.role = 'associate'
               AND m.guard IN ('suffix_conflict', 'dob_conflict_same_address', 'ssn_conflict_same_address')
               AND m.levels.first_name >= 6 AND m.levels.last_name = 4 AND m.levels.address >= 4))
    UNION ALL
    SELECT account_id, rec_id, co_p, levels, 'joint_petition'
    FROM rs_joint
    WHERE name_agrees AND co_p >= $possible_floor AND co_p < (SELECT threshold FROM rs_link_threshold)
      AND levels.address >= 4
),
cand AS (
    SELECT h.account_id, h.rec_id, h.p, r.source, r.kind,
           coalesce(lr.reliability, f.reliability, CAST($default_reliability AS DOUBLE)) AS reliability,
           CASE WHEN r.kind = 'bankruptcy' OR r.bk_case_number IS NOT NULL OR r.bk_filing_date IS NOT NULL
                THEN 'bankruptcy_possible' ELSE 'deceased_possible' END AS flag,
           r.source || ':' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR)) AS ref,
           concat_ws(', ',
               r.source || ' record ' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR))
                 || ' held for review (match ' || round(h.p, 3) || coalesce(', ' || h.guard, '') || ')',
               CASE WHEN h.levels.address >= 4 THEN 'same address' END,
               CASE WHEN h.levels.ssn >= 3 THEN 'SSN last four agree' END,
               'chapter ' || r.bk_chapter, 'case ' || r.bk_case_number,
               'filed ' || strftime(r.bk_filing_date, '%Y-%m-%d'),
               rs_court_dates_not_used(r.unused_dates, r.record_date),
               'date of death ' || strftime(r.date_of_death, '%Y-%m-%d')) AS what
    FROM held h
    JOIN current_source_records r ON r.rec_id = h.rec_id
    JOIN input_files f ON f.file_no = r.file_no
    LEFT JOIN rs_source_reliability lr ON lr.source = f.source AND lr.outcomes > 0
    WHERE r.kind IN ('bankruptcy', 'deceased') OR r.date_of_death IS NOT NULL
       OR r.bk_case_number IS NOT NULL OR r.bk_filing_date IS NOT NULL
       -- a death record whose date ingest did not use (after its report date) is one still
       OR rs_unused_date(r.unused_dates, 'date_of_death').reason = 'after_record_date'
)
SELECT $run_id AS run_id, account_id, flag,
       round(max(p * reliability), 4) AS confidence,
       first(what ORDER BY p * reliability DESC, rec_id)
         || CASE WHEN count(*) > 1 THEN ' (+' || (count(*) - 1) || ' more)' ELSE '' END AS evidence,
       first(rec_id ORDER BY p * reliability DESC, rec_id) AS rec_id,
       string_agg(ref, '; ' ORDER BY p * reliability DESC, rec_id) AS records
FROM cand
GROUP BY account_id, flag;

-- bankruptcy: one flag per case (chapter, case, district, filing / discharge / dismissal dates).
-- A case whose facts do not hold together also gets 'bankruptcy_disputed', for a person to check:
-- the bankruptcy flag itself stays (a stay violation is the worse error), but the review queue
-- sees why the case is doubtful:
--   the record's SSN last four differ from the account's (a namesake's case);
--   discharge or dismissal dated before the filing, or both a discharge and a dismissal;
--   a filing date after the run's as-of date (and on or before the record's own report date: a
--   backfill, judged with files delivered later);
--   a chapter other than 7, 9, 11, 12, 13 or 15;
--   a filing, discharge or dismissal date ingest did not use: after the record's own report
--   date (field issue after_record_date, docs/field_issues.md). A court record cannot report a
--   filing that has not happened, so the date is wrong (a keying error in the year), not the
--   case: the case stands with that date unknown, the delivered date and the report date in the
--   evidence ("not used"), and a person checks it. Unknown, the date cannot make the case look
--   over: a dismissal not used leaves the case open, and a dismissal next to a filing or a
--   discharge not used does not lift the stay (sql/suppress/account_subject.sql).
-- A dismissed case ends the stay: suppression reads the dismissal date (sql/suppress/).
INSERT INTO account_flags BY NAME
WITH bk AS (
    SELECT l.account_id, l.rec_id, l.source, r.bk_chapter, r.bk_case_number, r.bk_district,
           r.bk_filing_date, r.bk_discharge_date, r.bk_dismissal_date,
           rs_court_dates_not_used(r.unused_dates, r.record_date) AS unused,
           l.match_p * l.reliability AS conf, l.co_debtor,
           coalesce(r.bk_case_number, CAST(l.rec_id AS VARCHAR)) AS case_key,
           l.source || ':' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR)) AS ref,
           concat_ws('; ',
               CASE WHEN l.co_debtor IS NULL AND r.ssn_last4 IS NOT NULL AND a.ssn_last4 IS NOT NULL AND r.ssn_last4 <> a.ssn_last4
                    THEN 'SSN last four of the case (' || r.ssn_last4 || ') differ from the account''s' END,
               CASE WHEN r.bk_discharge_date < r.bk_filing_date THEN 'discharged before it was filed' END,
               CASE WHEN r.bk_dismissal_date < r.bk_filing_date THEN 'dismissed before it was filed' END,
               CASE WHEN r.bk_discharge_date IS NOT NULL AND r.bk_dismissal_date IS NOT NULL
                    THEN 'both discharged and dismissed' END,
               CASE WHEN r.bk_filing_date > $as_of THEN 'filing date in the future' END,
               CASE WHEN r.bk_chapter IS NOT NULL
                         AND regexp_replace(upper(r.bk_chapter), '^(CH(APTER)?\.?\s*)', '') NOT IN ('7', '9', '11', '12', '13', '15')
                    THEN 'chapter ' || r.bk_chapter || ' does not exist' END,
               rs_court_dates_not_used(r.unused_dates, r.record_date)
           ) AS doubts
    FROM (SELECT account_id, rec_id, source, match_p, reliability, kind, NULL AS co_debtor
          FROM rs_links WHERE role = 'debtor'
          UNION ALL
          -- a joint petition whose co-debtor is the account holder (rs_joint, above)
          SELECT account_id, rec_id, source, co_p, reliability, 'bankruptcy', co_debtor_name
          FROM rs_joint WHERE name_agrees AND co_p >= (SELECT threshold FROM rs_link_threshold)) l
    JOIN current_source_records r ON r.rec_id = l.rec_id
    LEFT JOIN current_accounts a ON a.account_id = l.account_id
    WHERE l.kind = 'bankruptcy' OR r.bk_case_number IS NOT NULL OR r.bk_filing_date IS NOT NULL
),
cases AS (
    SELECT account_id, case_key,
           round(max(conf), 4) AS confidence,
           first(concat_ws(', ',
               'chapter ' || bk_chapter, 'case ' || bk_case_number, 'district ' || bk_district,
               'filed ' || strftime(bk_filing_date, '%Y-%m-%d'),
               'discharged ' || strftime(bk_discharge_date, '%Y-%m-%d'),
               'dismissed ' || strftime(bk_dismissal_date, '%Y-%m-%d'), unused,
               'source ' || source,
               'joint petition, co-debtor ' || co_debtor) ORDER BY conf DESC, rec_id) AS evidence,  -- the rec_id's row
           first(rec_id ORDER BY conf DESC, rec_id) AS rec_id,  -- ties: the lowest id (replayable)
           string_agg(ref, '; ' ORDER BY conf DESC, rec_id) AS records,
           string_agg(DISTINCT nullif(doubts, ''), '; ' ORDER BY nullif(doubts, '')) AS doubts
    FROM bk
    GROUP BY account_id, case_key
)
SELECT $run_id AS run_id, account_id, flag, confidence,
       CASE flag WHEN 'bankruptcy' THEN evidence ELSE evidence || '; doubtful: ' || doubts END AS evidence,
       rec_id, records
FROM cases, (VALUES ('bankruptcy'), ('bankruptcy_disputed')) f(flag)
WHERE flag = 'bankruptcy' OR doubts IS NOT NULL;

-- moved: whose move it is (the debtor's own, a record linked to the account as the debtor; or a
-- family move filed by another member of the household), which record (source, record id, file
-- and line), and for a household member's family move why it applies to the debtor (the
-- debtor's report at its old address: 04_ncoa.sql).
INSERT INTO account_flags BY NAME
WITH ncoa AS (
    SELECT account_id, rec_id,
           apply_p * reliability AS conf,
           CASE how
               WHEN 'household' THEN 'family move of a household member with the same surname,'
                                     || ' filed under another name than the debtor''s'
               ELSE 'the debtor''s own ' || CASE move_type WHEN 'F' THEN 'family' ELSE 'individual' END
                    || ' move (the record is linked to the account as the debtor, match p='
                    || round(apply_p, 4) || ')' END
             || ', ' || move_ref
             || coalesce(', effective ' || strftime(eff_date, '%Y-%m-%d'), '')
             || ' (return code ' || code || ')'
             || coalesce('; applies to the debtor: ' || basis, '') AS what
    FROM rs_ncoa_apply
),
newer AS (
    -- the best current address is not the one on file, and the one on file is stale
    SELECT b.account_id, b.confidence AS conf,
           'newer address than on file (confidence ' || round(b.confidence, 2) || coalesce(', last seen ' || strftime(b.last_seen, '%Y-%m-%d'), '') || ')' AS what
    FROM rs_final b
    JOIN rs_final o ON o.account_id = b.account_id AND o.role = 'debtor' AND o.contact_type = 'address'
                   AND o.on_file AND o.status = 'on_file'
    WHERE b.role = 'debtor' AND b.contact_type = 'address' AND b.rank = 1 AND NOT b.on_file
),
allm AS (
    SELECT n.account_id, n.rec_id, n.conf, 'USPS change of address: ' || n.what AS what,
           r.source || ':' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR)) AS ref
    FROM ncoa n LEFT JOIN current_source_records r ON r.rec_id = n.rec_id
    UNION ALL
    SELECT account_id, NULL, conf, what, NULL FROM newer
)
SELECT $run_id AS run_id, account_id, 'moved' AS flag,
       round(max(conf), 4) AS confidence,
       string_agg(what, '; ' ORDER BY conf DESC, what) AS evidence,
       first(rec_id ORDER BY conf DESC, rec_id) AS rec_id,  -- ties: the lowest id (replayable)
       string_agg(ref, '; ' ORDER BY conf DESC, ref) AS records
FROM allm
GROUP BY account_id;
