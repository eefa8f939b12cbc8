-- 002: standardization caches (kept across runs: an incremental refresh parses only new strings)
-- and the standardized identity tables the matcher compares.

-- Key: addr_raw = concat_ws('|', coalesce(line1,''), coalesce(line2,''), coalesce(city,''),
--                          coalesce(state,''), coalesce(zip,'')) exactly as given (no trimming).
CREATE TABLE IF NOT EXISTS std_address_cache (
    addr_raw       VARCHAR PRIMARY KEY,
    street_number  VARCHAR,
    predir         VARCHAR,      -- N S E W NE NW SE SW
    street_name    VARCHAR,      -- uppercase, no punctuation
    suffix         VARCHAR,      -- Pub 28 abbreviation: ST AVE BLVD ...
    postdir        VARCHAR,
    unit_type      VARCHAR,      -- APT STE UNIT FL ... ('#' becomes APT? no: kept as '#' only when no designator, see docs)
    unit_number    VARCHAR,
    po_box         VARCHAR,      -- box number when a PO BOX
    rural_route    VARCHAR,      -- 'RR 2 BOX 5' style
    city           VARCHAR,
    state          VARCHAR,      -- 2-letter, validated
    zip5           VARCHAR,
    zip4           VARCHAR,
    std_line1      VARCHAR,      -- e.g. '123 N MAIN ST APT 4' / 'PO BOX 12'
    std_line2      VARCHAR,      -- reserved (unit goes to line1 per Pub 28), NULL normally
    quality        VARCHAR,      -- ok | no_number | no_street | bad_state | bad_zip | zip_state_mismatch | unparsed | empty
    parser         VARCHAR       -- fast | usaddress
);

-- Key: the phone string as given.
CREATE TABLE IF NOT EXISTS std_phone_cache (
    phone_raw    VARCHAR PRIMARY KEY,
    e164         VARCHAR,        -- '+15551234567', NULL when unparseable
    valid        BOOLEAN,
    extension    VARCHAR,
    area_code    VARCHAR,
    number_type  VARCHAR,        -- mobile | landline | voip | toll_free | fixed_or_mobile | unknown (phonenumbers)
    time_zone    VARCHAR         -- IANA zone from the number's geography, when single
);

-- Key: concat_ws('|', first, middle, last, suffix, full) as given.
CREATE TABLE IF NOT EXISTS std_name_cache (
    name_raw       VARCHAR PRIMARY KEY,
    first_std      VARCHAR,      -- uppercase, no punctuation
    middle_std     VARCHAR,
    last_std       VARCHAR,      -- hyphens/compounds joined by a single space
    suffix_std     VARCHAR,      -- JR SR II III IV V or NULL
    first_canon    VARCHAR,      -- nickname-canonical given name (BOB -> ROBERT)
    last_phonetic  VARCHAR,      -- phonetic key of the surname (for blocking)
    first_phonetic VARCHAR
);

-- Standardized identity, one row per current account and per current source record. Built each
-- run from the raw tables joined to the caches. Phones/emails are long tables (accounts carry up
-- to three phones; vendor rows carry several candidates).
CREATE TABLE IF NOT EXISTS acct_std (
    account_id     VARCHAR,
    first_std      VARCHAR,
    first_canon    VARCHAR,
    middle_initial VARCHAR,
    last_std       VARCHAR,
    last_phonetic  VARCHAR,
    first_phonetic VARCHAR,
    suffix_std     VARCHAR,
    dob            DATE,
    dob_ambiguous  BOOLEAN,
    ssn_hash       VARCHAR,
    ssn_last4      VARCHAR,
    street_number  VARCHAR,
    street_name    VARCHAR,
    unit_number    VARCHAR,
    std_line1      VARCHAR,
    city           VARCHAR,
    state          VARCHAR,
    zip5           VARCHAR,
    phone_e164     VARCHAR,      -- primary phone
    email_norm     VARCHAR
);

CREATE TABLE IF NOT EXISTS rec_std (
    rec_id         BIGINT,
    source         VARCHAR,
    kind           VARCHAR,
    account_id     VARCHAR,      -- echoed key (vendor_batch), else NULL
    first_std      VARCHAR,
    first_canon    VARCHAR,
    middle_initial VARCHAR,
    last_std       VARCHAR,
    last_phonetic  VARCHAR,
    first_phonetic VARCHAR,
    suffix_std     VARCHAR,
    dob            DATE,
    dob_ambiguous  BOOLEAN,
    ssn_hash       VARCHAR,
    ssn_last4      VARCHAR,
    street_number  VARCHAR,
    street_name    VARCHAR,
    unit_number    VARCHAR,
    std_line1      VARCHAR,
    city           VARCHAR,
    state          VARCHAR,
    zip5           VARCHAR,
    phone_e164     VARCHAR,
    email_norm     VARCHAR
);

CREATE TABLE IF NOT EXISTS acct_phones (account_id VARCHAR, slot INTEGER, e164 VARCHAR);
CREATE TABLE IF NOT EXISTS rec_phones  (rec_id BIGINT, e164 VARCHAR);
