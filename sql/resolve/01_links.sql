-- Records linked to accounts for this run: match_pairs (debtor / associate) plus vendor-batch
-- rows keyed to the account that the matcher never saw (the vendor echoed our key).
-- A vendor row the matcher *did* see keeps the matcher's verdict: a vendor can return the
-- wrong person (father for son, a namesake) and the echoed key does not make it right. The
-- matcher always compares a keyed row with its echoed account (blocking adds every echo pair)
-- and stores only pairs at or above its review floor, so a keyed row that is in rec_std but has
-- no match_pairs row was *rejected* below the floor: it is not evidence about the debtor. The
-- fallback is for runs without a link step (no match_run row) and rows the matcher was not
-- given (not in rec_std).
--
-- report_date is the date the source stands behind the record (a vendor's return date, a
-- report date), against which a candidate's own last-seen date shows how far it lags.
-- rec_date is when the record says the person was at its contacts: a bankruptcy petition
-- gives the address at *filing*; its record date (last docket activity, e.g. the discharge)
-- says nothing about where the debtor lives by then.
CREATE OR REPLACE TEMP TABLE rs_links AS
WITH mp AS (
    SELECT account_id, rec_id,
           max(match_probability) AS match_p,
           arg_max(role, match_probability) AS role,
           arg_max(guard, match_probability) AS guard
    FROM match_pairs
    WHERE run_id = $run_id AND role IN ('debtor', 'associate')
    GROUP BY account_id, rec_id
),
seen AS (
    -- vendor records the run's link step compared (none when linking did not run). Only
    -- vendor rows are tested against it (rec_std.kind is the record's kind): every record's id
    -- made a 5M-row DISTINCT at 1M accounts. With the NOT EXISTS below instead of a DISTINCT
    -- list of the run's scored records, this statement went from 3.8-4.3 s to 2.6-2.9 s there.
    SELECT DISTINCT rec_id FROM rec_std
    WHERE kind = 'vendor_batch' AND EXISTS (SELECT 1 FROM match_run WHERE run_id = $run_id)
),
keyed AS (
    SELECT r.account_id, r.rec_id,
           CAST($vendor_keyed_p AS DOUBLE) AS match_p,
           'debtor' AS role, 'vendor_keyed' AS guard
    FROM current_source_records r
    WHERE r.kind = 'vendor_batch' AND r.account_id IS NOT NULL
      AND r.account_id IN (SELECT account_id FROM current_accounts)
      AND NOT EXISTS (SELECT 1 FROM match_pairs m WHERE m.run_id = $run_id AND m.rec_id = r.rec_id)
      AND r.rec_id NOT IN (SELECT rec_id FROM seen)
),
l AS (SELECT * FROM mp UNION ALL SELECT * FROM keyed)
SELECT l.account_id, l.rec_id, l.match_p, l.role, l.guard,
       r.source, r.file_no, r.kind, r.record_id,
       -- the registry's reliability, updated by collectors' outcomes (00b_outcomes.sql)
       coalesce(lr.reliability, f.reliability, CAST($default_reliability AS DOUBLE)) AS reliability,
       CASE WHEN r.kind = 'bankruptcy'
            THEN coalesce(r.bk_filing_date, r.last_seen, r.record_date, CAST(f.received_at AS DATE))
            ELSE coalesce(r.last_seen, r.record_date, CAST(f.received_at AS DATE)) END AS rec_date,
       r.first_seen AS rec_first_seen,
       least(coalesce(r.record_date, CAST(f.received_at AS DATE)), $as_of) AS report_date,
       coalesce(nullif(trim(concat_ws(' ', r.first_name, r.last_name)), ''), r.full_name) AS rec_name
FROM l
JOIN current_source_records r ON r.rec_id = l.rec_id
JOIN input_files f ON f.file_no = r.file_no
LEFT JOIN rs_source_reliability lr ON lr.source = f.source AND lr.outcomes > 0;
