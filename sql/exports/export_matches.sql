-- matches.csv: every scored link of the run with the record it points at (lineage).
SELECT m.account_id, m.source, coalesce(r.record_id, CAST(m.rec_id AS VARCHAR)) AS record_id,
       round(m.match_probability, 6) AS match_probability, m.role, m.run_id
FROM match_pairs m
LEFT JOIN source_records r ON r.rec_id = m.rec_id
WHERE m.run_id = $run_id
ORDER BY m.account_id, m.match_probability DESC, record_id
