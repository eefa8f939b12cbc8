-- The account subject of account-scope rules (sp_account): one row per current account with
-- its flags on file and the run's deceased / active-bankruptcy evidence. Its columns are what a
-- rule's `when` can test (docs/compliance.md, "What a rule can test").
CREATE OR REPLACE TEMP TABLE sp_account AS
WITH dead AS (
    SELECT f.account_id, max(f.confidence) AS deceased_conf,
           -- the strongest flag's date (ties: the lowest record; a flag without a date gives way)
           first(r.date_of_death ORDER BY f.confidence DESC, f.rec_id)
               FILTER (WHERE r.date_of_death IS NOT NULL) AS date_of_death
    FROM account_flags f LEFT JOIN source_records r ON r.rec_id = f.rec_id
    WHERE f.run_id = $run_id AND f.flag = 'deceased'
    GROUP BY f.account_id
),
disputed AS (
    -- flags the data contradicts (resolve, 10_flags.sql): a person must look before anyone acts
    SELECT account_id,
           max(confidence) FILTER (WHERE flag = 'deceased_disputed') AS deceased_disputed_conf,
           string_agg(evidence, '; ' ORDER BY flag, evidence) AS disputed_evidence,
           bool_or(flag = 'bankruptcy_disputed') AS bankruptcy_disputed
    FROM account_flags
    WHERE run_id = $run_id AND flag IN ('deceased_disputed', 'bankruptcy_disputed')
    GROUP BY account_id
),
bk_unknown AS (
    -- cases whose filing or discharge date ingest did not use (after the record's own report
    -- date: a wrong date, field issue after_record_date; the record lists it, unused_dates).
    -- Their dismissal cannot be checked against them: dated before the filing, or next to a
    -- discharge, it would not lift the stay
    SELECT rec_id FROM source_records
    WHERE list_bool_or(list_transform(unused_dates, lambda nu: nu.reason = 'after_record_date'
                                      AND nu.column_name IN ('bk_filing_date', 'bk_discharge_date')))
),
bk AS (
    -- a case holds from its filing date until it is dismissed (discharge keeps it barred). Only
    -- a dismissal that makes sense lifts the stay: dated on or after the filing, and the case not
    -- also discharged. A dismissal dated before the filing, or next to a discharge, is a case
    -- whose facts do not hold together (10_flags.sql flags it bankruptcy_disputed): it stays
    -- held until a person has looked, since a stay violation is the worse error. So is a
    -- dismissal of a case whose filing or discharge date was not used (bk_unknown), and a case
    -- filed after as_of, which 10_flags.sql disputes ('filing date in the future': a court's
    -- date after a run as of today is likelier a typo than no case); only its dispute holds it.
    -- A case without a filing date (none delivered, or one not used) holds from any date; one
    -- whose dismissal date was not used is not dismissed
    SELECT f.account_id, f.confidence, f.rec_id, r.bk_chapter, r.bk_case_number, r.bk_filing_date,
           r.bk_discharge_date, r.bk_dismissal_date
    FROM account_flags f LEFT JOIN source_records r ON r.rec_id = f.rec_id
    LEFT JOIN bk_unknown u ON u.rec_id = r.rec_id
    WHERE f.run_id = $run_id AND f.flag = 'bankruptcy'
      AND (r.bk_filing_date IS NULL OR r.bk_filing_date <= $as_of
           OR EXISTS (SELECT 1 FROM account_flags d
                      WHERE d.run_id = $run_id AND d.flag = 'bankruptcy_disputed'
                        AND d.account_id = f.account_id AND d.rec_id = f.rec_id))
      AND NOT coalesce(r.bk_dismissal_date <= $as_of
                       AND r.bk_dismissal_date >= coalesce(r.bk_filing_date, r.bk_dismissal_date)
                       AND r.bk_discharge_date IS NULL AND u.rec_id IS NULL, false)
),
possible AS (
    -- records held for review, not linked, that may be the debtor's bankruptcy case or death
    -- (10_flags.sql): the account is held until a reviewer decides. A possible case counts only
    -- while it would hold if linked: filed by as-of and not dismissed (as bk above)
    SELECT f.account_id,
           max(f.confidence) FILTER (WHERE f.flag = 'bankruptcy_possible'
               AND (r.bk_filing_date IS NULL OR r.bk_filing_date <= $as_of)
               AND NOT coalesce(r.bk_dismissal_date <= $as_of
                                AND r.bk_dismissal_date >= coalesce(r.bk_filing_date, r.bk_dismissal_date)
                                AND r.bk_discharge_date IS NULL AND u.rec_id IS NULL, false)) AS bk_possible_conf,
           max(f.confidence) FILTER (WHERE f.flag = 'deceased_possible') AS deceased_possible_conf,
           string_agg(f.evidence, '; ' ORDER BY f.flag, f.evidence) AS possible_evidence
    FROM account_flags f LEFT JOIN source_records r ON r.rec_id = f.rec_id
    LEFT JOIN bk_unknown u ON u.rec_id = r.rec_id
    WHERE f.run_id = $run_id AND f.flag IN ('bankruptcy_possible', 'deceased_possible')
    GROUP BY f.account_id
),
scra AS (
    -- SCRA military status (sql/resolve/10b_scra.sql): the holder on active duty, ordered to it
    -- (protected from the orders, 50 USC 3917) or in the year after it; a status too old to
    -- trust; a status returned for the account naming someone else
    SELECT account_id,
           max(confidence) FILTER (WHERE flag IN ('scra_active_duty', 'scra_ordered_to_duty')) AS scra_conf,
           first(evidence ORDER BY confidence DESC)
               FILTER (WHERE flag IN ('scra_active_duty', 'scra_ordered_to_duty')) AS scra_evidence,
           bool_or(flag = 'scra_status_stale') AS scra_stale,
           bool_or(flag = 'scra_disputed') AS scra_disputed,
           string_agg(evidence, '; ' ORDER BY flag, evidence)
               FILTER (WHERE flag IN ('scra_status_stale', 'scra_disputed')) AS scra_doubt_evidence
    FROM account_flags
    WHERE run_id = $run_id
      AND flag IN ('scra_active_duty', 'scra_ordered_to_duty', 'scra_status_stale', 'scra_disputed')
    GROUP BY account_id
),
bk1 AS (
    -- every field from the one strongest case (ties: the lowest record). Separate arg_max calls
    -- skip NULLs, so a stronger case without a discharge date took the weaker case's, and two
    -- cases of equal confidence were mixed in scan order
    SELECT account_id, max(confidence) AS bk_conf,
           first(bk_chapter ORDER BY confidence DESC, rec_id) AS bk_chapter,
           first(bk_case_number ORDER BY confidence DESC, rec_id) AS bk_case_number,
           first(bk_filing_date ORDER BY confidence DESC, rec_id) AS bk_filing_date,
           first(bk_discharge_date ORDER BY confidence DESC, rec_id) AS bk_discharge_date,
           first(bk_dismissal_date ORDER BY confidence DESC, rec_id) AS bk_dismissal_date
    FROM bk GROUP BY account_id
)
SELECT a.account_id, CAST($as_of AS DATE) AS as_of, a.balance, a.state AS file_state,
       coalesce(a.cease_desist, false) AS cease_desist,
       coalesce(a.bankruptcy, false) AS bankruptcy,
       coalesce(a.deceased, false) AS deceased,
       coalesce(a.attorney_represented, false) AS attorney_represented,
       a.attorney_name, a.attorney_phone,
       coalesce(a.dispute, false) AS dispute,
       coalesce(a.do_not_call, false) AS do_not_call,
       coalesce(a.paid_in_full, false) AS paid_in_full,
       coalesce(d.deceased_conf, 0.0) AS deceased_conf, d.date_of_death,
       coalesce(dp.deceased_disputed_conf, 0.0) AS deceased_disputed_conf,
       coalesce(dp.bankruptcy_disputed, false) AS bankruptcy_disputed, dp.disputed_evidence,
       b.account_id IS NOT NULL AS bk_active, coalesce(b.bk_conf, 0.0) AS bk_conf,
       b.bk_chapter, b.bk_case_number, b.bk_filing_date, b.bk_discharge_date, b.bk_dismissal_date,
       coalesce(p.bk_possible_conf, 0.0) AS bk_possible_conf,
       coalesce(p.deceased_possible_conf, 0.0) AS deceased_possible_conf,
       p.possible_evidence,
       coalesce(m.scra_conf, 0.0) AS scra_conf, m.scra_evidence,
       coalesce(m.scra_stale, false) AS scra_stale, coalesce(m.scra_disputed, false) AS scra_disputed,
       m.scra_doubt_evidence
FROM current_accounts a
LEFT JOIN dead d ON d.account_id = a.account_id
LEFT JOIN disputed dp ON dp.account_id = a.account_id
LEFT JOIN bk1 b ON b.account_id = a.account_id
LEFT JOIN possible p ON p.account_id = a.account_id
LEFT JOIN scra m ON m.account_id = a.account_id;
