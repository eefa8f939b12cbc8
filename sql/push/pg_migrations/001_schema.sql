-- 001: what skiptrace writes into the collections system's PostgreSQL (docs/push.md).
-- One row per (account_id, contact_type, contact_key): the key the platform merges on. A push
-- upserts the run's rows in one transaction; rows the run no longer has stay, marked inactive
-- and not callable, so the platform's history of a number is never deleted by skiptrace.

CREATE TABLE IF NOT EXISTS skiptrace_runs (
    run_id        text PRIMARY KEY,
    as_of         date NOT NULL,
    pushed_at     timestamptz NOT NULL DEFAULT now(),
    contacts      bigint NOT NULL,
    callable      bigint NOT NULL,
    suppressed    bigint NOT NULL,
    flags         bigint NOT NULL,
    suppressions  bigint NOT NULL,
    code_version  text
);

CREATE TABLE IF NOT EXISTS skiptrace_contacts (
    account_id          text NOT NULL,
    contact_type        text NOT NULL CHECK (contact_type IN ('address', 'phone', 'email')),
    contact_key         text NOT NULL,   -- normalized value: E.164, lowercased email, address key
    role                text NOT NULL,   -- debtor | third_party (location information only)
    rank                integer,
    address_line1       text,
    address_line2       text,
    city                text,
    state               text,
    zip                 text,
    phone               text,
    phone_type          text,
    email               text,
    confidence          double precision,
    status              text NOT NULL,   -- new | confirmed | on_file | suppressed | retired
    callable            boolean NOT NULL,
    on_hold             boolean NOT NULL DEFAULT false,
    dial_mode           text,            -- autodialer | manual (TCPA)
    suppression_reason  text,            -- the rules that took it out of use, in words
    reasons             text,
    sources             text,
    time_zone           text,
    first_seen          date,
    last_seen           date,
    active              boolean NOT NULL, -- in the last pushed run
    run_id              text NOT NULL,    -- the run that last changed this row
    first_run_id        text NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, contact_type, contact_key),
    -- a suppressed, held, retired or third-party contact is never callable
    CONSTRAINT callable_only_when_usable CHECK (
        NOT callable OR (status NOT IN ('suppressed', 'retired') AND NOT on_hold
                         AND role = 'debtor' AND active)
    )
);

CREATE TABLE IF NOT EXISTS skiptrace_flags (
    account_id  text NOT NULL,
    flag        text NOT NULL,           -- deceased | bankruptcy | moved
    confidence  double precision,
    evidence    text,
    active      boolean NOT NULL,
    run_id      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, flag)
);

-- Account-wide decisions have contact_type and contact_key '' (a key column cannot be NULL).
CREATE TABLE IF NOT EXISTS skiptrace_suppressions (
    account_id    text NOT NULL,
    contact_type  text NOT NULL,
    contact_key   text NOT NULL,
    rule          text NOT NULL,
    action        text NOT NULL,
    reason        text,
    regulation    text,
    active        boolean NOT NULL,
    run_id        text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, contact_type, contact_key, rule)
);

-- Written by the collections system, read by skiptrace at the start of a run.
CREATE TABLE IF NOT EXISTS contact_outcomes (
    outcome_id    bigserial PRIMARY KEY,
    account_id    text NOT NULL,
    contact_type  text CHECK (contact_type IN ('address', 'phone', 'email')),
    contact       text NOT NULL,         -- phone or email as dialled / sent, or the contact_key
    outcome       text NOT NULL CHECK (outcome IN (
                      'right_party', 'wrong_number', 'disconnected', 'no_answer', 'returned_mail',
                      'moved', 'deceased_confirmed', 'cease_and_desist', 'dispute', 'attorney')),
    outcome_date  date NOT NULL,
    agent         text,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS contact_outcomes_account ON contact_outcomes (account_id);
