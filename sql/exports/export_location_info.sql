-- location_info.csv: third-party contacts (relatives, associates) for location information
-- only (FDCPA 1692b / Reg F 1006.10). Kept out of every debtor file.
SELECT account_id, contact_type, rank, relationship, party_name, address_line1, address_line2,
       city, state, export_zip(zip, $zip_format) AS zip, phone, phone_type, email, confidence, sources, first_seen, last_seen,
       CASE WHEN coalesce(on_hold, false) THEN 'Y' ELSE 'N' END AS on_hold, reasons, run_id
FROM contact_points
WHERE run_id = $run_id AND role = 'third_party' AND status <> 'suppressed'
ORDER BY account_id, contact_type, rank
