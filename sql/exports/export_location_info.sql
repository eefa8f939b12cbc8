-- location_info.csv: third-party contacts (relatives, associates) for location information
-- only (FDCPA 1692b / Reg F 1006.10). Kept out of every debtor file. A third party's contact
-- that is also one of the debtor's own contact points on the account (a spouse reported at the
-- debtor's address, a household line) is left out: it is not a third party's, and calling or
-- writing there is communicating with the consumer, who may have asked the agency to stop or
-- be represented (the debtor's own point carries that decision: 1692c(c), 1692c(a)(2)).
-- Resolve no longer writes such a point (08_finalize.sql); the check stays for the runs an
-- earlier version wrote, which a re-export or a replay may read.
SELECT account_id, contact_type, rank, relationship, party_name, address_line1, address_line2,
       city, state, export_zip(zip, $zip_format) AS zip, phone, phone_type, email, confidence, sources, first_seen, last_seen,
       CASE WHEN coalesce(on_hold, false) THEN 'Y' ELSE 'N' END AS on_hold, reasons, run_id,
       contact_key  -- last: the stable key delta.csv's third-party rows carry
FROM contact_points t
WHERE run_id = $run_id AND role = 'third_party' AND status <> 'suppressed'
  AND NOT EXISTS (
      SELECT 1 FROM contact_points d
      WHERE d.run_id = $run_id AND d.role = 'debtor' AND d.account_id = t.account_id
        AND d.contact_type = t.contact_type AND d.contact_key = t.contact_key)
ORDER BY account_id, contact_type, rank
