-- SCRA military status (50 USC 3931): account flags from `military_status` rows, the DoD SCRA
-- service's (DMDC) answer per person (migration 111). Runs after 10_flags.sql, in the same
-- transaction (it has cleared the run's flags).
--
-- Which rows are the account holder's:
--   a row that carries the account reference (the agency's own record id, echoed back) is
--   attached to that account when its identifiers agree with the account's: the SSN hash, or,
--   when either side has no SSN, the date of birth and the surname (standardized). Two SSNs
--   that differ are two people whatever else agrees (twins share birth date and surname). A
--   referenced row that does not agree is never dropped silently: it gets 'scra_disputed' (the
--   rules file sends it to review), unless a status of the account's holder at least as recent
--   was attached;
--   a row without a reference, or echoing another account, is the account holder's only when
--   the matcher linked it as debtor (rs_links): the wrong-party guards apply as to a death or
--   bankruptcy record, so a father's active duty does not flag his namesake son. The matcher's
--   pair of a referenced row with its own account is not used: the reference rule decides it.
-- Confidence = match probability x source reliability (reliability alone by reference).
--
-- What the account's latest status (by status date, then protecting first) says on $as_of:
--   serving     active duty begun by $as_of and not ended before it (an end date on or after
--               $as_of is a projected end; no end date: DMDC's yes on the status date);
--   in the tail left active duty no more than $scra_tail_days (367, DMDC's window) before
--               $as_of: the end date + 367 days, or, with only DMDC's "left within 367 days"
--               answer, the status date + 367 days (the latest the tail can run; a wrong "no"
--               lets a default judgment through);
--   ordered     active duty begins after $as_of: DMDC's notice of a future call-up, whose
--               orders are issued. A reservist (anyone ordered to report) is protected from
--               receipt of the orders to the reporting date (50 USC 3917), so the account is
--               flagged 'scra_ordered_to_duty', which holds it as 'scra_active_duty' does (the
--               suppression subject counts both in scra_conf, so a rules file that has the
--               scra_active_duty rule holds it unchanged). Whatever the status date's answer
--               and the end date say: the start date is what makes it a call-up;
--   stale       the status date is more than $scra_fresh_days before $as_of: a "not on active
--               duty" that old is not trusted as such ('scra_status_stale'); a stale protecting
--               status still protects, and its flag says it is stale.
INSERT INTO account_flags BY NAME
WITH rec AS (
    SELECT r.rec_id, r.source, r.record_id, r.account_id AS ref_account, r.ssn_hash, r.ssn_last4,
           r.dob, coalesce(nullif(s.last_std, ''), upper(trim(r.last_name))) AS last_std,
           r.scra_active_duty AS active, r.scra_left_within_367 AS left367,
           r.scra_start_date AS started, r.scra_end_date AS ended, r.scra_report_date,
           coalesce(r.scra_status_date, r.scra_report_date, r.record_date) AS status_day,
           r.source || ' ' || f.file_name || ':' || r.line_no AS line_ref,
           r.source || ':' || coalesce(r.record_id, CAST(r.rec_id AS VARCHAR)) AS ref,
           coalesce(lr.reliability, f.reliability, CAST($default_reliability AS DOUBLE)) AS reliability
    FROM current_source_records r
    JOIN input_files f ON f.file_no = r.file_no
    LEFT JOIN rs_source_reliability lr ON lr.source = f.source AND lr.outcomes > 0
    -- only the status rows' surnames: rec_std holds every record (5M at 1M accounts)
    LEFT JOIN (SELECT rec_id, any_value(last_std) AS last_std FROM rec_std
               WHERE rec_id IN (SELECT rec_id FROM current_source_records
                                WHERE kind = 'military_status')
               GROUP BY rec_id) s
           ON s.rec_id = r.rec_id
    WHERE r.kind = 'military_status'
),
acct AS (
    SELECT a.account_id, a.ssn_hash, a.ssn_last4, a.dob,
           coalesce(nullif(s.last_std, ''), upper(trim(a.last_name))) AS last_std
    FROM current_accounts a
    LEFT JOIN (SELECT account_id, any_value(last_std) AS last_std FROM acct_std
               WHERE account_id IN (SELECT ref_account FROM rec)
               GROUP BY account_id) s
           ON s.account_id = a.account_id
    WHERE a.account_id IN (SELECT ref_account FROM rec)
),
referenced AS (
    SELECT a.account_id, r.*,
           CASE WHEN r.ssn_hash IS NOT NULL AND a.ssn_hash IS NOT NULL THEN r.ssn_hash = a.ssn_hash
                ELSE coalesce(r.dob = a.dob AND r.last_std = a.last_std, false) END AS agrees,
           CASE WHEN r.ssn_hash = a.ssn_hash THEN 'SSN agrees'
                ELSE 'date of birth and surname agree (no SSN to compare)' END AS why,
           concat_ws(', ',
               CASE WHEN r.ssn_hash <> a.ssn_hash
                    THEN 'SSN differs (last four ' || r.ssn_last4 || ', the account''s ' || coalesce(a.ssn_last4, '?') || ')'
                    WHEN r.ssn_hash IS NULL OR a.ssn_hash IS NULL THEN 'no SSN on both sides' END,
               CASE WHEN r.dob <> a.dob THEN 'date of birth differs'
                    WHEN r.dob IS NULL OR a.dob IS NULL THEN 'no date of birth on both sides' END,
               CASE WHEN r.last_std <> a.last_std THEN 'surname ' || r.last_std || ', the account''s ' || a.last_std
                    WHEN r.last_std IS NULL OR a.last_std IS NULL THEN 'no surname on both sides' END
           ) AS disagreement
    FROM rec r JOIN acct a ON a.account_id = r.ref_account
),
attached AS (
    SELECT account_id, rec_id, reliability AS conf,
           'attached by the account reference (' || why || ')' AS how
    FROM referenced WHERE agrees
    UNION ALL
    SELECT l.account_id, l.rec_id, l.match_p * l.reliability,
           'matched to the account holder (match ' || round(l.match_p, 3) || ')'
    FROM rs_links l JOIN rec r ON r.rec_id = l.rec_id
    WHERE l.role = 'debtor' AND l.account_id IS DISTINCT FROM r.ref_account
),
judged AS (
    SELECT t.account_id, t.conf, t.how, r.*,
           coalesce(r.started <= $as_of, true) AS begun,
           coalesce(r.started > $as_of, false) AS ordered,
           CASE WHEN r.ended IS NOT NULL THEN r.ended >= $as_of AND (coalesce(r.active, false) OR r.started <= $as_of)
                ELSE coalesce(r.active, false) END AS serving,
           CASE WHEN r.ended IS NOT NULL THEN r.ended + CAST($scra_tail_days AS INTEGER)
                WHEN r.left367 THEN r.status_day + CAST($scra_tail_days AS INTEGER) END AS tail_end,
           date_diff('day', r.status_day, CAST($as_of AS DATE)) AS age_days
    FROM attached t JOIN rec r ON r.rec_id = t.rec_id
),
latest AS (
    -- the account's latest status; ties: protecting first, the strongest, the lowest record
    SELECT *,
           (coalesce(begun AND (serving OR $as_of <= tail_end), false) OR ordered) AS protects,
           coalesce(age_days > $scra_fresh_days, true) AS stale,
           row_number() OVER (PARTITION BY account_id
                              ORDER BY status_day DESC NULLS LAST,
                                       (coalesce(begun AND (serving OR $as_of <= tail_end), false) OR ordered) DESC,
                                       conf DESC, rec_id) AS n
    FROM judged
),
said AS (
    SELECT *,
           concat_ws(', ',
               'DMDC status of ' || coalesce(strftime(status_day, '%Y-%m-%d'), '?')
                 || coalesce(' (report ' || strftime(scra_report_date, '%Y-%m-%d') || ')', ''),
               how, line_ref) AS about,
           CASE WHEN stale THEN 'stale: the status is ' || coalesce(age_days || ' days', 'of no date')
                     || ' old on the as-of date (freshness ' || $scra_fresh_days
                     || ' days): re-check with DMDC before legal action' END AS staleness
    FROM latest WHERE n = 1
)
SELECT $run_id AS run_id, account_id,
       CASE WHEN ordered THEN 'scra_ordered_to_duty' ELSE 'scra_active_duty' END AS flag,
       round(conf, 4) AS confidence,
       CASE WHEN ordered
            THEN 'ordered to active duty beginning ' || strftime(started, '%Y-%m-%d')
                 || coalesce(' (end ' || strftime(ended, '%Y-%m-%d') || ')', '')
                 || ': protected from receipt of the orders (50 USC 3917)'
            WHEN serving
            THEN 'on active duty' || coalesce(' since ' || strftime(started, '%Y-%m-%d'), '')
                 || coalesce(' (end ' || strftime(ended, '%Y-%m-%d') || ')', '')
            ELSE 'left active duty ' || coalesce('on ' || strftime(ended, '%Y-%m-%d'),
                                                  'within 367 days before the status date')
                 || ': protected until ' || strftime(tail_end, '%Y-%m-%d') END
         || '; ' || about || coalesce('; ' || staleness, '') AS evidence,
       rec_id, ref AS records
FROM said WHERE protects
UNION ALL
SELECT $run_id, account_id, 'scra_status_stale', round(conf, 4),
       'not on active duty by the last status, not current: ' || staleness || '; ' || about,
       rec_id, ref
FROM said WHERE NOT protects AND stale
UNION ALL
-- referenced rows whose identifiers do not agree with the account, unless a status of the
-- holder at least as recent was attached
SELECT $run_id, d.account_id, 'scra_disputed', round(max(d.reliability), 4),
       string_agg('status returned for this account (reference ' || d.ref_account || ') names someone else: '
                  || d.disagreement || '; the row says '
                  || CASE WHEN d.active THEN 'on active duty' WHEN d.left367 THEN 'left active duty within 367 days'
                          ELSE 'not on active duty' END
                  || ' (status of ' || coalesce(strftime(d.status_day, '%Y-%m-%d'), '?') || ', ' || d.line_ref || ')',
                  '; ' ORDER BY d.status_day DESC, d.rec_id),
       first(d.rec_id ORDER BY d.status_day DESC, d.rec_id),
       string_agg(d.ref, '; ' ORDER BY d.status_day DESC, d.rec_id)
FROM referenced d
LEFT JOIN said s ON s.account_id = d.account_id
WHERE NOT d.agrees AND NOT coalesce(s.status_day >= d.status_day, false)
GROUP BY d.account_id;
