-- Flags of run $run_id that need a person: disputed ones (a flag named '*_disputed', e.g.
-- deceased_disputed) and held ones (a name containing 'held' or 'hold'), with their evidence.
SELECT f.account_id, f.flag, f.confidence, f.evidence, f.rec_id, r.source, r.record_id,
       count(*) OVER () AS total
FROM account_flags f
LEFT JOIN source_records r ON r.rec_id = f.rec_id
WHERE f.run_id = $run_id
  AND (f.flag LIKE '%\_disputed' ESCAPE '\' OR f.flag LIKE '%held%' OR f.flag LIKE '%hold%')
ORDER BY f.account_id, f.flag
LIMIT $limit OFFSET $offset;
