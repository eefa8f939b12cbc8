-- Of the files $file_nos (the loaded files a run's skipped deliveries had the same bytes or
-- content as), those an earlier completed run used: in its recorded inputs (run_inputs), or
-- loaded by it (runs from before run_inputs was recorded). A file loaded by a run killed or
-- failed before it completed is not among them: the next run is the first to use it, so for
-- that night it is a new delivery (flows/orchestration/guards.py nothing_new).
SELECT DISTINCT f.file_no
FROM input_files f
JOIN runs r ON r.status = 'completed' AND r.run_id <> $run_id
 AND (r.run_id = f.run_id
      OR EXISTS (SELECT 1 FROM run_inputs ri WHERE ri.run_id = r.run_id AND ri.file_no = f.file_no))
WHERE list_contains($file_nos::BIGINT[], f.file_no);
