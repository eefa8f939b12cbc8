-- 113: what is current is decided per row, not only per file: a record delivered again by a
-- later file of its source, and an account a snapshot export could not read.
--
-- Why (duplicate-delivery audit): a file was skipped only when its delivered bytes had a sha256
-- already loaded, so the same extract gzipped, gzipped at another level or with CRLF line ends
-- loaded a second time, and overlapping weekly extracts loaded their common records twice:
-- every record counted twice as evidence (43 contacts' confidence rose from 0.33 to 0.90). And a
-- snapshot account export whose row for an account was quarantined (a quoted line break in an
-- address) closed that account: it left current_accounts with its old file, exit 0.
--
-- * input_files.content_sha256: the sha256 of the file's text once gunzipped, without a UTF-8
--   BOM and with its line ends made LF (sources/ingest.py content_fingerprint). A file whose
--   content is already loaded is skipped like identical bytes. NULL for files loaded before.
-- * superseded_records: a source record (rec_id) whose record_id a later file of the same source
--   delivered again. The later delivery wins: the earlier row stops being current while the
--   superseding file is loaded (a refused run's file supersedes nothing; revert_run.sql needs no
--   change; a replay that sets the later file aside sees the earlier row again).
-- * kept_accounts: an account row of an earlier file that a snapshot account export keeps
--   current because the account's row in it was quarantined; current while the keeping file is
--   loaded and the row's own file is not.
-- The current_* views read both. Rows are still never deleted or changed.

ALTER TABLE input_files ADD COLUMN IF NOT EXISTS content_sha256 VARCHAR;

CREATE TABLE IF NOT EXISTS superseded_records (
    rec_id        BIGINT NOT NULL,   -- the earlier row (source_records / source_contacts)
    superseded_by BIGINT NOT NULL    -- file_no of the file that delivered its record_id again
);

CREATE TABLE IF NOT EXISTS kept_accounts (
    file_no    BIGINT  NOT NULL,     -- the kept row (accounts.file_no, line_no)
    line_no    BIGINT  NOT NULL,
    account_id VARCHAR NOT NULL,
    kept_by    BIGINT  NOT NULL      -- file_no of the snapshot whose row for it was quarantined
);

CREATE OR REPLACE VIEW current_accounts AS
SELECT a.* EXCLUDE (rn) FROM (
    SELECT a.*, row_number() OVER (PARTITION BY a.account_id ORDER BY a.file_no DESC, a.line_no DESC) AS rn
    FROM (
        SELECT a.* FROM accounts a JOIN input_files f USING (file_no) WHERE f.status = 'loaded'
        UNION ALL
        SELECT a.* FROM kept_accounts k
        JOIN input_files keeper ON keeper.file_no = k.kept_by AND keeper.status = 'loaded'
        JOIN input_files f ON f.file_no = k.file_no AND f.status <> 'loaded'
        JOIN accounts a ON a.file_no = k.file_no AND a.line_no = k.line_no
    ) a
) a WHERE rn = 1;

CREATE OR REPLACE VIEW current_source_records AS
SELECT r.* FROM source_records r JOIN input_files f USING (file_no)
ANTI JOIN (
    SELECT s.rec_id FROM superseded_records s
    JOIN input_files b ON b.file_no = s.superseded_by AND b.status = 'loaded'
) s ON s.rec_id = r.rec_id
WHERE f.status = 'loaded';

CREATE OR REPLACE VIEW current_source_contacts AS
SELECT c.* FROM source_contacts c JOIN input_files f USING (file_no)
ANTI JOIN (
    SELECT s.rec_id FROM superseded_records s
    JOIN input_files b ON b.file_no = s.superseded_by AND b.status = 'loaded'
) s ON s.rec_id = c.rec_id
WHERE f.status = 'loaded';
