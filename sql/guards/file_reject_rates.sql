-- Files run $run_id loaded, with what share of their rows went to quarantine.
SELECT source, file_name, rows_read, rows_rejected,
       rows_rejected / rows_read::DOUBLE AS reject_rate
FROM input_files
WHERE run_id = $run_id AND rows_read > 0
ORDER BY file_no;
