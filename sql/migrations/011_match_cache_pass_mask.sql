-- 011: the incremental cache keys blocks by hash and records a candidate's passes as a bit mask.
-- Blocking now joins on h = hash(pass code, key) and aggregates passes with bit_or (cheaper than
-- list(DISTINCT pass) on ~100M key rows at a million accounts; sql/match/blocking_keys.sql).
-- The cache of the old layout cannot be translated (its oversized-block hashes were of the pass
-- name), so it is emptied: the next link run is a full one and rewrites it. Nothing needed to
-- explain or replay a run lives in these tables (see 010).

DROP TABLE IF EXISTS match_cache_pairs;

CREATE TABLE match_cache_pairs (
    account_id      VARCHAR,
    rec_id          BIGINT,
    pass_mask       INTEGER,     -- bit `code` per proposing pass (codes in blocking_keys.sql)
    first_name      UTINYINT,
    last_name       UTINYINT,
    dob             UTINYINT,
    ssn             UTINYINT,
    address         UTINYINT,
    phone           UTINYINT,
    email           UTINYINT,
    suffix          UTINYINT,
    middle_initial  UTINYINT
);

DELETE FROM match_cache_state;
DELETE FROM match_cache_oversized;
DELETE FROM match_cache_accounts;
DELETE FROM match_cache_records;
