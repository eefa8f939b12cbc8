-- Records linked to accounts for this run: match_pairs (debtor / associate) plus vendor-batch
-- rows keyed to the account that the matcher did not score at all (the vendor echoed our key).
-- A vendor row the matcher *did* score keeps the matcher's verdict: a vendor can return the
-- wrong person (father for son) and the echoed key does not make it right.
CREATE OR REPLACE TEMP TABLE rs_links AS
WITH mp AS (
    SELECT account_id, rec_id,
           max(match_probability) AS match_p,
           arg_max(role, match_probability) AS role,
           arg_max(guard, match_probability) AS guard
    FROM match_pairs
    WHERE run_id = getvariable('rs_run_id') AND role IN ('debtor', 'associate')
    GROUP BY account_id, rec_id
),
scored AS (
    SELECT DISTINCT rec_id FROM match_pairs WHERE run_id = getvariable('rs_run_id')
),
keyed AS (
    SELECT r.account_id, r.rec_id,
           CAST(getvariable('rs_vendor_keyed_p') AS DOUBLE) AS match_p,
           'debtor' AS role, 'vendor_keyed' AS guard
    FROM current_source_records r
    WHERE r.kind = 'vendor_batch' AND r.account_id IS NOT NULL
      AND r.account_id IN (SELECT account_id FROM current_accounts)
      AND r.rec_id NOT IN (SELECT rec_id FROM scored)
),
l AS (SELECT * FROM mp UNION ALL SELECT * FROM keyed)
SELECT l.account_id, l.rec_id, l.match_p, l.role, l.guard,
       r.source, r.file_no, r.kind, r.record_id,
       coalesce(f.reliability, CAST(getvariable('rs_default_reliability') AS DOUBLE)) AS reliability,
       coalesce(r.last_seen, r.record_date, CAST(f.received_at AS DATE)) AS rec_date,
       r.first_seen AS rec_first_seen,
       coalesce(nullif(trim(concat_ws(' ', r.first_name, r.last_name)), ''), r.full_name) AS rec_name
FROM l
JOIN current_source_records r ON r.rec_id = l.rec_id
JOIN input_files f ON f.file_no = r.file_no;
