-- 026: who looked at personal data in clear, and when.
-- `skiptrace rejects` shows quarantined raw lines with every letter and digit masked; with
-- `--unmasked` it shows them as received (names, dates of birth, phones, emails). That is
-- allowed for an operator fixing a feed, but it must leave a trace an auditor can read: one row
-- per use, written before anything is shown. Additive: a new table.

CREATE TABLE IF NOT EXISTS pii_access_log (
    accessed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    os_user      VARCHAR,            -- the operating-system account that ran the command
    host         VARCHAR,
    command      VARCHAR NOT NULL,   -- e.g. 'rejects --unmasked'
    run_id       VARCHAR,            -- the run whose data was shown (NULL = all runs)
    rows_shown   BIGINT
);
