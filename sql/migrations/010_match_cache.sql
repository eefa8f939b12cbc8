-- 010: the matcher's incremental cache and a log of how each link run was computed.
-- Additive only: new tables; nothing earlier changes meaning.
--
-- The cache describes one *data state* (the acct_std/rec_std the last link run saw), not a run:
-- comparison levels are a pure function of the two standardized rows, so a cached level vector
-- stays valid for as long as both rows keep their fingerprint, whichever run computed it and
-- whether or not that run completed. Every link run rewrites it in the same transaction as its
-- match_pairs, so the four cache tables always describe the same state.
-- Nothing here is needed to explain or replay a run (match_pairs holds the levels); dropping the
-- rows of all five cache tables only makes the next run a full one.

-- One row: what the cached state was computed with. A different matcher version or block cap
-- makes the cache unusable (the next run compares everything and rewrites it).
CREATE TABLE IF NOT EXISTS match_cache_state (
    matcher_version  VARCHAR,
    block_cap        BIGINT,
    run_id           VARCHAR,     -- the link run that wrote the state
    accounts         BIGINT,
    records          BIGINT,
    pairs            BIGINT,
    written_at       TIMESTAMP
);

-- Fingerprint of every standardized side row of the cached state: hash of all the columns the
-- blocking keys and comparisons read (sql/match/fingerprints.sql). New, changed or removed
-- fingerprints are the "dirty" rows an incremental run re-blocks and re-compares.
CREATE TABLE IF NOT EXISTS match_cache_accounts (account_id VARCHAR, fp UBIGINT);
CREATE TABLE IF NOT EXISTS match_cache_records  (rec_id BIGINT, fp UBIGINT);

-- Blocks over the cap in the cached state, as hash(pass, bkey) (block keys hold name fragments,
-- phone numbers and e-mail addresses; the cache keeps no PII). A block crossing the cap changes
-- which unchanged pairs are candidates, so the incremental run re-derives those pairs.
CREATE TABLE IF NOT EXISTS match_cache_oversized (block_hash UBIGINT);

-- Every candidate pair of the cached state: the passes that proposed it and its comparison levels
-- (matchers/compare.py). Scores are not cached: term frequencies move with every new name, so
-- each run re-scores all candidates from these levels (cheap, vectorized).
CREATE TABLE IF NOT EXISTS match_cache_pairs (
    account_id      VARCHAR,
    rec_id          BIGINT,
    passes          VARCHAR[],
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

-- How each link run was computed: full or incremental, why, from which state, what changed.
-- Lineage for "was this run's matching complete?": an incremental run's pairs equal a full run's
-- with the same parameters (tests/flows/test_incremental_equivalence.py).
CREATE TABLE IF NOT EXISTS match_increments (
    run_id              VARCHAR,
    mode                VARCHAR,   -- full | incremental
    reason              VARCHAR,   -- why this mode (first run, full_rebuild, settings changed, ...)
    base_run_id         VARCHAR,   -- incremental: the run whose cached state was the starting point
    params_from         VARCHAR,   -- run whose m/u/prior were reused (NULL: estimated by this run)
    accounts_new        BIGINT,
    accounts_changed    BIGINT,
    accounts_removed    BIGINT,
    records_new         BIGINT,
    records_changed     BIGINT,
    records_removed     BIGINT,
    blocks_flipped      BIGINT,    -- blocks that crossed the cap since the cached state
    pairs_carried       BIGINT,    -- candidate pairs whose levels came from the cache
    pairs_compared      BIGINT,    -- candidate pairs compared by this run
    partitions          INTEGER,   -- comparison partitions (1 = in-process)
    seconds             DOUBLE,
    created_at          TIMESTAMP
);
