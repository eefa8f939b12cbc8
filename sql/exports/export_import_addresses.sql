-- import_addresses.csv: a generic collections-system address import layout.
-- status bad when USPS says the consumer moved away or a do-not-mail rule names the address
-- (Reg F 1006.42: no mail there), or confidence is below $bad; on hold when a rule holds it or
-- confidence is below $verify (contact_usability, point_macros.sql: the push writes the same
-- decision as not callable); primary = best address; correspondence = primary, not bad, not on
-- hold.
-- source = the most reliable independent source; confirmation_source = the others ('on file'
-- when the account file agrees). on_hold_reason says why a held row is held; date_added is the
-- as-of date of the first run that emitted the address for the account; zip in one format
-- ($zip_format, point_macros.sql).
WITH sup AS (
    SELECT s.account_id, s.contact_key,
           -- the best supporting source (export_macros.sql)
           arg_min(s.source, export_source_rank(s.match_probability, f.reliability, s.source))
               FILTER (WHERE s.rec_id IS NOT NULL) AS source,
           -- sorted: the file must be byte-identical when a run is replayed
           array_to_string(list_sort(list_distinct(list(
               CASE WHEN s.rec_id IS NULL THEN 'on file' ELSE s.source END))), ';') AS all_sources
    FROM contact_support s LEFT JOIN input_files f ON f.file_no = s.file_no
    WHERE s.run_id = $run_id AND s.contact_type = 'address' AND s.role = 'debtor'
    GROUP BY ALL
),
base AS (
    SELECT cp.*,
           CAST(row_number() OVER (PARTITION BY cp.account_id ORDER BY cp.rank) AS INTEGER) AS sequence
    FROM contact_usability($run_id, 'address', $bad, $verify) cp  -- point_macros.sql
    WHERE cp.role = 'debtor' AND cp.status <> 'suppressed'
),
first_added AS (SELECT * FROM export_first_added($run_id, 'address')),
st AS (
    SELECT b.*,
           CASE WHEN b.bad THEN 'bad'
                WHEN b.confidence >= $good THEN 'good' ELSE 'unknown' END AS addr_status
    FROM base b
)
SELECT st.account_id AS account_number, st.sequence, st.address_line1, st.address_line2,
       st.city, st.state, export_zip(st.zip, $zip_format) AS zip,
       CASE WHEN starts_with(st.address_line1, 'PO BOX') THEN 'po_box' ELSE 'home' END AS address_type,
       st.addr_status AS status,
       CASE WHEN st.sequence = 1 AND st.addr_status <> 'bad' THEN 'Y' ELSE 'N' END AS "primary",
       CASE WHEN st.sequence = 1 AND NOT st.bad AND NOT st.held THEN 'Y' ELSE 'N' END AS correspondence,
       CASE WHEN st.held THEN 'Y' ELSE 'N' END AS on_hold,
       st.hold_reason AS on_hold_reason,
       coalesce(s.source, 'on file') AS source,
       nullif(array_to_string(list_filter(string_split(s.all_sources, ';'), lambda x: x <> coalesce(s.source, 'on file')), ';'), '') AS confirmation_source,
       coalesce(fa.date_added, CAST($as_of AS DATE)) AS date_added,
       st.confidence,
       st.status AS contact_status,
       st.contact_key  -- last: the stable key (std_line1|zip5) delta.csv's rows carry
FROM st
LEFT JOIN sup s ON s.account_id = st.account_id AND s.contact_key = st.contact_key
LEFT JOIN first_added fa ON fa.account_id = st.account_id AND fa.contact_key = st.contact_key
ORDER BY account_number, st.sequence
