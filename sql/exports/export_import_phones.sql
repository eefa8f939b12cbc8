-- import_phones.csv: a generic collections-system phone import layout.
-- type: cell unless proven landline (TCPA: a wrong "home" lets the dialer autodial a cell);
-- status from confidence bands ($good / $bad) and validity; low-confidence numbers are held
-- for verification ($verify); consent flags follow the TCPA decision (dial_mode).
WITH best_src AS (
    SELECT s.account_id, s.contact_key,
           first(s.source ORDER BY s.match_probability * coalesce(f.reliability, 0.5) DESC, s.source) AS source
    FROM contact_support s LEFT JOIN input_files f ON f.file_no = s.file_no
    WHERE s.run_id = $run_id AND s.contact_type = 'phone' AND s.rec_id IS NOT NULL
      AND NOT starts_with(s.evidence, 'third_party')
    GROUP BY ALL
)
SELECT cp.account_id AS account_number,
       CAST(row_number() OVER (PARTITION BY cp.account_id ORDER BY cp.rank) AS INTEGER) AS sequence,
       cp.phone, cp.extension,
       CASE WHEN cp.phone_type = 'landline' THEN 'home' ELSE 'cell' END AS phone_type,
       CASE WHEN NOT coalesce(CAST(json_extract(cp.factors, '$.valid') AS BOOLEAN), true)
                 OR cp.confidence < $bad THEN 'bad'
            WHEN cp.confidence >= $good THEN 'good'
            ELSE 'unknown' END AS status,
       CASE WHEN coalesce(cp.on_hold, false) OR cp.confidence < $verify THEN 'Y' ELSE 'N' END AS on_hold,
       coalesce(b.source, CASE WHEN cp.sources = 'accounts' THEN 'on file' END, cp.sources) AS source,
       CAST($as_of AS DATE) AS date_added,
       'Y' AS consent_manual,
       CASE WHEN cp.dial_mode = 'autodialer' THEN 'Y' ELSE 'N' END AS consent_autodialer,
       CASE WHEN cp.dial_mode = 'autodialer' AND coalesce(cp.consent_autodialer, false) THEN 'Y' ELSE 'N' END AS consent_text,
       cp.time_zone,
       cp.confidence,
       cp.status AS contact_status
FROM contact_points cp
LEFT JOIN best_src b ON b.account_id = cp.account_id AND b.contact_key = cp.contact_key
WHERE cp.run_id = $run_id AND cp.role = 'debtor' AND cp.contact_type = 'phone'
  AND cp.status <> 'suppressed'
ORDER BY account_number, sequence
