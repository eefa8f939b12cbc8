-- Per outcomes file of $origin read by $run_id ($file_names), the rows stored from it (origin_id
-- `<file name>:<line>`, sources/outcomes.py): `stored`, by this run; `unused`, rows no earlier
-- completed run has read. Every run reads the outcomes stored before it, so a row was used by
-- a completed run when one started at or after the run that stored it (run ids sort by start);
-- rows of a run killed or failed after storing them stay unused until a run completes. A file
-- with no unused row was wholly stored and used before: a re-sent file, nothing new.
SELECT f.file_name,
       count(o.origin_id) FILTER (WHERE o.run_id = $run_id) AS stored,
       count(o.origin_id) FILTER (
           WHERE o.run_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM runs c
               WHERE c.status = 'completed' AND c.run_id >= o.run_id AND c.run_id <> $run_id)
       ) AS unused
FROM (SELECT unnest($file_names::VARCHAR[]) AS file_name) f
LEFT JOIN contact_outcomes o
       ON o.origin = $origin AND starts_with(o.origin_id, f.file_name || ':')
GROUP BY f.file_name;
