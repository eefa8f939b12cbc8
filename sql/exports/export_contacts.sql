-- contacts.csv / contacts.parquet: the debtor's usable contact points (suppressed ones are not
-- emitted: cease-and-desist, deceased, attorney and paid-in-full accounts emit no debtor
-- contacts). Columns and order are the export contract. `on_hold` (Y/N: a bankruptcy stay, a
-- dispute, a death to verify...; the reason says why, first) came last, after run_id, so a
-- reader that takes the columns by position keeps working. `contact_key` (last, after on_hold) is
-- the point's stable key (std_line1|zip5, E.164, or the normalized e-mail): the displayed text
-- may be re-spelled under it; delta.csv keys its rows on it.
SELECT account_id, contact_type, rank, address_line1, address_line2, city, state, export_zip(zip, $zip_format) AS zip,
       street_number, street_name, unit, phone, phone_type, email, confidence, status, sources,
       first_seen, last_seen, reasons, run_id,
       CASE WHEN coalesce(on_hold, false) THEN 'Y' ELSE 'N' END AS on_hold,
       contact_key
FROM contact_points
WHERE run_id = $run_id AND role = 'debtor' AND status <> 'suppressed'
ORDER BY account_id, contact_type, rank
