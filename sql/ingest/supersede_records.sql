-- A record delivered again: a loaded row of this file whose record_id is already current from
-- an earlier file of the same source (overlapping weekly extracts, a vendor's corrected batch
-- under a new name). The later delivery wins: the earlier row stops being current
-- (superseded_records, migration 113; the current_* views hide it while this file is loaded),
-- so the record counts once as evidence and its latest version is the one matched. To the
-- incremental match, standardize and resolve the earlier row is a removed record and the new
-- one a new record, as for a superseded file (rec_id is file and line).
-- A quarantined row supersedes nothing: the earlier version stays. {stage} is the file's TEMP
-- staging table, bound by sources/ingest.py.
INSERT INTO superseded_records (rec_id, superseded_by)
SELECT r.rec_id, $file_no
FROM current_source_records r
WHERE r.source = $source AND r.file_no <> $file_no
  AND r.record_id IN (SELECT record_id FROM {stage} WHERE reason IS NULL);

-- How many, and from which files (for the file's message).
SELECT count(*) AS n, list(DISTINCT rec_id // $rec_id_factor ORDER BY rec_id // $rec_id_factor) AS files
FROM superseded_records WHERE superseded_by = $file_no;
