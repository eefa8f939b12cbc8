-- 001: core tables. Data flows one way:
--   input files -> accounts / source_records / source_contacts (+ quarantine)
--   -> std_* caches -> acct_std / rec_std -> candidate pairs -> match_pairs
--   -> contact_points (+ contact_support, suppressions, account_flags) -> exports.
-- Raw SSNs never enter: ssn_hash is HMAC-SHA256 (hex) under the deployment key, ssn_last4 the
-- last four digits. Lineage tables are append-only and keyed by run_id.

CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,
    flow_run_id   VARCHAR,
    code_version  VARCHAR,
    params        JSON,
    as_of         DATE,
    started_at    TIMESTAMP,
    ended_at      TIMESTAMP,
    status        VARCHAR            -- running | completed | failed
);

CREATE SEQUENCE IF NOT EXISTS file_no_seq START 1;

CREATE TABLE IF NOT EXISTS input_files (
    file_no              BIGINT PRIMARY KEY,   -- small integer; rec_id = file_no * 10^10 + line_no
    run_id               VARCHAR,
    source               VARCHAR,              -- source name from sources.yml, or 'accounts'
    kind                 VARCHAR,              -- accounts | person_records | vendor_batch | ncoa | deceased | bankruptcy
    path                 VARCHAR,
    file_name            VARCHAR,
    sha256               VARCHAR,
    size_bytes           BIGINT,
    received_at          TIMESTAMP,            -- file mtime: when it was delivered to us
    loaded_at            TIMESTAMP,
    permissible_purpose  VARCHAR,
    reliability          DOUBLE,
    record_date_rule     VARCHAR,              -- column name, ISO constant, or 'file_mtime'
    rows_read            BIGINT,
    rows_loaded          BIGINT,
    rows_rejected        BIGINT,
    status               VARCHAR               -- loaded | superseded
);

CREATE TABLE IF NOT EXISTS quarantine (
    run_id    VARCHAR,
    file_no   BIGINT,
    source    VARCHAR,
    path      VARCHAR,
    line_no   BIGINT,          -- physical line in the file, 1-based, header is line 1
    raw_line  VARCHAR,         -- SSN-shaped digit runs masked before storage
    reason    VARCHAR
);

-- One row per loaded account-export line. The current state of an account is its row from the
-- most recently loaded file (view current_accounts).
CREATE TABLE IF NOT EXISTS accounts (
    file_no              BIGINT,
    line_no              BIGINT,
    account_id           VARCHAR NOT NULL,
    first_name           VARCHAR,
    middle_name          VARCHAR,
    last_name            VARCHAR,
    suffix               VARCHAR,
    full_name            VARCHAR,
    ssn_hash             VARCHAR,
    ssn_last4            VARCHAR,
    dob                  DATE,
    dob_ambiguous        BOOLEAN,
    address_line1        VARCHAR,
    address_line2        VARCHAR,
    city                 VARCHAR,
    state                VARCHAR,
    zip                  VARCHAR,
    phone                VARCHAR,
    phone_2              VARCHAR,
    phone_3              VARCHAR,
    phone_consent        BOOLEAN,   -- autodialer/prerecorded consent on file for phone (TCPA)
    phone_2_consent      BOOLEAN,
    phone_3_consent      BOOLEAN,
    email                VARCHAR,
    balance              DOUBLE,
    placed_date          DATE,
    cease_desist         BOOLEAN,
    bankruptcy           BOOLEAN,
    deceased             BOOLEAN,
    attorney_represented BOOLEAN,
    attorney_name        VARCHAR,
    attorney_phone       VARCHAR,
    dispute              BOOLEAN,
    do_not_call          BOOLEAN,
    paid_in_full         BOOLEAN
);

-- One row per source input line (identity side). Kind-specific columns are NULL elsewhere.
CREATE TABLE IF NOT EXISTS source_records (
    rec_id               BIGINT,     -- file_no * 10000000000 + line_no
    file_no              BIGINT,
    line_no              BIGINT,
    source               VARCHAR,
    kind                 VARCHAR,
    record_id            VARCHAR,    -- mapped record_id, else '<file_name>:<line_no>'
    account_id           VARCHAR,    -- vendor_batch echoes the account key
    first_name           VARCHAR,
    middle_name          VARCHAR,
    last_name            VARCHAR,
    suffix               VARCHAR,
    full_name            VARCHAR,
    ssn_hash             VARCHAR,
    ssn_last4            VARCHAR,
    dob                  DATE,
    dob_ambiguous        BOOLEAN,
    address_line1        VARCHAR,    -- split street fields, when mapped, are composed into this
    address_line2        VARCHAR,
    city                 VARCHAR,
    state                VARCHAR,
    zip                  VARCHAR,
    phone                VARCHAR,
    phone_type           VARCHAR,
    email                VARCHAR,
    first_seen           DATE,
    last_seen            DATE,
    record_date          DATE,       -- when the data was last true (record_date rule)
    date_of_death        DATE,
    move_type            VARCHAR,    -- NCOA: I | F | B
    move_effective_date  DATE,
    ncoa_return_code     VARCHAR,    -- A, 00, 01, 02, 03, 05, 14, 19, 91, 92
    bk_chapter           VARCHAR,
    bk_case_number       VARCHAR,
    bk_district          VARCHAR,
    bk_filing_date       DATE,
    bk_discharge_date    DATE,
    bk_dismissal_date    DATE
);

-- Contact candidates carried by source records: vendor_batch groups unpivoted (one row per
-- candidate with its rank), a person record's own address/phone/email (rank 1), the NCOA
-- forwarding address. role = third_party for relatives' / associates' contacts.
CREATE TABLE IF NOT EXISTS source_contacts (
    rec_id         BIGINT,
    file_no        BIGINT,
    source         VARCHAR,
    contact_type   VARCHAR,      -- address | phone | email
    rank           INTEGER,
    role           VARCHAR,      -- debtor | third_party
    relationship   VARCHAR,      -- for third_party: relative, associate, spouse, ...
    party_name     VARCHAR,      -- for third_party: the other person's name
    evidence       VARCHAR,      -- record | vendor_candidate | ncoa_forward
    address_line1  VARCHAR,
    address_line2  VARCHAR,
    city           VARCHAR,
    state          VARCHAR,
    zip            VARCHAR,
    phone          VARCHAR,
    phone_type     VARCHAR,
    carrier        VARCHAR,
    prepaid        BOOLEAN,
    email          VARCHAR,
    first_seen     DATE,
    last_seen      DATE
);

CREATE OR REPLACE VIEW current_accounts AS
SELECT a.* EXCLUDE (rn) FROM (
    SELECT a.*, row_number() OVER (PARTITION BY a.account_id ORDER BY a.file_no DESC, a.line_no DESC) AS rn
    FROM accounts a JOIN input_files f USING (file_no)
    WHERE f.status = 'loaded'
) a WHERE rn = 1;

CREATE OR REPLACE VIEW current_source_records AS
SELECT r.* FROM source_records r JOIN input_files f USING (file_no) WHERE f.status = 'loaded';

CREATE OR REPLACE VIEW current_source_contacts AS
SELECT c.* FROM source_contacts c JOIN input_files f USING (file_no) WHERE f.status = 'loaded';
