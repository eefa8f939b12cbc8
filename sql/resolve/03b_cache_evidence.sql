-- The run's standardized evidence: the cached rows of clean accounts plus the rows just
-- computed for rs_dirty (rs_evs_new, 02 + 03), with what moves between runs joined back from the
-- run's links: the match probability (re-scored every run), the source's reliability (moved
-- by collectors' outcomes), the report lag (against a report date capped at the as-of date)
-- and the lead probability. A full resolve reads no cached row, so both paths build rs_evs with
-- this one statement. Column order is 03_standardize's (04 appends NCOA rows BY NAME).
CREATE OR REPLACE TEMP TABLE rs_evs AS
WITH ev AS (
    SELECT * FROM resolve_cache_evidence c
    WHERE $incremental
      AND NOT EXISTS (SELECT 1 FROM rs_dirty d WHERE d.account_id = c.account_id)
    UNION ALL BY NAME
    SELECT * EXCLUDE (match_p, reliability, report_lag_days, lead_p) FROM rs_evs_new
)
SELECT e.account_id, e.role, e.contact_type, e.rec_id, e.source, e.file_no, e.evidence,
       e.src_rank, l.match_p,
       CASE WHEN e.rec_id IS NULL THEN 1.0 ELSE l.reliability END AS reliability,
       e.d_first, e.d_last,
       CASE WHEN e.c_last_seen IS NOT NULL AND l.report_date IS NOT NULL
            THEN greatest(date_diff('day', e.c_last_seen, l.report_date), 0) END AS report_lag_days,
       e.relationship, e.party_name, e.consent, e.vkey,
       e.std_line1, e.std_line2, e.city, e.state, e.zip5, e.place, e.zip4, e.street_number,
       e.predir, e.street_name, e.suffix, e.postdir, e.unit_type, e.unit_number, e.quality,
       e.e164, e.phone_valid, e.extension, e.line_type_ev, e.line_type_from_source,
       e.number_type, e.tz_phone, e.prepaid, e.email_norm,
       CASE WHEN e.rec_id IS NULL OR l.role = 'associate' THEN 1.0 ELSE l.match_p END AS lead_p
FROM ev e
LEFT JOIN rs_links l ON l.account_id = e.account_id AND l.rec_id = e.rec_id;
