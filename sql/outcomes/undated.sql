-- The account facts and opt-outs store.sql stored undated this time (outcomes_new.undated: no date, or one
-- that cannot be read), per reason: how many, and their row ids in delivery order (file:line or
-- outcome_id; never a value), for the run warning. A row stored before is not counted again.
SELECT undated, count(*) AS n, list(origin_id ORDER BY origin_seq) AS ids
FROM outcomes_new
WHERE undated IS NOT NULL
GROUP BY undated
ORDER BY undated;
