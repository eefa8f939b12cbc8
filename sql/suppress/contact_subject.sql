-- The contact subject of contact-scope rules (sp_contact): every contact point of the run with
-- its account's subject columns and where the consumer is (for calling windows and state rules).
CREATE OR REPLACE TEMP TABLE sp_contact AS
WITH consumer AS (
    -- where the consumer is: best current debtor address, else the state on file
    SELECT account_id, first(state ORDER BY rank) AS state
    FROM contact_points
    WHERE run_id = $run_id AND role = 'debtor' AND contact_type = 'address'
      AND coalesce(resolved_status, status) <> 'on_file' AND state IS NOT NULL
    GROUP BY account_id
)
SELECT s.*,
       cp.contact_type, cp.contact_key, cp.role, cp.rank, cp.confidence,
       coalesce(cp.resolved_status, cp.status) AS status,
       cp.phone_type AS line_type, cp.consent_autodialer, cp.state, cp.zip,
       cp.time_zone, cp.tz_area_code, coalesce(cp.tz_conflict, false) AS tz_conflict,
       coalesce(CAST(json_extract(cp.factors, '$.on_file') AS BOOLEAN), false) AS on_file,
       coalesce(CAST(json_extract(cp.factors, '$.moved_from') AS BOOLEAN), false) AS moved_from,
       coalesce(CAST(json_extract(cp.factors, '$.ncoa_no_forward') AS BOOLEAN), false) AS ncoa_no_forward,
       coalesce(c.state, s.file_state) AS consumer_state
FROM contact_points cp
JOIN sp_account s ON s.account_id = cp.account_id
LEFT JOIN consumer c ON c.account_id = cp.account_id
WHERE cp.run_id = $run_id;
