-- Collectors' outcomes into contact_outcomes. Reads the temp table outcomes_in (origin_id,
-- origin_seq, account_id, contact_type, contact, outcome, outcome_date, agent; text but
-- origin_seq) the caller registered. Template (sql.render): `moment_parts` and `moment` are
-- the one date parser's reading of a date with an optional time of day (sources/dates.py
-- moment_sql) over the text date_raw, with the source's date_formats first: the day and the
-- time on the clock of the source's time_zone (outcome_date, outcome_time; migration 114).
--
-- History, not a snapshot: a row is only added, never replaced by a later delivery, so a night
-- without the file or a file of the day's dispositions alone keeps every earlier report. A row
-- delivered again (a cumulative file, a re-sent file, the same line twice) is recognised by its
-- content (outcome_row_key: account, contact type, contact key, outcome, date, agent) and is
-- not stored twice. With $replace (PostgreSQL's pull: the platform's table is the record, read
-- whole) each outcome_id is its own row and the origin's rows the pull no longer holds are
-- deleted, so an outcome corrected or deleted on the platform is corrected here; an unchanged
-- row keeps its loaded_at and run_id.
--
-- contact_key is the form contact_points use: E.164 for a phone (10 digits, or 11 starting 1),
-- email_norm for an email, and for an address the key skiptrace pushed ('LINE|ZIP5'), as the
-- collections system got it in skiptrace_contacts.contact_key. contact_type, when missing, is
-- read from the value: an '@' is an email, digits and phone punctuation a phone, else an address.
-- A row is not stored (outcomes_typed.skipped says why; sources/outcomes.py reports them) without
-- an account or an outcome, with an outcome not in known_outcomes() (sql/outcomes/vocabulary.sql,
-- run first, declares the outcomes and their kinds), or when an outcome about the contact (not a
-- cease-and-desist, attorney, dispute or death: account facts) has a contact that gives no key
-- or no readable date. An account fact without a readable date is stored undated (outcome_date
-- NULL; `undated` says why) and reported: a consumer's
-- cease-and-desist does not stop counting because the dialer garbled its date, and dropping it
-- called the consumer again; suppress/outcomes_account.sql applies it from the as-of date of the
-- run that stored it. A consumer's request not to be contacted at one phone, email or address
-- (`opted_out`) is about the contact, so it needs a contact that gives a key, and is stored
-- undated the same way (suppress/contact_subject.sql applies it).
-- The time is part of the content: a right party at 10:00 and another at 16:00 with a wrong
-- number between them are three reports, and the last one decides (sql/outcomes/latest.sql).
CREATE OR REPLACE TEMP MACRO outcome_row_key(a, t, c, k, o, d, tm, g, s, by_id) AS
    [a, t, coalesce(k, c), o, CAST(d AS VARCHAR), CAST(tm AS VARCHAR), g,
     CASE WHEN by_id THEN CAST(s AS VARCHAR) END];

