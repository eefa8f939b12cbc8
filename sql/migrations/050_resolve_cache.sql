-- 050: resolve's evidence cache and a log of how each resolve was computed (issue 20).
-- Additive only: new tables; nothing earlier changes meaning.
--
-- Resolve splits into an evidence part (links -> raw evidence -> standardized evidence ->
-- address variants and their clusters), a pure function of an account's link set, its linked
-- records and its on-file contacts, and a scoring part that reads what moves every run for
-- everyone (as-of date, re-scored match probabilities, source reliability, outcomes). The
-- cache holds the evidence part's output per account, as of one *data state*: like the match
-- cache it is rewritten in the same transaction as the run's contact_points, so it is true of
-- the data that run saw whether or not the run completed later. Dropping the rows of these
-- tables only makes the next resolve a full one (docs/scaling.md, "Incremental resolve").
-- The evidence rows hold contact data (addresses, phones, e-mails, as contact_points does), no
-- SSN and no date of birth.

-- One row: what the cached state was computed with (hash of resolve settings, confidence model,
-- resolve SQL, matcher and standardizer versions, rules file). Another key = a full resolve.
CREATE TABLE IF NOT EXISTS resolve_cache_state (
    state_key      VARCHAR,
    run_id         VARCHAR,     -- the resolve that wrote the state
    accounts       BIGINT,
    evidence_rows  BIGINT,
    variant_rows   BIGINT,
    written_at     TIMESTAMP
);

-- Per account: digest of what its evidence reads (link set with each record's digest, on-file
-- contacts) and of its NCOA forwarding addresses (which depend on the as-of date and on other
-- accounts' households, so they are recomputed every run and only their *result* is compared).
CREATE TABLE IF NOT EXISTS resolve_cache_accounts (
    account_id   VARCHAR,
    digest       UBIGINT,
    ncoa_digest  UBIGINT
);

-- Standardized evidence rows (rs_evs of sql/resolve/03_standardize.sql) without the columns
-- that move between runs (match probability, reliability, report lag, lead probability: joined
-- back from the run's links). c_last_seen is the contact's own last-seen date, from which the
-- report lag is recomputed against the run's report date.
CREATE TABLE IF NOT EXISTS resolve_cache_evidence (
    account_id            VARCHAR,
    role                  VARCHAR,
    contact_type          VARCHAR,
    rec_id                BIGINT,
    source                VARCHAR,
    file_no               BIGINT,
    evidence              VARCHAR,
    src_rank              INTEGER,
    d_first               DATE,
    d_last                DATE,
    c_last_seen           DATE,
    relationship          VARCHAR,
    party_name            VARCHAR,
    consent               BOOLEAN,
    vkey                  VARCHAR,
    std_line1             VARCHAR,
    std_line2             VARCHAR,
    city                  VARCHAR,
    state                 VARCHAR,
    zip5                  VARCHAR,
    place                 VARCHAR,
    zip4                  VARCHAR,
    street_number         VARCHAR,
    predir                VARCHAR,
    street_name           VARCHAR,
    suffix                VARCHAR,
    unit_type             VARCHAR,
    unit_number           VARCHAR,
    quality               VARCHAR,
    e164                  VARCHAR,
    phone_valid           BOOLEAN,
    extension             VARCHAR,
    line_type_ev          VARCHAR,
    line_type_from_source BOOLEAN,
    number_type           VARCHAR,
    tz_phone              VARCHAR,
    prepaid               BOOLEAN,
    email_norm            VARCHAR
);

-- Address variants of each account (rs_var of 05_variants.sql) with their cluster label after
-- merging (rs_lab after 05a/05b).
CREATE TABLE IF NOT EXISTS resolve_cache_variants (
    account_id     VARCHAR,
    role           VARCHAR,
    vkey           VARCHAR,
    street_number  VARCHAR,
    street_name    VARCHAR,
    suffix         VARCHAR,
    predir         VARCHAR,
    zip5           VARCHAR,
    place          VARCHAR,
    city           VARCHAR,
    state          VARCHAR,
    po_box         VARCHAR,
    unit           VARCHAR,
    lab            VARCHAR
);

-- How each resolve was computed, like match_increments for the link step.
CREATE TABLE IF NOT EXISTS resolve_increments (
    run_id                  VARCHAR,
    mode                    VARCHAR,   -- 'full' | 'incremental'
    reason                  VARCHAR,
    base_run_id             VARCHAR,   -- the resolve that wrote the cache used
    accounts                BIGINT,
    accounts_dirty          BIGINT,    -- evidence recomputed
    accounts_new            BIGINT,    -- not in the cache
    accounts_variants_dirty BIGINT,    -- address variants recomputed (dirty + NCOA changed)
    evidence_rows_carried   BIGINT,
    evidence_rows_computed  BIGINT,
    evidence_seconds        DOUBLE,
    scoring_seconds         DOUBLE,
    recorded_at             TIMESTAMP
);
