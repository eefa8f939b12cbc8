-- Account flags from evidence linked to the account holder as debtor:
--  deceased   a record with a date of death (death index, vendor deceased indicator);
--  bankruptcy one row per case (chapter, case, district, filing / discharge / dismissal dates);
--  moved      an applicable NCOA move, or a better current address than the one on file.
-- confidence = match probability x source reliability of the best supporting record.
DELETE FROM account_flags WHERE run_id = $run_id;

-- deceased: every debtor-linked record carrying a date of death (death index, a vendor's deceased
-- indicator) is a death claim, scored like any link (confidence = match x reliability). A wrong
-- deceased flag stops collection on a live account and sends estate letters to a living person,
-- so every claim is checked on its own:
--   impossible dates contradict the claim:
--     future        the date of death is after the run's as-of date;
--     before_birth  it is on or before the date of birth (the death record's, else the account's);
--     dob_copy      it is a date of birth (the record's or the account's) with one slip: day and
--                   month swapped, or one digit changed or two adjacent digits transposed. An
--                   account holder is an adult, so a "death" days or months after their birth is
--                   a birth date copied into the death field (registries relabel enumeration
--                   records this way), not a death;
--     unread_copy   the date of death could not be read, and its readable digits are the date
--                   of birth's (rs_unread_dod_copies_dob, 00_macros.sql);
--   the account's death is its strongest UNcontradicted claim: a second, consistent death record
--   of the same person outweighs one whose date is impossible. Only when every claim is
--   contradicted is the death *disputed* (flag 'deceased_disputed', never 'deceased'; the rules
--   file decides what happens, default: hold for review), with each contradiction in the evidence;
--   later activity makes it *unverified*: another record linked to the same person as debtor
--   (person records: credit header, employment, tax, census) dated more than $death_grace_days
--   after it. The flag stays 'deceased', its confidence times $death_activity_factor (default
--   0.6: below the 0.8 that routes to the estate, so the account is held until someone
--   verifies) and the record named in the evidence. Not a dispute: records keep arriving in a
--   decedent's name (joint and final returns, W-2s of the year of death, bureau refreshes); on
--   independent simulated data (bench/independent.py, tuning seed 11) disputing on later
--   activity turned 134 true deaths into disputes and caught one wrong one. Vendor batches,
--   NCOA and bankruptcy rows never count: their dates are the vendor's or the court's.
INSERT INTO account_flags BY NAME
WITH dead AS (
    SELECT l.account_id, l.rec_id, l.source, l.record_id, r.date_of_death AS dod,
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
               CASE WHEN r.date_of_death IS NULL
                         AND rs_unread_dod_copies_dob(fi.value_masked, coalesce(r.dob, a.dob))
                    THEN 'unreadable date of death ''' || fi.value_masked
                         || ''' is a copy of the date of birth '
                         || strftime(coalesce(r.dob, a.dob), '%Y-%m-%d') END
           ) AS contradiction
    FROM rs_links l
    JOIN current_source_records r ON r.rec_id = l.rec_id
    LEFT JOIN current_accounts a ON a.account_id = l.account_id
    LEFT JOIN (SELECT DISTINCT ON (file_no, line_no) file_no, line_no, value_masked
               FROM field_issues
               WHERE column_name = 'date_of_death' AND action = 'nulled') fi
           ON fi.file_no = r.file_no AND fi.line_no = r.line_no AND r.date_of_death IS NULL
    WHERE l.role = 'debtor' AND (r.date_of_death IS NOT NULL OR l.kind = 'deceased')
),
claim AS (
    -- uncontradicted claims first, then the strongest; ties: the lowest id (replayable)
    SELECT account_id,
           bool_or(contradiction = '') AS holds,
           round(max(conf) FILTER (WHERE contradiction = ''), 4) AS held_confidence,
           round(max(conf), 4) AS any_confidence,
           first(concat_ws(', ', source || ' record ' || coalesce(record_id, CAST(rec_id AS VARCHAR)),
                           'date of death ' || strftime(dod, '%Y-%m-%d'),
                           'match ' || round(match_p, 3))
                 ORDER BY contradiction = '' DESC, conf DESC, rec_id)
             || CASE WHEN count(*) > 1 THEN ' (+' || (count(*) - 1) || ' more)' ELSE '' END AS evidence,
           first(rec_id ORDER BY contradiction = '' DESC, conf DESC, rec_id) AS rec_id,
           first(dod ORDER BY contradiction = '' DESC, conf DESC, rec_id) AS dod,
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
    GROUP BY l.account_id
),
checked AS (
    SELECT c.*,
           CASE WHEN al.seen > c.dod + to_days($death_grace_days)
                THEN 'seen alive on ' || strftime(al.seen, '%Y-%m-%d') || ' (' || al.seen_in
                     || '): verify before acting' END AS later_activity
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

-- bankruptcy: one flag per case (chapter, case, district, filing / discharge / dismissal dates).
-- A case whose facts do not hold together also gets 'bankruptcy_disputed', for a person to check:
-- the bankruptcy flag itself stays (a stay violation is the worse error), but the review queue
-- sees why the case is doubtful:
--   the record's SSN last four differ from the account's (a namesake's case);
--   discharge or dismissal dated before the filing, or both a discharge and a dismissal;
--   a filing date after the run's as-of date;
--   a chapter other than 7, 9, 11, 12, 13 or 15.
-- A dismissed case ends the stay: suppression reads the dismissal date (sql/suppress/).
INSERT INTO account_flags BY NAME
WITH bk AS (
    SELECT l.account_id, l.rec_id, l.source, r.bk_chapter, r.bk_case_number, r.bk_district,
           r.bk_filing_date, r.bk_discharge_date, r.bk_dismissal_date,
           l.match_p * l.reliability AS conf,
           coalesce(r.bk_case_number, CAST(l.rec_id AS VARCHAR)) AS case_key,
           l.source || ':' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR)) AS ref,
           concat_ws('; ',
               CASE WHEN r.ssn_last4 IS NOT NULL AND a.ssn_last4 IS NOT NULL AND r.ssn_last4 <> a.ssn_last4
                    THEN 'SSN last four of the case (' || r.ssn_last4 || ') differ from the account''s' END,
               CASE WHEN r.bk_discharge_date < r.bk_filing_date THEN 'discharged before it was filed' END,
               CASE WHEN r.bk_dismissal_date < r.bk_filing_date THEN 'dismissed before it was filed' END,
               CASE WHEN r.bk_discharge_date IS NOT NULL AND r.bk_dismissal_date IS NOT NULL
                    THEN 'both discharged and dismissed' END,
               CASE WHEN r.bk_filing_date > $as_of THEN 'filing date in the future' END,
               CASE WHEN r.bk_chapter IS NOT NULL
                         AND regexp_replace(upper(r.bk_chapter), '^(CH(APTER)?\.?\s*)', '') NOT IN ('7', '9', '11', '12', '13', '15')
                    THEN 'chapter ' || r.bk_chapter || ' does not exist' END
           ) AS doubts
    FROM rs_links l
    JOIN current_source_records r ON r.rec_id = l.rec_id
    LEFT JOIN current_accounts a ON a.account_id = l.account_id
    WHERE l.role = 'debtor'
      AND (l.kind = 'bankruptcy' OR r.bk_case_number IS NOT NULL OR r.bk_filing_date IS NOT NULL)
),
cases AS (
    SELECT account_id, case_key,
           round(max(conf), 4) AS confidence,
           first(concat_ws(', ',
               'chapter ' || bk_chapter, 'case ' || bk_case_number, 'district ' || bk_district,
               'filed ' || strftime(bk_filing_date, '%Y-%m-%d'),
               'discharged ' || strftime(bk_discharge_date, '%Y-%m-%d'),
               'dismissed ' || strftime(bk_dismissal_date, '%Y-%m-%d'),
               'source ' || source) ORDER BY conf DESC, rec_id) AS evidence,  -- the rec_id's row
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
