-- 003: matching, resolution and lineage. Every table is keyed by run_id and append-only:
-- a past run can be explained and replayed from what it wrote.

-- Fellegi-Sunter parameters learned (or reused) by a run.
CREATE TABLE IF NOT EXISTS match_params (
    run_id        VARCHAR,
    comparison    VARCHAR,   -- first_name | last_name | dob | ssn | address | phone | email | ...
    level         INTEGER,   -- 0 = null/no data (weight 0), 1 = else, higher = closer
    label         VARCHAR,   -- 'exact', 'jaro-winkler >= 0.92', 'transposed day/month', ...
    m             DOUBLE,
    u             DOUBLE,
    weight        DOUBLE     -- log2(m/u)
);

CREATE TABLE IF NOT EXISTS match_model (
    run_id            VARCHAR,
    prior             DOUBLE,    -- lambda: P(match) among candidate pairs
    threshold         DOUBLE,    -- probability at or above which a pair links
    matcher_version   VARCHAR,
    em_iterations     INTEGER,
    candidate_pairs   BIGINT,
    trained_on        VARCHAR,   -- 'em' | 'reused:<run_id>'
    blocking_report   JSON
);

-- Every scored candidate pair at or above the review floor; role says how it may be used.
CREATE TABLE IF NOT EXISTS match_pairs (
    run_id             VARCHAR,
    account_id         VARCHAR,
    rec_id             BIGINT,
    source             VARCHAR,
    match_weight       DOUBLE,   -- log2 Bayes factor incl. prior
    match_probability  DOUBLE,
    role               VARCHAR,  -- debtor | associate | rejected
    guard              VARCHAR,  -- wrong-party rule that fired (suffix_conflict, dob_conflict_same_address, spouse_pattern, shared_contact_only) or NULL
    levels             JSON,     -- {"first_name": 3, ...}
    weights            JSON      -- {"first_name": 4.1, ...} partial log2 weights
);

CREATE TABLE IF NOT EXISTS contact_points (
    run_id         VARCHAR,
    account_id     VARCHAR,
    contact_type   VARCHAR,      -- address | phone | email
    contact_key    VARCHAR,      -- std_line1|zip5, e164, or email_norm
    rank           INTEGER,      -- 1 = best of its type for the account (debtor contacts)
    role           VARCHAR,      -- debtor | third_party
    address_line1  VARCHAR,
    address_line2  VARCHAR,
    city           VARCHAR,
    state          VARCHAR,
    zip            VARCHAR,
    street_number  VARCHAR,
    street_name    VARCHAR,
    unit           VARCHAR,
    phone          VARCHAR,
    phone_type     VARCHAR,
    email          VARCHAR,
    time_zone      VARCHAR,
    confidence     DOUBLE,
    status         VARCHAR,      -- new | confirmed | on_file | suppressed
    sources        VARCHAR,      -- ';'-joined source names
    first_seen     DATE,
    last_seen      DATE,
    reasons        VARCHAR,      -- words a collector can read
    factors        JSON          -- confidence factors (match, reliability, recency, corroboration, validity)
);

CREATE TABLE IF NOT EXISTS contact_support (
    run_id            VARCHAR,
    account_id        VARCHAR,
    contact_type      VARCHAR,
    contact_key       VARCHAR,
    rec_id            BIGINT,    -- NULL when the support is the account file itself
    source            VARCHAR,
    file_no           BIGINT,
    match_probability DOUBLE,
    evidence          VARCHAR
);

CREATE TABLE IF NOT EXISTS account_flags (
    run_id      VARCHAR,
    account_id  VARCHAR,
    flag        VARCHAR,     -- deceased | bankruptcy | moved | ...
    confidence  DOUBLE,
    evidence    VARCHAR,
    rec_id      BIGINT
);

CREATE TABLE IF NOT EXISTS suppressions (
    run_id        VARCHAR,
    account_id    VARCHAR,
    contact_type  VARCHAR,   -- NULL = whole account
    contact_key   VARCHAR,
    rule          VARCHAR,   -- rule id from rules YAML
    action        VARCHAR,   -- suppress | hold | manual_dial_only | route_to_attorney | third_party_only
    reason        VARCHAR,
    regulation    VARCHAR
);

CREATE TABLE IF NOT EXISTS exports (
    run_id      VARCHAR,
    kind        VARCHAR,     -- contacts_csv | contacts_parquet | matches | account_flags | delta | worklist | import_phones | ...
    path        VARCHAR,
    sha256      VARCHAR,
    rows        BIGINT,
    written_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS stage_log (
    run_id    VARCHAR,
    stage     VARCHAR,
    seconds   DOUBLE,
    rows_in   BIGINT,
    rows_out  BIGINT
);
