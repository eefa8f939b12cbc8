-- Write the run's contact points and the evidence behind each, for the accounts after $after
-- up to $upto (NULL: open end): one chunk of 09_write_chunks.sql, after 09_write_clear.sql.

INSERT INTO contact_points BY NAME
SELECT $run_id AS run_id, account_id, contact_type, contact_key, rank, role,
       CASE WHEN contact_type = 'address' THEN std_line1 END AS address_line1,
       CASE WHEN contact_type = 'address' THEN std_line2 END AS address_line2,
       CASE WHEN contact_type = 'address' THEN city END AS city,
       CASE WHEN contact_type = 'address' THEN state END AS state,
       CASE WHEN contact_type = 'address' THEN zip5 || coalesce('-' || zip4, '') END AS zip,
       CASE WHEN contact_type = 'address' THEN street_number END AS street_number,
       CASE WHEN contact_type = 'address' THEN street_name END AS street_name,
       CASE WHEN contact_type = 'address' THEN unit_number END AS unit,
       CASE WHEN contact_type = 'phone' THEN
            CASE WHEN starts_with(e164, '+1') THEN substr(e164, 3) ELSE e164 END END AS phone,
       CASE WHEN contact_type = 'phone' THEN line_type END AS phone_type,
       CASE WHEN contact_type = 'email' THEN email_norm END AS email,
       time_zone, confidence, status, sources, first_seen, last_seen, reasons,
       to_json(struct_pack(
           "match" := round(match_max, 4), "reliability" := rel_max, "support" := round(support, 4),
           "n_sources" := n_sources, "n_records" := n_records, "age_years" := round(age_years, 3), "last_seen" := last_seen,
           "report_lag_years" := round(report_lag_years, 3),
           "has_support" := has_support, "on_file" := on_file, "valid" := valid,
           "superseded" := superseded, "succeeded" := succeeded, "newer_gap_years" := round(newer_gap_years, 3),
           "moved_from" := moved_from, "ncoa_no_forward" := ncoa_no_forward,
           "ncoa_forward" := ncoa_forward, "ncoa_family" := ncoa_family, "vendor_rank1" := vendor_rank1,
           "shared_third_party" := shared_third_party, "competitors" := competitors, "rivals" := rivals,
           "shared_debtors" := shared_debtors, "placeholder" := placeholder,
           "line_type" := line_type, "prepaid" := prepaid, "consent" := consent,
           "z" := round(z, 5), "p_model" := round(p, 5), "model" := $model_version
       )) AS factors,
       -- the model's inputs, typed, in the order of run_model_inputs.names (09_write_clear.sql):
       -- as JSON they were two thirds of factors and most of this insert's cost
       {{feature_list}} AS model_inputs,
       status AS resolved_status, reasons AS resolved_reasons, false AS on_hold,
       CAST(NULL AS VARCHAR) AS dial_mode,
       CASE WHEN contact_type = 'phone' THEN consent END AS consent_autodialer,
       extension, tz_area_code, tz_conflict, tz_zones, relationship, party_name
-- clustered by account: explain and the review page read one account, and DuckDB's per-row-group
-- min/max then skips every other row group. The range's rows are sorted as they are in rs_final
-- and the stored columns built from the sorted rows: sorted after building, the sort moved the
-- factors JSON and the model inputs' list of every row (1M rows at 1M accounts: 8.6 -> 7.0-7.6 s).
FROM (
    SELECT * FROM rs_final
    WHERE (CAST($after AS VARCHAR) IS NULL OR account_id > CAST($after AS VARCHAR))
      AND (CAST($upto AS VARCHAR) IS NULL OR account_id <= CAST($upto AS VARCHAR))
    ORDER BY account_id
) AS rs_final;

INSERT INTO contact_support BY NAME
SELECT $run_id AS run_id, e.account_id, e.contact_type, r.contact_key,
       e.rec_id, e.source, e.file_no, e.match_p AS match_probability,
       -- the role of the point it supports (migration 099); the evidence keeps its prefix,
       -- which explain shows
       e.role,
       CASE WHEN e.role = 'third_party' THEN 'third_party:' || e.evidence ELSE e.evidence END AS evidence
FROM rs_evc e
JOIN rs_rep r ON r.pt = e.pt  -- the point's integer key (06_clusters.sql)
-- no third-party point that is the debtor's own, no support for it (08_finalize.sql)
ANTI JOIN rs_tp_own o
       ON e.role = 'third_party' AND o.account_id = e.account_id
      AND o.contact_type = e.contact_type AND o.contact_key = r.contact_key
WHERE (CAST($after AS VARCHAR) IS NULL OR e.account_id > CAST($after AS VARCHAR))
  AND (CAST($upto AS VARCHAR) IS NULL OR e.account_id <= CAST($upto AS VARCHAR))
  AND (CAST($after AS VARCHAR) IS NULL OR r.account_id > CAST($after AS VARCHAR))
  AND (CAST($upto AS VARCHAR) IS NULL OR r.account_id <= CAST($upto AS VARCHAR))
ORDER BY e.account_id;  -- clustered by account, as contact_points
