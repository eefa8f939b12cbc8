-- A snapshot account export (profile `delivery: snapshot`) closes every account it does not carry
-- (supersede_snapshot.sql). An account whose row in it was quarantined is not missing from it:
-- its row could not be read (a quoted line break in an address splits it over two physical
-- lines, both quarantined). Closing it would drop a live account and mark its contacts removed
-- in delta.csv, so its previous version stays current (kept_accounts, migration 113) until a
-- later export carries it readably, or without it.
-- Run before the earlier account files are superseded: current_accounts is still the state
-- before this file. {stage} is the file's TEMP staging table, bound by sources/ingest.py;
-- `raw_lines` SELECTs (line_no, raw) of the file's lines as read (unmasked, in memory only),
-- `raw_account_id` reads the account-id field from the start of `raw` when the row could not be
-- split into fields, `odd_quotes` is true when `raw` has an odd number of quote characters.

-- The quarantined rows and the account id each names. A row's physical lines after its first
-- (those inside a quoted field its earlier lines opened: an odd count of quotes before them in
-- a run of consecutive quarantined lines) are `continues` and name no account of their own.
CREATE OR REPLACE TEMP TABLE _snapshot_quarantined AS
WITH q AS (
    SELECT s.line_no, coalesce(s.account_id, {{raw_account_id}}) AS account_id,
           {{odd_quotes}} AS odd
    FROM {stage} s JOIN ({{raw_lines}}) r USING (line_no)
    WHERE s.reason IS NOT NULL
),
runs AS (SELECT *, line_no - row_number() OVER (ORDER BY line_no) AS run FROM q)
SELECT line_no, account_id,
       coalesce(sum(odd::INTEGER) OVER (PARTITION BY run ORDER BY line_no
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) % 2 = 1 AS continues
FROM runs;

-- The current row of every account the snapshot has a quarantined row for and no loaded one.
INSERT INTO kept_accounts (file_no, line_no, account_id, kept_by)
SELECT c.file_no, c.line_no, c.account_id, $file_no
FROM current_accounts c
WHERE c.account_id IN (SELECT account_id FROM _snapshot_quarantined WHERE account_id IS NOT NULL)
  AND c.account_id NOT IN (
      SELECT account_id FROM {stage} WHERE reason IS NULL AND account_id IS NOT NULL);

-- kept: accounts kept so; closing: the other current accounts the snapshot does not carry (it
-- closes them); unknown: quarantined rows (first lines) whose account id cannot be read, any of
-- which may be one of the closing accounts.
SELECT
    (SELECT count(*) FROM kept_accounts WHERE kept_by = $file_no) AS kept,
    (SELECT count(DISTINCT c.account_id) FROM current_accounts c
     WHERE c.account_id NOT IN (
               SELECT account_id FROM {stage} WHERE reason IS NULL AND account_id IS NOT NULL)
       AND c.account_id NOT IN (SELECT account_id FROM kept_accounts WHERE kept_by = $file_no)
    ) AS closing,
    (SELECT count(*) FROM _snapshot_quarantined WHERE account_id IS NULL AND NOT continues)
        AS unknown;
