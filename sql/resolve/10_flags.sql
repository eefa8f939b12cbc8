-- Account flags from evidence linked to the account holder as debtor:
--  deceased   a record with a date of death (death index, vendor deceased indicator);
--  bankruptcy one row per case (chapter, case, district, filing / discharge / dismissal dates);
--  moved      an applicable NCOA move, or a better current address than the one on file.
-- confidence = match probability x source reliability of the best supporting record.
DELETE FROM account_flags WHERE run_id = $run_id;

INSERT INTO account_flags BY NAME
WITH dead AS (
    SELECT l.account_id, l.rec_id, l.source, l.record_id, r.date_of_death,
           l.match_p * l.reliability AS conf, l.match_p
    FROM rs_links l JOIN current_source_records r ON r.rec_id = l.rec_id
    WHERE l.role = 'debtor' AND (r.date_of_death IS NOT NULL OR l.kind = 'deceased')
)
SELECT $run_id AS run_id, account_id, 'deceased' AS flag,
       round(max(conf), 4) AS confidence,
       arg_max(concat_ws(', ', source || ' record ' || coalesce(record_id, CAST(rec_id AS VARCHAR)),
                         'date of death ' || strftime(date_of_death, '%Y-%m-%d'),
                         'match ' || round(match_p, 3)), conf)
         || CASE WHEN count(*) > 1 THEN ' (+' || (count(*) - 1) || ' more)' ELSE '' END AS evidence,
       first(rec_id ORDER BY conf DESC, rec_id) AS rec_id  -- ties: the lowest id (replayable)
FROM dead
GROUP BY account_id;

INSERT INTO account_flags BY NAME
WITH bk AS (
    SELECT l.account_id, l.rec_id, l.source, r.bk_chapter, r.bk_case_number, r.bk_district,
           r.bk_filing_date, r.bk_discharge_date, r.bk_dismissal_date,
           l.match_p * l.reliability AS conf,
           coalesce(r.bk_case_number, CAST(l.rec_id AS VARCHAR)) AS case_key
    FROM rs_links l JOIN current_source_records r ON r.rec_id = l.rec_id
    WHERE l.role = 'debtor'
      AND (l.kind = 'bankruptcy' OR r.bk_case_number IS NOT NULL OR r.bk_filing_date IS NOT NULL)
)
SELECT $run_id AS run_id, account_id, 'bankruptcy' AS flag,
       round(max(conf), 4) AS confidence,
       arg_max(concat_ws(', ',
           'chapter ' || bk_chapter, 'case ' || bk_case_number, 'district ' || bk_district,
           'filed ' || strftime(bk_filing_date, '%Y-%m-%d'),
           'discharged ' || strftime(bk_discharge_date, '%Y-%m-%d'),
           'dismissed ' || strftime(bk_dismissal_date, '%Y-%m-%d'),
           'source ' || source), conf) AS evidence,
       first(rec_id ORDER BY conf DESC, rec_id) AS rec_id  -- ties: the lowest id (replayable)
FROM bk
GROUP BY account_id, case_key;

INSERT INTO account_flags BY NAME
WITH ncoa AS (
    SELECT account_id, rec_id,
           apply_p * reliability AS conf,
           CASE move_type WHEN 'F' THEN 'family' ELSE 'individual' END || ' move'
             || CASE how WHEN 'household' THEN ' of a household member with the same surname' ELSE '' END
             || coalesce(' effective ' || strftime(eff_date, '%Y-%m-%d'), '')
             || ' (return code ' || code || ')' AS what
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
    SELECT account_id, rec_id, conf, 'USPS change of address: ' || what AS what FROM ncoa
    UNION ALL
    SELECT account_id, NULL, conf, what FROM newer
)
SELECT $run_id AS run_id, account_id, 'moved' AS flag,
       round(max(conf), 4) AS confidence,
       string_agg(what, '; ' ORDER BY conf DESC, what) AS evidence,
       first(rec_id ORDER BY conf DESC, rec_id) AS rec_id  -- ties: the lowest id (replayable)
FROM allm
GROUP BY account_id;