CREATE OR REPLACE TEMP TABLE outcomes_typed AS
WITH typed AS (
    SELECT CAST(origin_id AS VARCHAR) AS origin_id, CAST(origin_seq AS BIGINT) AS origin_seq,
           nullif(trim(CAST(account_id AS VARCHAR)), '') AS account_id,
           nullif(trim(CAST(contact AS VARCHAR)), '') AS contact,
           nullif(lower(trim(CAST(outcome AS VARCHAR))), '') AS outcome,
           nullif(trim(CAST(outcome_date AS VARCHAR)), '') AS date_raw,
           nullif(trim(CAST(agent AS VARCHAR)), '') AS agent,
           coalesce(nullif(lower(trim(CAST(contact_type AS VARCHAR))), ''),
                    CASE WHEN contains(CAST(contact AS VARCHAR), '@') THEN 'email'
                         WHEN regexp_full_match(trim(CAST(contact AS VARCHAR)), '[0-9 ()+.-]{7,}') THEN 'phone'
                         ELSE 'address' END) AS contact_type
    FROM outcomes_in
),
moment AS (
    SELECT * EXCLUDE (moment_parts, w), w.d AS outcome_date, w.t AS outcome_time
    FROM (SELECT *, {{moment}} AS w
          FROM (SELECT *, {{moment_parts}} AS moment_parts FROM typed))
),
keyed AS (
    SELECT * EXCLUDE (d),
           CASE contact_type
               WHEN 'phone' THEN CASE WHEN length(d) = 10 THEN '+1' || d
                                      WHEN length(d) = 11 AND starts_with(d, '1') THEN '+' || d END
               WHEN 'email' THEN email_norm(contact)
               ELSE upper(contact)
           END AS contact_key
    FROM (SELECT *, regexp_replace(contact, '[^0-9]', '', 'g') AS d,
                 list_contains(account_fact_outcomes(), outcome) AS is_fact,
                 list_contains(opt_out_outcomes(), outcome) AS is_request
          FROM moment)
)
SELECT *,
       CASE WHEN account_id IS NULL THEN 'no account'
            WHEN outcome IS NULL THEN 'no outcome'
            WHEN NOT list_contains(known_outcomes(), outcome) THEN 'unknown outcome'
            WHEN is_fact THEN NULL
            WHEN contact_key IS NULL AND is_request THEN 'no usable contact'
            WHEN is_request THEN NULL
            WHEN date_raw IS NULL THEN 'no date'
            WHEN outcome_date IS NULL THEN 'unreadable date'
            WHEN contact_key IS NULL THEN 'no usable contact'
       END AS skipped,
       CASE WHEN (is_fact OR is_request) AND date_raw IS NULL THEN 'no date'
            WHEN (is_fact OR is_request) AND outcome_date IS NULL THEN 'unreadable date'
       END AS undated,
       outcome_row_key(account_id, contact_type, contact, contact_key, outcome, outcome_date,
                       outcome_time, agent, origin_seq, $replace) AS row_key
FROM keyed;

CREATE OR REPLACE TEMP TABLE outcomes_new AS
SELECT $origin AS origin, n.origin_id, n.origin_seq, n.account_id, n.contact_type, n.contact,
       n.contact_key, n.outcome, n.outcome_date, n.outcome_time, n.agent,
       -- a pulled row the platform corrected keeps when it was first stored: loaded_at breaks
       -- ties on an outcome date before origin_seq (sql/outcomes/latest.sql), and a corrected
       -- right party must not overtake a later wrong number of the same day by being re-pulled
       coalesce(p.loaded_at, current_timestamp) AS loaded_at,
       CAST($run_id AS VARCHAR) AS run_id,
       n.undated  -- for the report (outcomes/undated.sql), not stored
FROM outcomes_typed n
LEFT JOIN (SELECT origin_seq, min(loaded_at) AS loaded_at FROM contact_outcomes
           WHERE origin = $origin AND $replace GROUP BY origin_seq) p
       ON p.origin_seq = n.origin_seq
WHERE n.skipped IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM contact_outcomes o
      WHERE o.origin = $origin
        AND n.row_key = outcome_row_key(o.account_id, o.contact_type, o.contact, o.contact_key,
                                        o.outcome, o.outcome_date, o.outcome_time, o.agent,
                                        o.origin_seq, $replace)
  )
QUALIFY row_number() OVER (PARTITION BY n.row_key ORDER BY n.origin_seq) = 1;

DELETE FROM contact_outcomes o
WHERE o.origin = $origin AND $replace
  AND NOT EXISTS (
      SELECT 1 FROM outcomes_typed n
      WHERE n.skipped IS NULL
        AND n.row_key = outcome_row_key(o.account_id, o.contact_type, o.contact, o.contact_key,
                                        o.outcome, o.outcome_date, o.outcome_time, o.agent,
                                        o.origin_seq, true)
  );

INSERT INTO contact_outcomes BY NAME SELECT * EXCLUDE (undated) FROM outcomes_new;
