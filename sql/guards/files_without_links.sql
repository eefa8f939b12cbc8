-- Files of returns for this portfolio (vendor batches, person records) loaded by this run of
-- which no record became any account's debtor record: a file for another portfolio or client
-- (the vendor answered someone else's batch), or a layout read wrongly. At least $min_rows
-- loaded rows, so a small trickle that found nobody says nothing. Death, bankruptcy, NCOA and
-- other public-record extracts legitimately find nobody on many nights and are not checked.
SELECT f.source, f.file_name, f.kind, f.rows_loaded
FROM input_files f
WHERE f.run_id = $run_id AND f.status = 'loaded'
  AND f.kind IN ('vendor_batch', 'person_records')
  AND f.rows_loaded >= $min_rows
  AND NOT EXISTS (
      SELECT 1 FROM source_records r
      JOIN match_pairs m ON m.rec_id = r.rec_id AND m.run_id = $run_id AND m.role = 'debtor'
      WHERE r.file_no = f.file_no)
ORDER BY f.file_no;
