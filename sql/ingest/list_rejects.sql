-- `skiptrace rejects [--run ID] [--unmasked]`: quarantined rows, the newest run's first (under
-- the command's 50-row default a user sees what the last run quarantined), then in file and
-- line order.
-- The raw line is stored with SSN-shaped runs masked; names, dates of birth, phones and emails
-- are still in it. Unless $unmasked, every letter becomes '*' and every digit '#': delimiters,
-- spaces and punctuation stay, so the line keeps its shape (field count, empty fields, a date
-- written 12/31/1980 vs 1980-12-31, letters where digits belong) without its content.
SELECT q.run_id, q.file_no, q.source, f.file_name, q.path, q.line_no, q.reason,
       CASE WHEN $unmasked::BOOLEAN THEN q.raw_line
            ELSE regexp_replace(regexp_replace(q.raw_line, '\pL', '*', 'g'), '\pN', '#', 'g')
       END AS raw_line
FROM quarantine q
LEFT JOIN input_files f USING (file_no)
LEFT JOIN runs r ON r.run_id = q.run_id
WHERE $run_id::VARCHAR IS NULL OR q.run_id = $run_id::VARCHAR
ORDER BY r.started_at DESC NULLS LAST, q.run_id DESC, q.file_no, q.line_no;
