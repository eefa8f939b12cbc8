-- 008: lineage an auditor can follow, and the retention purge that must not break it.
-- Additive only: new tables and views; nothing earlier changes meaning.

-- The input files that were current ('loaded') when a run ingested: the exact input set a run
-- saw. input_files.status changes as later deliveries supersede files, so without this table a
-- past run's inputs (needed for replay and for retention's "last use") could not be recovered.
-- Written by flows.lineage.record_run_inputs at the end of ingest.
CREATE TABLE IF NOT EXISTS run_inputs (
    run_id   VARCHAR,
    file_no  BIGINT
);

-- One row per input file whose raw rows the retention purge removed (Reg F 12 CFR 1006.100:
-- keep records until three years after the last collection activity). The lineage summary stays;
-- this log says what went, when, and under which cutoff.
CREATE TABLE IF NOT EXISTS purge_log (
    purged_at             TIMESTAMP,
    file_no               BIGINT,
    source                VARCHAR,
    file_name             VARCHAR,
    sha256                VARCHAR,
    last_used_run         VARCHAR,
    last_used_at          TIMESTAMP,
    retention             VARCHAR,    -- the period as given, e.g. '3y'
    cutoff                TIMESTAMP,  -- files last used before this were purged
    accounts_rows         BIGINT,
    source_records_rows   BIGINT,
    source_contacts_rows  BIGINT,
    quarantine_lines      BIGINT,     -- raw_line cleared (reason and line number kept)
    derived_rows          BIGINT      -- rec_std / rec_phones / acct_std / acct_phones rows removed
);

-- When each input file was last used. A use is a run that had it in run_inputs, a run whose
-- contacts cite it (covers runs from before run_inputs existed) or the run that loaded it.
-- Retention counts from last_used_at; purged_at is set once its raw rows are gone.
CREATE OR REPLACE VIEW input_file_usage AS
WITH uses AS (
    SELECT ri.file_no, r.run_id, coalesce(r.ended_at, r.started_at) AS used_at
    FROM run_inputs ri JOIN runs r USING (run_id)
    UNION ALL
    SELECT s.file_no, r.run_id, coalesce(r.ended_at, r.started_at) AS used_at
    FROM (SELECT DISTINCT run_id, file_no FROM contact_support) s JOIN runs r USING (run_id)
    UNION ALL
    SELECT file_no, run_id, loaded_at AS used_at FROM input_files
),
purged AS (SELECT file_no, max(purged_at) AS purged_at FROM purge_log GROUP BY file_no)
SELECT
    f.file_no,
    arg_max(u.run_id, u.used_at) AS last_used_run,
    max(u.used_at)               AS last_used_at,
    count(DISTINCT u.run_id)     AS runs_used,
    any_value(p.purged_at)       AS purged_at
FROM input_files f
LEFT JOIN uses u USING (file_no)
LEFT JOIN purged p USING (file_no)
GROUP BY f.file_no;

-- One row per (contact point, supporting record): the chain an auditor asks for, from the
-- emitted value back to the delivered file. Support with rec_id NULL is the account export
-- itself (the contact was on file); its "record" is the account's line in that file.
-- record_found is true when the raw record still exists, or its file was purged under retention
-- (then purged_at says when).
CREATE OR REPLACE VIEW contact_lineage AS
WITH acct_lines AS (
    SELECT file_no, account_id, min(line_no) AS line_no FROM accounts GROUP BY file_no, account_id
),
purged AS (SELECT file_no, max(purged_at) AS purged_at FROM purge_log GROUP BY file_no)
SELECT
    cp.run_id,
    cp.account_id,
    cp.contact_type,
    cp.contact_key,
    cp.role,
    cp.rank,
    cp.status,
    cp.confidence,
    cs.rec_id,
    cs.source,
    cs.file_no,
    cs.evidence,
    cs.match_probability                         AS support_probability,
    -- the source's record id; else (account line, or a purged record) '<file name>:<line>'
    coalesce(sr.record_id, f.file_name || ':' || coalesce(al.line_no, cs.rec_id % 10000000000))
                                                 AS record_id,
    coalesce(sr.line_no, al.line_no, cs.rec_id % 10000000000) AS line_no,
    f.kind                                       AS file_kind,
    f.file_name,
    f.sha256,
    f.received_at,
    f.loaded_at,
    f.permissible_purpose,
    f.reliability,
    mp.match_probability,
    mp.match_weight,
    mp.role                                      AS match_role,
    mp.guard,
    cs.run_id IS NOT NULL                        AS supported,
    f.file_no IS NOT NULL                        AS file_found,
    (sr.rec_id IS NOT NULL OR (cs.rec_id IS NULL AND al.line_no IS NOT NULL)
        OR (p.purged_at IS NOT NULL AND cs.file_no IS NOT NULL)) AS record_found,
    p.purged_at
FROM contact_points cp
LEFT JOIN contact_support cs
       ON cs.run_id = cp.run_id AND cs.account_id = cp.account_id
      AND cs.contact_type = cp.contact_type AND cs.contact_key = cp.contact_key
LEFT JOIN source_records sr ON sr.rec_id = cs.rec_id
LEFT JOIN acct_lines al ON cs.rec_id IS NULL AND al.file_no = cs.file_no AND al.account_id = cs.account_id
LEFT JOIN input_files f ON f.file_no = cs.file_no
LEFT JOIN match_pairs mp
       ON mp.run_id = cs.run_id AND mp.account_id = cs.account_id AND mp.rec_id = cs.rec_id
LEFT JOIN purged p ON p.file_no = cs.file_no;

-- Contact points whose lineage does not reach an input file and a record through one support
-- row. Must be empty for every run: `SELECT * FROM contact_lineage_gaps WHERE run_id = ?`.
CREATE OR REPLACE VIEW contact_lineage_gaps AS
SELECT
    run_id, account_id, contact_type, contact_key, role, status,
    CASE
        WHEN NOT bool_or(supported) THEN 'no_support'
        WHEN NOT bool_or(file_found) THEN 'no_input_file'
        ELSE 'no_record'
    END AS gap
FROM contact_lineage
GROUP BY run_id, account_id, contact_type, contact_key, role, status
HAVING NOT coalesce(bool_or(file_found AND record_found), false);
