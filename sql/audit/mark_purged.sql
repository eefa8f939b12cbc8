-- Input files whose raw rows a purge removed stop counting as loaded: ingest skips a file whose
-- checksum is *loaded*, so a re-delivery of a purged file loads again instead of being skipped
-- with 0 rows read (and the run then publishing a delta that removes everything).
-- Superseded files keep their status.
UPDATE input_files SET status = 'purged'
WHERE status = 'loaded' AND list_contains($file_nos, file_no);
