-- 018: results pushed into the collections system's PostgreSQL, and collectors' outcomes back.
-- Additive only: two new tables; nothing earlier changes meaning.

-- One row per push of a run into a PostgreSQL database (flows/exports/push.py). The same run
-- is recorded on the other side in skiptrace_runs. `target` is the URL with its password
-- masked: this table is read by people and reports. status: completed | failed.
CREATE TABLE IF NOT EXISTS pushes (
    run_id        VARCHAR,
    target        VARCHAR,
    started_at    TIMESTAMP,
    ended_at      TIMESTAMP,
    status        VARCHAR,
    contacts      BIGINT,     -- contact rows sent (after one row per account, type and key)
    inserted      BIGINT,     -- new rows in skiptrace_contacts
    updated       BIGINT,     -- rows whose content changed
    retired       BIGINT,     -- rows no longer in the run, marked inactive and not callable
    flags         BIGINT,
    suppressions  BIGINT,
    seconds       DOUBLE,
    message       VARCHAR
);

-- Dispositions collectors recorded against a contact (pulled from PostgreSQL's
-- contact_outcomes or loaded from an `outcomes` source file). `contact` is as the collections
-- system wrote it; `contact_key` is its normalized form (E.164 phone, lowercased email, or the
-- address key skiptrace pushed), the key contact_points use. `origin` says where the row came
-- from ('postgres' or the source name) and `origin_id` its id there: a re-pull replaces, never
-- duplicates.
CREATE TABLE IF NOT EXISTS contact_outcomes (
    origin        VARCHAR,
    origin_id     VARCHAR,
    account_id    VARCHAR,
    contact_type  VARCHAR,    -- phone | address | email
    contact       VARCHAR,
    contact_key   VARCHAR,
    outcome       VARCHAR,    -- right_party | wrong_number | disconnected | no_answer | returned_mail
                              -- | moved | deceased_confirmed | cease_and_desist | dispute | attorney
    outcome_date  DATE,
    agent         VARCHAR,
    loaded_at     TIMESTAMP
);
