-- The rows store.sql did not store (outcomes_typed.skipped), per reason: how many, and their
-- row ids in delivery order (file:line or outcome_id; never a value), for the run warning.
SELECT skipped, count(*) AS n, list(origin_id ORDER BY origin_seq) AS ids
FROM outcomes_typed
WHERE skipped IS NOT NULL
GROUP BY skipped
ORDER BY skipped;
