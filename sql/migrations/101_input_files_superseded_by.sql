-- input_files.superseded_by: the file whose load made this one stop being current.
--
-- Why: a delivery a safety check refuses (most rows rejected, too many accounts gone) must leave
-- the database as it found it, so that putting the right file back, or re-running with
-- --allow-shrink, starts from the state before the refused run. Its own files become 'refused'
-- (sql/ingest/revert_run.sql), and the files they superseded, found by this column, current
-- again. Earlier supersessions have no recorded successor and stay as they are.
ALTER TABLE input_files ADD COLUMN superseded_by BIGINT;
